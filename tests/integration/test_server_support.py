"""The test support that starts `agentbar serve`, tested on its own: a port another server
took between being picked and the server binding it is never mistaken for the server's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import tests.support.servers as servers
from examples.services.ports import free_port
from tests.conftest import CRM_ORIGIN
from tests.support.servers import PortTaken, agentbar_server, page_server


def anything_answers(path: str) -> str:
    return "<p>another server</p>"


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
    picked: list[int] = []
    really_free = free_port
    with page_server(anything_answers) as other:

        def taken_first() -> int:
            port = really_free() if picked else other.port
            picked.append(port)
            return port

        monkeypatch.setattr(servers, "free_port", taken_first)
        with agentbar_server(tmp_path, [CRM_ORIGIN]) as server:
            assert picked[0] == other.port
            assert server.port == picked[-1] != other.port
            ready = httpx.get(f"{server.base_url}/readyz")
            assert ready.json()["status"] == "ok"
