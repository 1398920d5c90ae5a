"""Load shed, not queued, on a real server: with its requests in flight at the limit, the next
one is answered 503 with Retry-After at once (it is not left waiting behind work that never
ends), counted in /metrics; a flood gets only answers that are admitted or refused, and every
call admitted is on the floor."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing

import httpx
import pytest

from tests.conftest import CRM_ORIGIN
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server

IN_FLIGHT = 4
CALL = {"from": "+14085551212", "campaign": "Inbound Support"}
BUSY_ANSWER_WITHIN = 5.0  # seconds: the held requests never end, so only a refusal fits


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    env = {"AGENTBAR_MAX_REQUESTS_IN_FLIGHT": str(IN_FLIGHT)}
    data_dir = tmp_path_factory.mktemp("shedding") / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN], extra_env=env) as running:
        yield running


def held_request(server: AgentbarServer) -> socket.socket:
    """A POST whose body never comes: the server handles it (in flight) until it is closed."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(
        (
            "POST /api/v1/simulator/calls HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\n"
            "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        ).encode()
    )
    return sock


def metric(server: AgentbarServer, line: str) -> float:
    with server.admin() as admin:
        text = admin.get("/metrics").text
    found = re.search(rf"^{re.escape(line)} (\S+)$", text, re.MULTILINE)
    assert found is not None, line
    return float(found.group(1))


def wait_in_flight(server: AgentbarServer, count: int) -> None:
    """Until the server says `count` requests are in flight (the /metrics scrape is not one)."""
    for _ in range(500):
        if metric(server, "agentbar_requests_in_flight") == count:
            return
    raise AssertionError(f"never {count} requests in flight")


def test_a_server_at_its_limit_answers_503_with_retry_after_at_once(
    server: AgentbarServer,
) -> None:
    refused_before = metric(server, 'agentbar_shed_requests_total{edge="api",reason="in_flight"}')
    with ExitStack() as held:
        for _ in range(IN_FLIGHT):
            held.enter_context(closing(held_request(server)))
        wait_in_flight(server, IN_FLIGHT)

        with server.admin(retry_busy=False) as admin:
            answer = admin.post("/api/v1/simulator/calls", json=CALL, timeout=BUSY_ANSWER_WITHIN)

        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["code"] == "busy"
        assert "nothing was done" in answer.json()["detail"]
        refused = metric(server, 'agentbar_shed_requests_total{edge="api",reason="in_flight"}')
        assert refused == refused_before + 1
        # What is not floor work is still answered.
        assert (
            httpx.get(f"{server.base_url}/healthz", timeout=BUSY_ANSWER_WITHIN).status_code == 200
        )

    wait_in_flight(server, 0)
    with server.admin() as admin:
        assert admin.post("/api/v1/simulator/calls", json=CALL).status_code == 201


def queued_calls(server: AgentbarServer, after: int) -> tuple[set[str], int]:
    """The calls queued in the events after `after`, and the last event's seq."""
    queued: set[str] = set()
    with server.admin() as admin:
        while True:
            page = admin.get("/api/v1/events", params={"after": after, "limit": 1000}).json()
            if not page["events"]:
                return queued, after
            queued |= {e["callId"] for e in page["events"] if e["event"] == "call.queued"}
            after = page["last"]


def test_a_flood_is_admitted_or_refused_and_nothing_admitted_is_lost(
    server: AgentbarServer,
) -> None:
    _, before = queued_calls(server, 0)

    def place(_: int) -> httpx.Response:
        with server.admin(retry_busy=False) as admin:
            return admin.post("/api/v1/simulator/calls", json=CALL, timeout=30)

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(place, range(160)))

    assert {answer.status_code for answer in answers} <= {201, 503}
    admitted = {answer.json()["callId"] for answer in answers if answer.status_code == 201}
    assert admitted  # the server kept taking calls all through the flood
    refused = [answer for answer in answers if answer.status_code == 503]
    assert all(answer.headers["retry-after"] == "1" for answer in refused)
    queued, _ = queued_calls(server, before)
    assert admitted <= queued, sorted(admitted - queued)
