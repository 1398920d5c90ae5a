"""The supervisor socket on the real server: who may open it, its snapshot of the floor, and
its changes as agents and calls move."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import ADMIN_TOKEN, AgentbarServer
from tests.support.toolbar_client import ToolbarClient

Frame = dict[str, Any]


def supervisor_url(server: AgentbarServer) -> str:
    return f"ws://127.0.0.1:{server.port}/api/v1/supervisor/socket"


def closed_with(connection: ClientConnection) -> tuple[int, str, list[Frame]]:
    """Read until the server closes: its code, its reason, and any frame sent before."""
    frames: list[Frame] = []
    try:
        while True:
            frames.append(json.loads(connection.recv(timeout=5)))
    except ConnectionClosed as closed:
        if closed.rcvd is None:
            raise AssertionError("the socket closed without a close frame") from closed
        return closed.rcvd.code, closed.rcvd.reason, frames


class Supervisor:
    """The floor as the page keeps it: rows by id, from the snapshot and every change."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.agents: dict[str, Frame] = {}
        self.calls: dict[str, Frame] = {}
        self.queues: dict[str, Frame] = {}
        self.frames: list[Frame] = []

    def receive(self, timeout: float = 5.0) -> Frame:
        frame: Frame = json.loads(self.connection.recv(timeout=timeout))
        self.frames.append(frame)
        if frame["type"] == "snapshot":
            self.agents = {a["agentId"]: a for a in frame["agents"]}
            self.calls = {c["callId"]: c for c in frame["calls"]}
            self.queues = {q["name"]: q for q in frame["queues"]}
        else:
            for agent_id in frame["agentsGone"]:
                self.agents.pop(agent_id, None)
            for call_id in frame["callsGone"]:
                self.calls.pop(call_id, None)
            self.agents.update({a["agentId"]: a for a in frame["agents"]})
            self.calls.update({c["callId"]: c for c in frame["calls"]})
            self.queues.update({q["name"]: q for q in frame["queues"]})
        return frame

    def wait_until(self, holds: Callable[[Supervisor], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not holds(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the floor never matched; last frames: {self.frames[-3:]}")
            self.receive(left)


@contextmanager
def supervising(server: AgentbarServer) -> Iterator[Supervisor]:
    with connect(supervisor_url(server), origin=Origin(server.base_url)) as connection:
        connection.send(json.dumps({"cmd": "auth", "token": ADMIN_TOKEN}))
        supervisor = Supervisor(connection)
        assert supervisor.receive()["type"] == "snapshot"
        yield supervisor


@pytest.mark.parametrize("origin", [CRM_ORIGIN, "http://127.0.0.1:1", None])
def test_only_agentbars_own_origin_may_open_it(server: AgentbarServer, origin: str | None) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(supervisor_url(server), origin=Origin(origin) if origin else None)
    assert refused.value.response.status_code == 403


def test_a_wrong_token_is_refused_and_sees_nothing(server: AgentbarServer) -> None:
    with connect(supervisor_url(server), origin=Origin(server.base_url)) as connection:
        connection.send(json.dumps({"cmd": "auth", "token": "not-the-token"}))
        code, reason, frames = closed_with(connection)
    assert (code, reason, frames) == (4403, "admin token is not valid", [])
    assert "supervisor socket refused: wrong admin token" in server.log()


@pytest.mark.parametrize(
    "first",
    [
        '{"cmd": "subscribe"}',
        '{"cmd": "auth"}',
        f'{{"cmd": "auth", "token": "{ADMIN_TOKEN}", "extra": 1}}',
        "not json",
    ],
)
def test_a_socket_must_name_its_token_first(server: AgentbarServer, first: str) -> None:
    with connect(supervisor_url(server), origin=Origin(server.base_url)) as connection:
        connection.send(first)
        code, reason, frames = closed_with(connection)
    assert code == 4401
    assert (
        reason
        == 'admin token required: send {"cmd": "auth", "token": "<AGENTBAR_ADMIN_TOKEN>"} first'
    )
    assert frames == []


def test_the_snapshot_shows_agents_queues_and_calls(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        answered = server.place_call("+14085550001")
        toolbar.wait_event("call.connected", callId=answered)
        placed = time.time()
        waiting = server.place_call("+14085550002")  # agent1 is busy: it waits

        with supervising(server) as supervisor:
            supervisor.wait_until(lambda s: s.queues["Inbound Support"]["waiting"] == 1)

    [snapshot] = supervisor.frames[:1]
    assert abs(snapshot["at"] - time.time()) < 5
    assert list(supervisor.agents) == ["agent1"]
    agent = supervisor.agents["agent1"]
    assert (agent["name"], agent["state"], agent["campaign"]) == (
        "Agent 1",
        "on_call",
        "Inbound Support",
    )
    assert agent["callId"] == answered
    assert snapshot["at"] - 5 < agent["since"] <= snapshot["at"]
    assert list(supervisor.calls) == [answered]  # the waiting call is counted in its queue
    call = supervisor.calls[answered]
    assert (call["agentId"], call["phone"], call["campaign"], call["state"]) == (
        "agent1",
        "+14085550001",
        "Inbound Support",
        "connected",
    )
    queue = supervisor.queues["Inbound Support"]
    assert queue["oldestSince"] == pytest.approx(placed, abs=2)
    assert queue["ready"] == 0
    assert supervisor.queues["Outbound Sales"]["waiting"] == 0
    assert waiting not in supervisor.calls


def test_changes_follow_agents_and_calls_live(server: AgentbarServer) -> None:
    with (
        supervising(server) as supervisor,
        ToolbarClient(server.socket_url, origin=server.base_url) as toolbar,
    ):
        assert supervisor.agents == {}
        assert supervisor.calls == {}

        answer = log_in(toolbar)
        supervisor.wait_until(lambda s: s.agents.get("agent1", {}).get("state") == "not_ready")

        get_ready(toolbar, inbound_campaign(answer))
        supervisor.wait_until(lambda s: s.agents["agent1"]["state"] == "ready")
        supervisor.wait_until(lambda s: s.queues["Inbound Support"]["ready"] == 1)

        call_id = server.place_call("+14085550003")
        supervisor.wait_until(lambda s: s.calls.get(call_id, {}).get("state") == "connected")
        assert supervisor.agents["agent1"]["state"] == "on_call"
        assert supervisor.calls[call_id]["agentName"] == "Agent 1"

        with server.admin() as admin:
            assert admin.post("/api/v1/agents/agent1/logout").status_code == 204
        supervisor.wait_until(lambda s: "agent1" not in s.agents and call_id not in s.calls)

    changes = [f for f in supervisor.frames if f["type"] == "changes"]
    assert changes, "only a snapshot came"
    # coalesced: fewer frames than the events the server stored meanwhile
    stored = server.query("SELECT COUNT(*) AS n FROM events WHERE kind NOT LIKE 'session.%'")
    assert len(changes) < stored[0]["n"]


def test_the_page_loads_without_a_token_under_a_strict_policy(server: AgentbarServer) -> None:
    page = httpx.get(f"{server.base_url}/supervisor")
    assert page.status_code == 200
    assert 'data-testid="token-form"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    script = httpx.get(f"{server.base_url}/supervisor/static/supervisor.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
