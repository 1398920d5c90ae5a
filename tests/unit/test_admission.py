"""The admission gate: past its limits new API work is answered 503 with Retry-After at once,
new sockets are closed 1013 before they are accepted, and what is not floor work always
passes; every refusal is counted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from prometheus_client import CollectorRegistry, generate_latest
from starlette.types import Message, Receive, Scope, Send

from agentbar.services.owner_gate import OwnerGate
from agentbar.services.queue_limit import (
    LEAST_LIMIT,
    QUEUE_EVIDENCE,
    QUEUE_WINDOW,
    UNUSED_LIMIT,
    QueueLimit,
)
from agentbar.web.admission import (
    LAG_READINGS,
    Admission,
    AdmissionCollector,
    AdmissionGate,
    AdmissionLimits,
)


class HeldApp:
    """An application whose requests stay in flight until released."""

    def __init__(self, expected: int = 0) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        self.all_entered = asyncio.Event()
        self._expected = expected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        if self.entered == self._expected:
            self.all_entered.set()
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def request(
    gate: AdmissionGate, path: str, kind: str = "http", extensions: dict[str, object] | None = None
) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": kind, "path": path, "method": "POST", "headers": []}
    await gate({**scope, "extensions": extensions or {}}, receive, send)
    return sent


def status_of(sent: list[Message]) -> int:
    return int(sent[0]["status"])


def header(sent: list[Message], name: bytes) -> bytes | None:
    return dict(sent[0]["headers"]).get(name)


async def test_past_the_requests_in_flight_the_next_is_refused_at_once() -> None:
    app = HeldApp(expected=2)
    admission = Admission(AdmissionLimits(max_in_flight=2, max_loop_lag=0))
    gate = AdmissionGate(app, admission)
    held = [asyncio.create_task(request(gate, "/api/v1/simulator/calls")) for _ in range(2)]
    await app.all_entered.wait()

    refused = await request(gate, "/api/v1/simulator/calls")

    assert status_of(refused) == 503
    assert header(refused, b"retry-after") == b"1"
    body = json.loads(refused[1]["body"])
    assert body["code"] == "busy"
    assert "too many requests in progress" in body["detail"]
    assert app.entered == 2  # the refused request never reached the application
    assert admission.shed[("api", "in_flight")] == 1

    app.release.set()
    assert [status_of(sent) for sent in await asyncio.gather(*held)] == [200, 200]
    assert admission.in_flight == 0
    assert status_of(await request(gate, "/api/v1/simulator/calls")) == 200


async def test_while_the_loop_runs_late_new_work_and_sockets_are_refused() -> None:
    app = HeldApp()
    app.release.set()
    admission = Admission(AdmissionLimits(max_in_flight=100, max_loop_lag=0.025))
    gate = AdmissionGate(app, admission)
    admission.loop_lag = 0.040

    refused = await request(gate, "/api/v1/agents")
    denied = await request(
        gate, "/api/v1/socket", kind="websocket", extensions={"websocket.http.response": {}}
    )
    closed = await request(gate, "/api/v1/socket", kind="websocket")

    assert status_of(refused) == 503
    assert "running behind" in json.loads(refused[1]["body"])["detail"]
    assert denied[0]["type"] == "websocket.http.response.start"
    assert status_of(denied) == 503
    assert header(denied, b"retry-after") == b"1"
    assert closed == [{"type": "websocket.close", "code": 1013, "reason": "busy"}]
    assert app.entered == 0
    assert admission.shed == {("api", "loop_lag"): 1, ("socket", "loop_lag"): 2}

    admission.loop_lag = 0.010
    assert status_of(await request(gate, "/api/v1/agents")) == 200
    assert (await request(gate, "/api/v1/socket", kind="websocket"))[0]["type"] == (
        "websocket.accept"
    )


async def test_what_is_not_floor_work_is_never_refused() -> None:
    app = HeldApp()
    app.release.set()
    admission = Admission(AdmissionLimits(max_in_flight=1, max_loop_lag=0.001))
    admission.loop_lag = 1.0
    gate = AdmissionGate(app, admission)
    for path in ("/healthz", "/readyz", "/metrics", "/api/v1/cluster", "/supervisor", "/"):
        assert status_of(await request(gate, path)) == 200, path
    assert not admission.shed


def block_the_loop(seconds: float) -> None:
    """The loop does nothing else meanwhile, as under a burst of work."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while loop.time() < until:
        pass


