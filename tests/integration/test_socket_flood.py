"""One socket flooding the real server at 5,000 frames a second stalls no one else: another
agent's pings keep answering quickly, /healthz answers, and the flooding socket is refused
(`rate_limited`) and closed (1008). A closed flooder connects again at once, so the flood
lasts the few seconds the test runs, not the instant one socket survives.

With the default limits the queue (64 waiting) is larger than the burst (40 frames), so a flood
spends its tokens and is refused for the rate; a queue set below the burst closes a flood for
"too many frames waiting" first."""

from __future__ import annotations

import json
import multiprocessing
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

# Measures time under load it makes itself: no other test beside it (tests/support/alone.py).
pytestmark = pytest.mark.alone

FRAMES_PER_SECOND = 5_000
FLOOD_SECONDS = 3.0
PING_EVERY = 0.05
P99_LIMIT = 0.25


@dataclass
class FloodReport:
    frames_sent: int = 0
    sockets: int = 0
    rate_limited: int = 0
    other_answers: dict[str, int] = field(default_factory=dict)
    closes: list[tuple[int, str]] = field(default_factory=list)


def _drain(ws: ClientConnection, report: FloodReport) -> None:
    """Read the flooding socket's answers (a client that stops reading is slowed by TCP, not
    closed): count the refusals, and note how the server closed it."""
    try:
        while True:
            answer = json.loads(ws.recv())
            code = answer.get("error", {}).get("code", "ok")
            if code == "rate_limited":
                report.rate_limited += 1
            else:
                report.other_answers[code] = report.other_answers.get(code, 0) + 1
    except ConnectionClosed as closed:
        by_server = closed.rcvd is not None and (closed.sent is None or closed.rcvd_then_sent)
        if by_server and closed.rcvd is not None:  # not the flooder's own close at the end
            report.closes.append((closed.rcvd.code, closed.rcvd.reason))


def flood(
    url: str, origin: str, resume: dict[str, Any] | None, frame: dict[str, Any]
) -> FloodReport:
    """Send `frame` (with fresh ids) at FRAMES_PER_SECOND for FLOOD_SECONDS, connecting again
    (and first sending `resume`, when given) each time the server closes the socket."""
    report = FloodReport()
    ends = time.monotonic() + FLOOD_SECONDS
    batch = FRAMES_PER_SECOND // 100  # every 10 ms
    frame_id = 0
    while time.monotonic() < ends:
        with connect(url, origin=Origin(origin)) as ws:
            report.sockets += 1
            if resume is not None:
                ws.send(json.dumps({"id": "resume", **resume}))
                assert json.loads(ws.recv(timeout=10))["ok"]
            reader = threading.Thread(target=_drain, args=(ws, report))
            reader.start()
            next_batch = time.monotonic()
            try:
                while time.monotonic() < ends:
                    for _ in range(batch):
                        frame_id += 1
                        ws.send(json.dumps({"id": frame_id, **frame}))
                        report.frames_sent += 1
                    next_batch += 0.01
                    time.sleep(max(0.0, next_batch - time.monotonic()))  # the flood's pace
            except ConnectionClosed:
                pass
        reader.join(timeout=10)
    return report


def _flood_in_process(
    url: str, origin: str, resume: dict[str, Any] | None, frame: dict[str, Any], out: Any
) -> None:
    out.put(flood(url, origin, resume, frame))


@contextmanager
def flooding(
    server: AgentbarServer, frame: dict[str, Any], resume: dict[str, Any] | None = None
) -> Iterator[Any]:
    """The flood from a process of its own, so its sending does not slow this one's timing."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(
        target=_flood_in_process, args=(server.socket_url, server.base_url, resume, frame, out)
    )
    process.start()
    try:
        yield out
    finally:
        process.join(timeout=FLOOD_SECONDS + 30)
        if process.is_alive():
            process.kill()


def ping_meanwhile(agent: ToolbarClient, until: threading.Event) -> list[float]:
    """The agent's ping round trips, one every PING_EVERY seconds until `until` is set."""
    took: list[float] = []
    while not until.wait(PING_EVERY):
        started = time.monotonic()
        assert agent.request("ping")["ok"]
        took.append(time.monotonic() - started)
    return took


