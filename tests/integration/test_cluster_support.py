"""The test support for several agentbar nodes, tested on its own: HAProxy in front of nodes
(balancing by readiness, WebSockets passed through) and the TCP proxy that cuts a node's
PostgreSQL away."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from examples.services.haproxy import HaproxyServer, haproxy_server, have_haproxy
from examples.services.postgres import PostgresServer
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import agentbar_server
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.toolbar_client import ToolbarClient


@pytest.fixture
def needs_haproxy() -> None:
    if not have_haproxy():
        pytest.fail("HAProxy is not installed: scripts/setup --haproxy installs it (apt haproxy)")


@dataclass
class Node:
    """A stand-in for an agentbar node: /readyz answers 200 or 503, any other path its name."""

    name: str
    ready: bool
    port: int = 0


@contextmanager
def node(name: str, ready: bool) -> Iterator[Node]:
    running = Node(name, ready)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/readyz":
                status, body = (200, b"ready") if running.ready else (503, b"not ready")
            else:
                status, body = 200, running.name.encode()
            # HAProxy's health check resets its connection once it has read the status line.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    running.port = httpd.server_address[1]
    # A short poll interval: shutdown() waits for the serving loop to notice, up to one interval.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield running
    finally:
        httpd.shutdown()
        httpd.server_close()


def answered_by(proxy: HaproxyServer, requests: int = 6) -> set[str]:
    """Which nodes answered `requests` requests through HAProxy (each on a new connection)."""
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=proxy.base_url, limits=no_reuse, timeout=5) as client:
        return {client.get("/who").text for _ in range(requests)}


@pytest.mark.cluster
@pytest.mark.usefixtures("needs_haproxy")
def test_haproxy_sends_requests_to_ready_nodes_only_and_follows_readiness() -> None:
    with (
        node("a", ready=True) as a,
        node("b", ready=False) as b,
        haproxy_server([a.port, b.port], names=["a", "b"]) as proxy,
    ):
        # Every node was checked once before HAProxy was handed over.
        assert proxy.server_states() == {"a": "UP", "b": "DOWN"}
        assert answered_by(proxy) == {"a"}

        a.ready, b.ready = False, True
        started = time.monotonic()
        proxy.wait_until(lambda states: states == {"a": "DOWN", "b": "UP"}, 3.0)
        assert time.monotonic() - started < 2.0  # a left after two failed checks 0.5 s apart
        assert answered_by(proxy) == {"b"}


@pytest.mark.cluster
@pytest.mark.usefixtures("needs_haproxy")
def test_a_toolbar_socket_passes_through_haproxy(tmp_path: Path) -> None:
    with (
        agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as server,
        haproxy_server([server.port]) as proxy,
    ):
        assert proxy.server_states() == {proxy.name_of(server.port): "UP"} == {"node1": "UP"}
        # HAProxy passes the Host header on, so the toolbar's own origin is HAProxy's.
        with ToolbarClient(proxy.socket_url, origin=proxy.base_url) as toolbar:
            get_ready(toolbar, inbound_campaign(log_in(toolbar)))
            call_id = server.place_call("+14085551212")
            toolbar.wait_event("call.screen_pop", callId=call_id)  # pushed through the tunnel


def through(proxy: TcpProxy, database_url: str) -> str:
    """The libpq URL of the test's database, reached through `proxy`."""
    url = make_url(database_url).set(drivername="postgresql", port=proxy.port)
    return url.render_as_string(hide_password=False)


def select_one(conninfo: str) -> int:
    with psycopg.connect(conninfo, connect_timeout=1) as connection:
        row = connection.execute("SELECT 1").fetchone()
    assert row is not None
    value: int = row[0]
    return value


@pytest.mark.postgres
def test_the_tcp_proxy_forwards_and_refuses_at_once_until_restored(
    postgres: PostgresServer,
) -> None:
    database = postgres.new_database()
    with tcp_proxy(postgres.port) as proxy:
        conninfo = through(proxy, database)
        with psycopg.connect(conninfo) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)

            proxy.cut("refuse")
            started = time.monotonic()
            with pytest.raises(psycopg.OperationalError):
                connection.execute("SELECT 1")
            with pytest.raises(psycopg.OperationalError):
                select_one(conninfo)
            assert time.monotonic() - started < 2.0
            direct = make_url(database).set(drivername="postgresql").render_as_string(False)
            assert select_one(direct) == 1  # cut for this proxy's node only

        proxy.restore()
        assert select_one(conninfo) == 1


@pytest.mark.postgres
def test_the_tcp_proxy_blackhole_hangs_until_the_client_gives_up_or_it_is_restored(
    postgres: PostgresServer,
) -> None:
    database = postgres.new_database()
    with tcp_proxy(postgres.port) as proxy:
        conninfo = through(proxy, database)
        with psycopg.connect(conninfo) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
            proxy.cut("blackhole")
            failures: list[BaseException] = []
            query = threading.Thread(target=_query_expecting_failure, args=(connection, failures))
            query.start()  # on the connection opened before the cut

            started = time.monotonic()
            with pytest.raises(psycopg.OperationalError):
                select_one(conninfo)  # accepted, never answered: connect_timeout ends it
            # connect_timeout=1 waits 2 s: psycopg, like libpq, takes anything shorter as 2.
            assert 1.0 < time.monotonic() - started < 5.0
            assert query.is_alive()  # meanwhile the query on the open connection hangs

            proxy.restore()  # closes the black-holed connection: the hung query fails now
            query.join(timeout=2.0)
            assert not query.is_alive()
            assert [type(e) for e in failures] == [psycopg.OperationalError]

        assert select_one(conninfo) == 1


def _query_expecting_failure(
    connection: psycopg.Connection[Any], failures: list[BaseException]
) -> None:
    try:
        connection.execute("SELECT 1")
    except psycopg.Error as error:
        failures.append(error)