async def next_turns() -> None:
    """A few turns of the loop: a wake-up already due runs in them."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_the_lag_probe_sees_a_loop_that_runs_late_all_along() -> None:
    admission = Admission(AdmissionLimits(max_loop_lag=0.025))
    admission.start()
    try:
        await asyncio.sleep(0)  # the probe is asleep, its wake-up 10 ms away
        block_the_loop(0.1)  # one late wake-up alone: a pause, not a backlog
        await next_turns()
        assert admission.loop_lag == 0.0
        assert admission.refusal("api") is None
        for _ in range(LAG_READINGS):
            block_the_loop(0.08)
            await next_turns()
        assert admission.loop_lag >= 0.05
        assert admission.refusal("api") == "loop_lag"
    finally:
        await admission.stop()


def metrics_text(admission: Admission) -> str:
    """What /metrics shows of the gate."""
    registry = CollectorRegistry()
    registry.register(AdmissionCollector(admission))
    return generate_latest(registry).decode()


async def test_refusals_and_the_gates_figures_are_in_the_metrics() -> None:
    admission = Admission(AdmissionLimits())
    admission.shed[("api", "in_flight")] = 3
    admission.shed[("socket", "loop_lag")] = 2
    admission.in_flight, admission.loop_lag = 7, 0.004

    text = metrics_text(admission)

    assert 'agentbar_shed_requests_total{edge="api",reason="in_flight"} 3.0' in text
    assert 'agentbar_shed_requests_total{edge="socket",reason="loop_lag"} 2.0' in text
    assert 'agentbar_shed_requests_total{edge="api",reason="loop_lag"} 0.0' in text
    assert "agentbar_requests_in_flight 7.0" in text
    assert "agentbar_event_loop_lag_seconds 0.004" in text
    assert 'agentbar_shed_requests_total{edge="floor_owner",reason="queue"} 0.0' in text


async def test_new_work_the_owner_refused_its_doors_is_counted_in_the_metrics() -> None:
    owner_gate = OwnerGate(target=0.02, ceiling=1)
    with owner_gate.carrying():
        assert owner_gate.refuses()
        assert owner_gate.refuses()
    registry = CollectorRegistry()
    registry.register(AdmissionCollector(Admission(AdmissionLimits()), lambda: owner_gate))
    text = generate_latest(registry).decode()
    assert 'agentbar_shed_requests_total{edge="floor_owner",reason="queue"} 2.0' in text


async def test_admitted_changes_are_timed_from_admission_to_answer_in_the_metrics() -> None:
    app = HeldApp(expected=2)
    admission = Admission(AdmissionLimits(max_loop_lag=0))
    gate = AdmissionGate(app, admission)
    held = [asyncio.create_task(request(gate, "/api/v1/simulator/calls")) for _ in range(2)]
    await app.all_entered.wait()
    await asyncio.sleep(0.03)  # both answered after at least 30 ms
    app.release.set()
    await asyncio.gather(*held)
    admission.change_answered(0.004)
    admission.change_answered(12.0)

    text = metrics_text(admission)

    assert 'agentbar_api_change_seconds_bucket{le="0.005"} 1.0' in text
    assert 'agentbar_api_change_seconds_bucket{le="0.025"} 1.0' in text
    assert 'agentbar_api_change_seconds_bucket{le="10.0"} 3.0' in text
    assert 'agentbar_api_change_seconds_bucket{le="+Inf"} 4.0' in text
    assert "agentbar_api_change_seconds_count 4.0" in text
    assert admission.answered_seconds >= 12.0 + 0.004 + 2 * 0.03


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _windows(queue: QueueLimit, clock: FakeClock) -> Callable[..., int]:
    def window(*seconds: float, in_flight: int = 100) -> int:
        """Requests that took `seconds` end within one window; the limit after it."""
        for took in seconds:
            queue.ended(took, in_flight)
        clock.now += QUEUE_WINDOW
        return queue.current()

    return window


def test_the_limit_in_flight_is_cut_while_work_stands_queued_and_grows_back() -> None:
    clock = FakeClock()
    queue = QueueLimit(target=0.05, ceiling=100, clock=clock)
    window = _windows(queue, clock)
    slow = (0.2, 0.09, 0.3, 0.2, 0.1)  # every request of the window waited

    assert queue.current() == 100
    assert window(0.2, 0.3, 0.2, 0.4, 0.01) == 100  # a burst that drains leaves one quick
    assert window(*slow) == 100  # one such window may be a hiccup
    assert window(*slow) == 50  # two in a row: a backlog
    assert window(*slow) == 25
    assert window(2.0) == 25  # one slow upload between busy moments: no backlog
    assert window(0.01, 0.01, 0.01, 0.01, 0.01) == 27  # quick again: it grows back
    for _ in range(30):
        window(0.5, 0.5, 0.5, 0.5, 0.5)
    assert queue.current() == LEAST_LIMIT  # a few always get through, to probe


def test_a_backlog_behind_few_requests_in_flight_is_cut_below_them() -> None:
    """A node that takes few requests a second (a door of three nodes, its requests waiting on
    the floor's owner) has few in flight however long they wait: the limit still goes under
    that number, or it would never refuse one."""
    clock = FakeClock()
    queue = QueueLimit(target=0.02, ceiling=256, clock=clock)
    window = _windows(queue, clock)
    waiting = (0.06,) * QUEUE_EVIDENCE

    window(*waiting, in_flight=3)
    assert window(*waiting, in_flight=3) < 3


def test_a_slow_window_between_quick_ones_cuts_nothing() -> None:
    clock = FakeClock()
    queue = QueueLimit(target=0.05, ceiling=100, clock=clock)
    window = _windows(queue, clock)
    slow, quick = (0.2,) * QUEUE_EVIDENCE, (0.01,) * QUEUE_EVIDENCE

    assert window(*slow) == 100
    assert window(*quick) == 100  # at its ceiling already
    assert window(*slow) == 100
    assert window(2.0) == 100  # a window that says nothing breaks the run too
    assert window(*slow) == 100
    assert window(*slow) == 50


def test_the_first_cut_starts_from_what_was_in_flight_not_from_a_limit_far_above_it() -> None:
    clock = FakeClock()
    queue = QueueLimit(target=0.05, ceiling=256, clock=clock)
    window = _windows(queue, clock)
    assert window(*(0.2,) * QUEUE_EVIDENCE, in_flight=12) == 256  # a first slow window
    for in_flight in (10, 40, 24, 12, 5):  # the clients never had more than 40 in flight
        queue.ended(0.2, in_flight)
    clock.now += QUEUE_WINDOW

    assert queue.current() == 20  # half of 40 at once, not of 256
    assert window(*(0.01,) * QUEUE_EVIDENCE, in_flight=10) == 22  # it grows back from there


def test_a_limit_the_clients_leave_unused_shrinks_to_a_floor_and_grows_only_when_used() -> None:
    """A stall ends no request, so the gate lets in every arrival up to its limit before it
    learns anything: an unused limit of 256 would let a burst of that many wait behind it."""
    clock = FakeClock()
    queue = QueueLimit(target=0.05, ceiling=256, clock=clock)
    window = _windows(queue, clock)
    quick = (0.01,) * QUEUE_EVIDENCE

    assert window(*quick, in_flight=3) == 256 - 25  # quick, but not half used: a tenth off
    assert window(in_flight=3) == 231 - 23  # a window with none ended lowers it too
    for _ in range(40):
        window(*quick, in_flight=3)
    assert queue.current() == UNUSED_LIMIT  # and no lower while nothing queues
    assert window(*quick, in_flight=UNUSED_LIMIT // 2 - 1) == UNUSED_LIMIT  # not half used
    assert window(*quick, in_flight=UNUSED_LIMIT // 2) == UNUSED_LIMIT + 1  # half: it grows
    assert window(*quick, in_flight=UNUSED_LIMIT + 1) == UNUSED_LIMIT + 2


def test_a_limit_cut_below_the_floor_grows_back_to_it_while_requests_are_quick() -> None:
    clock = FakeClock()
    queue = QueueLimit(target=0.05, ceiling=256, clock=clock)
    window = _windows(queue, clock)
    for _ in range(10):
        window(*(0.3,) * QUEUE_EVIDENCE, in_flight=4)
    assert queue.current() == LEAST_LIMIT
    for _ in range(UNUSED_LIMIT):
        window(*(0.01,) * QUEUE_EVIDENCE, in_flight=1)  # the load gone: little in flight

    assert queue.current() == UNUSED_LIMIT


def test_without_a_queue_target_the_limit_stays_at_its_ceiling() -> None:
    clock = FakeClock()
    queue = QueueLimit(target=0, ceiling=256, clock=clock)
    window = _windows(queue, clock)
    for _ in range(40):
        window(*(0.5,) * QUEUE_EVIDENCE, in_flight=1)

    assert queue.current() == 256


async def test_past_the_learnt_limit_changes_are_refused() -> None:
    app = HeldApp(expected=LEAST_LIMIT)
    admission = Admission(AdmissionLimits(max_in_flight=100, max_loop_lag=0, max_queue=0.05))
    clock = FakeClock()
    admission.queue = QueueLimit(0.05, 100, clock)
    gate = AdmissionGate(app, admission)
    for _ in range(30):
        for _ in range(QUEUE_EVIDENCE):
            admission.queue.ended(0.3, 100)
        clock.now += QUEUE_WINDOW
    assert admission.queue.current() == LEAST_LIMIT
    held = [asyncio.create_task(request(gate, "/api/v1/agents")) for _ in range(LEAST_LIMIT)]
    await app.all_entered.wait()

    refused = await request(gate, "/api/v1/simulator/calls")

    assert status_of(refused) == 503
    assert "requests are waiting in the server" in json.loads(refused[1]["body"])["detail"]
    assert admission.shed == {("api", "queue"): 1}
    app.release.set()
    await asyncio.gather(*held)