def health_meanwhile(server: AgentbarServer, until: threading.Event, out: list[int]) -> None:
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while not until.wait(0.1):
            try:
                out.append(client.get("/healthz").status_code)
            except httpx.TimeoutException:
                out.append(0)


def under_flood(
    server: AgentbarServer,
    agent: ToolbarClient,
    frame: dict[str, Any],
    resume: dict[str, Any] | None = None,
) -> tuple[FloodReport, list[float], list[int]]:
    done = threading.Event()
    health: list[int] = []
    checker = threading.Thread(target=health_meanwhile, args=(server, done, health))
    with flooding(server, frame, resume) as report:
        checker.start()
        pings: list[float] = []
        pinger = threading.Thread(target=lambda: pings.extend(ping_meanwhile(agent, done)))
        pinger.start()
        flooded: FloodReport = report.get(timeout=FLOOD_SECONDS + 30)
        done.set()
        pinger.join()
        checker.join()
    return flooded, pings, health


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def assert_unhurt(flooded: FloodReport, pings: list[float], health: list[int]) -> None:
    # The flood happened (on a loaded machine the flooder itself may fall short of its pace).
    assert flooded.frames_sent > FRAMES_PER_SECOND * FLOOD_SECONDS / 4, flooded
    assert flooded.closes, flooded
    assert all(code == 1008 for code, _ in flooded.closes), flooded.closes
    assert {reason for _, reason in flooded.closes} <= {
        "too many frames over the rate limit",
        "too many frames waiting",
    }
    assert len(pings) > FLOOD_SECONDS / PING_EVERY / 2
    print(f"ping p99 {p99(pings):.3f} s, worst {max(pings):.3f} s, {flooded}")
    assert p99(pings) < P99_LIMIT, sorted(pings)[-10:]
    assert health
    assert all(status == 200 for status in health), health


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    """The default limits: a flood spends its tokens and then is refused."""
    with agentbar_server(tmp_path_factory.mktemp("flood") / "agentbar", [CRM_ORIGIN]) as running:
        yield running


@pytest.mark.slow
def test_an_unauthenticated_resume_flood_stalls_no_one(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as agent:
        log_in(agent, "agent1")
        resume = {"cmd": "auth.resume", "token": "t" * 43, "crmOrigin": CRM_ORIGIN}
        flooded, pings, health = under_flood(server, agent, resume)
    assert_unhurt(flooded, pings, health)
    assert flooded.rate_limited > 0, flooded
    assert {reason for _, reason in flooded.closes} == {"too many frames over the rate limit"}
    assert set(flooded.other_answers) <= {"invalid_session"}, flooded.other_answers


@pytest.mark.slow
def test_an_authenticated_snapshot_flood_stalls_no_one(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as flooder:
        token = log_in(flooder, "agent2")["token"]
    with ToolbarClient(server.socket_url, origin=server.base_url) as agent:
        log_in(agent, "agent3")
        resume = {"cmd": "auth.resume", "token": token, "crmOrigin": CRM_ORIGIN}
        flooded, pings, health = under_flood(server, agent, {"cmd": "snapshot"}, resume)
    assert_unhurt(flooded, pings, health)
    assert flooded.rate_limited > 0, flooded
    assert {reason for _, reason in flooded.closes} == {"too many frames over the rate limit"}
    assert flooded.other_answers.get("ok", 0) > 0  # the snapshots within budget were taken


@pytest.mark.slow
def test_with_a_queue_below_the_burst_a_flood_is_closed_for_what_waits(tmp_path: Path) -> None:
    queue = {"AGENTBAR_SOCKET_QUEUE": "16"}
    with (
        agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], queue) as server,
        ToolbarClient(server.socket_url, origin=server.base_url) as agent,
    ):
        log_in(agent, "agent1")
        resume = {"cmd": "auth.resume", "token": "t" * 43, "crmOrigin": CRM_ORIGIN}
        flooded, pings, health = under_flood(server, agent, resume)
    assert_unhurt(flooded, pings, health)
    assert "too many frames waiting" in {reason for _, reason in flooded.closes}
