"""The limits every socket keeps on the real server: log in in time, a cap on open sockets per
client address and in all (toolbar and supervisor sockets counted together), and sockets that
end (a logout, a client leaving mid-command) without a traceback in the server's log."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from agentbar.testing.toolbar_agent import ToolbarAgent
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import log_in
from tests.integration.test_supervisor_socket import closed_with, supervisor_url
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient


def toolbar_from(server: AgentbarServer, address: str) -> ToolbarClient:
    """A toolbar whose connection comes from `address` (any of 127.0.0.0/8 reaches loopback)."""
    return ToolbarClient(server.socket_url, server.base_url, source_address=(address, 0))


@pytest.fixture(scope="module")
def quick_login(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    env = {"AGENTBAR_SOCKET_AUTH_TIMEOUT": "0.5"}
    with agentbar_server(tmp_path_factory.mktemp("deadline") / "agentbar", [CRM_ORIGIN], env) as s:
        yield s


def test_a_toolbar_that_does_not_log_in_in_time_is_closed(quick_login: AgentbarServer) -> None:
    with ToolbarClient(quick_login.socket_url, origin=quick_login.base_url) as idle:
        started = time.monotonic()
        assert idle.wait_closed(timeout=5.0) == (1008, "log in within 0.5 s")
        assert time.monotonic() - started < 3.0


def test_a_frame_that_is_not_a_login_does_not_stop_the_clock(quick_login: AgentbarServer) -> None:
    with ToolbarClient(quick_login.socket_url, origin=quick_login.base_url) as idle:
        assert idle.request("ping")["ok"]
        assert idle.request("snapshot")["error"]["code"] == "not_authenticated"
        assert idle.wait_closed(timeout=5.0) == (1008, "log in within 0.5 s")


def test_a_toolbar_that_logged_in_in_time_stays_open(quick_login: AgentbarServer) -> None:
    with ToolbarClient(quick_login.socket_url, origin=quick_login.base_url) as toolbar:
        log_in(toolbar, "agent2")
        # Past the deadline (no frame is expected meanwhile), the socket still answers.
        with pytest.raises(TimeoutError):
            toolbar.receive(timeout=1.5)
        assert toolbar.request("ping")["ok"]
        toolbar.expect_ok("auth.logout")


def test_the_supervisor_socket_keeps_the_same_deadline(quick_login: AgentbarServer) -> None:
    with connect(supervisor_url(quick_login), origin=Origin(quick_login.base_url)) as page:
        code, reason, frames = closed_with(page)
    assert code == 4401
    assert reason.startswith("no admin token in time")
    assert frames == []


def test_a_supervisor_page_that_floods_its_socket_is_closed(quick_login: AgentbarServer) -> None:
    page = open_supervisor(quick_login)
    with contextlib.suppress(ConnectionClosed):  # the server may close it while we still send
        for n in range(10_000):  # far over the burst (40) and the refusals that close (40)
            page.send(json.dumps({"cmd": "noise", "n": n}))
    code, reason, _ = closed_with(page)
    assert (code, reason) == (1008, "too many frames over the rate limit")


def refused(server: AgentbarServer, address: str) -> int:
    """The HTTP status a toolbar's handshake from `address` is refused with."""
    with pytest.raises(InvalidStatus) as refusal:
        toolbar_from(server, address).close()
    response = refusal.value.response
    if response.status_code == 503:
        assert response.headers["Retry-After"] == "5"
        assert b"try again later" in response.body
    return response.status_code


def open_supervisor(server: AgentbarServer) -> ClientConnection:
    page = connect(supervisor_url(server), origin=Origin(server.base_url)).__enter__()
    page.send(json.dumps({"cmd": "auth", "token": ADMIN_TOKEN}))
    assert json.loads(page.recv(timeout=5))["type"] == "snapshot"
    return page


def accepted_again(server: AgentbarServer, address: str, timeout: float = 5.0) -> ToolbarClient:
    """A toolbar from `address` once the server has counted a closed socket out (it does so as
    the socket's handler ends, just after the close): refused meanwhile with "try again later",
    so this tries again, as a client would."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return toolbar_from(server, address)
        except InvalidStatus:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_open_sockets_are_capped_per_address_and_in_all(tmp_path: Path) -> None:
    env = {"AGENTBAR_SOCKETS_PER_ADDRESS": "2", "AGENTBAR_SOCKETS_TOTAL": "3"}
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], env) as server:
        first = toolbar_from(server, "127.0.0.1")
        page = open_supervisor(server)  # the supervisor's socket counts with the toolbars'
        assert refused(server, "127.0.0.1") == 503
        other = toolbar_from(server, "127.0.0.2")
        assert refused(server, "127.0.0.3") == 503  # three open in all
        assert first.request("ping")["ok"]  # the refusals closed nothing
        log_in(other, "agent3")
        other.expect_ok("auth.logout")
        assert other.wait_closed() == (1000, "logged out")
        third = accepted_again(server, "127.0.0.3")
        assert third.request("ping")["ok"]
        page.close()
        second = accepted_again(server, "127.0.0.1")
        assert second.request("ping")["ok"]
        for toolbar in (first, second, third):
            toolbar.close()
        assert "127.0.0.1 has 2 sockets open" in server.log()
        assert "has its 3 sockets open" in server.log()


def test_logging_out_or_leaving_mid_command_logs_no_traceback(tmp_path: Path) -> None:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as server:
        for _ in range(3):
            with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
                log_in(toolbar, "agent4")
                toolbar.expect_ok("auth.logout")
                assert toolbar.wait_closed() == (1000, "logged out")
        with ToolbarClient(server.socket_url, origin=server.base_url) as leaving:
            token = log_in(leaving, "agent4")["token"]
            # Commands in flight as the client goes: their answers have nowhere to go.
            for n in range(5):
                leaving.send_raw(json.dumps({"id": n, "cmd": "snapshot"}))
        with ToolbarClient(server.socket_url, origin=server.base_url) as cut_off:
            cut_off.expect_ok("auth.resume", token=token, crmOrigin=CRM_ORIGIN)
            for n in range(5):
                cut_off.send_raw(json.dumps({"id": n, "cmd": "snapshot"}))
            # Gone without a close frame, as when a network drops.
            cut_off.connection.socket.shutdown(socket.SHUT_RDWR)
        with ToolbarClient(server.socket_url, origin=server.base_url) as back:
            back.expect_ok("auth.resume", token=token, crmOrigin=CRM_ORIGIN)
            back.expect_ok("auth.logout")
            assert back.wait_closed() == (1000, "logged out")
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
    assert "Exception in ASGI application" not in log, log[-3000:]


def test_the_kits_toolbar_agent_waits_for_room_when_the_server_refuses_it(tmp_path: Path) -> None:
    """`agentbar.testing`'s agent (what a CRM team's tests log in with) takes a handshake
    refused with 503 as "not now", as the toolbar does: it opens its socket once one is free."""
    env = {"AGENTBAR_SOCKETS_TOTAL": "1"}
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], env) as server:
        holding = toolbar_from(server, "127.0.0.1")
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(ToolbarAgent.connect, server.socket_url, server.base_url, "a1")
            server.wait_for_log("has its 1 sockets open", timeout=10)
            assert not waiting.done()  # refused once, and waiting its Retry-After
            holding.close()
            with waiting.result(timeout=15) as agent:
                assert agent.request("ping")["ok"]
