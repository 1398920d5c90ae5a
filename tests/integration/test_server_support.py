"""The test support that starts servers (`agentbar serve`, redis-server, PostgreSQL), tested on
its own: a port another server took between being picked and the server binding it is never
mistaken for the server's, and another port is tried."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest

import examples.services.postgres as postgres_servers
import examples.services.redis_server as redis_servers
import tests.support.servers as servers
from examples.services.ports import free_port
from examples.services.postgres import SUPERUSER, postgres_server
from examples.services.redis_server import redis_server
from tests.conftest import CRM_ORIGIN
from tests.support.servers import PortTaken, agentbar_server, page_server


def anything_answers(path: str) -> str:
    return "<p>another server</p>"


class TakenFirst:
    """A stand-in for `free_port`: `taken` first (as if another program bound it after it was
    picked), then really free ports; every port handed out is kept in `picked`."""

    def __init__(self, taken: int) -> None:
        self.taken = taken
        self.picked: list[int] = []

    def __call__(self) -> int:
        port = free_port() if self.picked else self.taken
        self.picked.append(port)
        return port


def test_a_port_held_by_another_web_server_is_refused_not_served(tmp_path: Path) -> None:
    # The other server answers 200 on /readyz too: only the server's own log says it serves.
    with (
        page_server(anything_answers) as other,
        pytest.raises(PortTaken, match="the port is in use"),
        agentbar_server(tmp_path, [CRM_ORIGIN], port=other.port),
    ):
        pytest.fail("a server was yielded while another web server held its port")


def test_a_picked_port_taken_meanwhile_is_given_up_for_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with page_server(anything_answers) as other:
        ports = TakenFirst(other.port)
        monkeypatch.setattr(servers, "free_port", ports)
        with agentbar_server(tmp_path, [CRM_ORIGIN]) as server:
            assert ports.picked[0] == other.port
            assert server.port == ports.picked[-1] != other.port
            ready = httpx.get(f"{server.base_url}/readyz")
            assert ready.json()["status"] == "ok"


def test_a_redis_port_taken_meanwhile_is_given_up_for_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with redis_server() as first:
        ports = TakenFirst(first.port)
        monkeypatch.setattr(redis_servers, "free_port", ports)
        with redis_server() as second, second.client() as client:
            # The first pick was refused: that redis-server exited.
            assert ports.picked[0] == first.port
            assert second.port == ports.picked[-1] != first.port
            assert client.info("server")["process_id"] == second.process.pid


def test_a_postgresql_port_taken_meanwhile_is_given_up_for_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with page_server(anything_answers) as other:
        ports = TakenFirst(other.port)
        monkeypatch.setattr(postgres_servers, "free_port", ports)
        with (
            postgres_server() as server,
            psycopg.connect(
                f"host=127.0.0.1 port={server.port} user={SUPERUSER} dbname=postgres"
            ) as db,
        ):
            assert ports.picked[0] == other.port
            assert server.port == ports.picked[-1] != other.port
            assert db.execute("SELECT 1").fetchone() == (1,)
