"""Load shed, not queued: past what this process can do, new work is refused at once.

An asyncio server that takes every request it is sent queues the excess inside itself: each
request becomes a task waiting its turn on the event loop, and a request sent past the
process's ceiling is answered after seconds, the work admitted with it just as late. The
gate admits new work only while the process keeps up, judged two ways:

- **requests in flight**: HTTP requests under `/api/v1/` being handled at once, at most
  `max_in_flight`;
- **a learnt limit of requests in flight** (`QueueLimit`): if even the quickest of the
  requests that change something (not GET) and ended within the last `QUEUE_WINDOW` took
  longer than `max_queue`, work is waiting inside the process — for the database, the
  floor's writer, the CPU — and the limit is cut; while requests are quick it grows back as
  far as the clients use it. This is what sees a process whose loop keeps up while its
  storage or its threads do not.
- **event loop lag**: how late the loop wakes a task that asked to sleep `LAG_INTERVAL`. A
  saturated loop runs every ready task late; while it is late by more than `max_loop_lag` at
  each of the last `LAG_READINGS` wake-ups, new work would wait behind work already taken, so
  it is refused instead. One late wake-up alone (a garbage collection, the process
  descheduled a moment) refuses nothing.

Refused: an HTTP request gets `503` with `Retry-After` (and its body is never read); a new
toolbar or supervisor socket's handshake gets the same 503, never accepted (or, on a server
without the ASGI denial response, a close with 1013 before accepting, HTTP 403 to the client).
Sockets already open carry on: their frames have a budget of their own (`socket_budget.py`).
What is not floor work is never refused: pages, static files, `/healthz`, `/readyz`,
`/metrics`, `/api/v1/cluster`. Each refusal is counted by edge and reason in `/metrics`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

GATED_PREFIX = "/api/v1/"
NEVER_SHED = ("/api/v1/cluster",)
LAG_INTERVAL = 0.01
"""Seconds between the lag probe's wake-ups: short enough to see a burst within a few
requests, long enough to cost nothing (100 wake-ups a second)."""
LAG_READINGS = 3
QUEUE_WINDOW = 0.05
"""Seconds over which the quickest changing request is taken. Two of them in a row
(`STANDING_WINDOWS`) make CoDel's interval: a queue that stood 100 ms is cut. Windows of 100 ms
cut it 100 to 200 ms after it began, and the requests let in meanwhile were answered in up to
154 ms once the offered rate doubled (docs/ARCHITECTURE.md)."""
STANDING_WINDOWS = 2
"""Windows in a row in which even the quickest changing request waited, before the limit is
cut: one slow window is a hiccup (a checkpoint, a burst of socket frames), and a limit cut for
it refuses the few requests that piled up behind it, on a server far from its ceiling (seen at
50 calls/s with 1,000 agents, with one window of 100 ms). A backlog past the ceiling stands
for seconds."""
UNUSED_LIMIT = 16
"""A limit the clients leave unused shrinks toward it (by a tenth a window in which not half
of it was in flight) and grows only while at least half of it is in flight, as TCP validates
its window (RFC 7661). A stall — a checkpoint in the floor's writer, a garbage collection —
ends no request, so the gate learns nothing while it lasts and lets in every arrival up to the
limit: at 400 calls/s a stall let 64 in under a limit of 256, answered in up to 165 ms.
Sixteen waiting requests are some 65 to 80 ms of work for a node taking 200 to 250 a second
(SQLite's ceiling on the bench machine), and a server serving few requests a second seldom has
so many in flight at once."""
LEAST_LIMIT = 2
"""The learnt limit never goes below it: a few requests always get through, to probe. Two, not
more: a door taking 50 calls a second, each answered in some 60 ms while the floor's owner is
saturated, has about three requests in flight. A floor of four stood above that, so the limit
seldom refused one there and the admitted p99 passed 100 ms (docs/ARCHITECTURE.md says what
was measured, and what the lower floor costs a single node)."""
CUT = 0.5
"""What a cut leaves of the most in flight: a half, as TCP halves its window."""
QUEUE_EVIDENCE = 5
"""Requests that must have ended within a window for it to tell of a queue: one slow upload
between idle moments is no backlog."""
ANSWERED_WITHIN = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""The histogram's buckets (seconds) of admitted changes answered: what a client's own clock
adds on top (its queue, its connection, a machine it shares) is not the server's. Finer
around 100 ms, the goal for what is admitted past the ceiling."""
READS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Requests that change nothing: a slow report says nothing of the floor's backlog."""
TRY_AGAIN_LATER = 1013  # WebSocket close code


@dataclass(frozen=True)
class AdmissionLimits:
    """See `agentbar.config.Settings` (`max_requests_in_flight`, `max_queue_ms`,
    `max_loop_lag_ms`)."""

    max_in_flight: int = 256
    max_loop_lag: float = 0.05
    """Seconds; 0 turns the lag test off."""
    max_queue: float = 0.02
    """Seconds; 0 keeps the limit of requests in flight at `max_in_flight`."""
    retry_after: int = 1


class QueueLimit:
    """How many API requests may be in flight so that none waits long, learnt as it goes
    (additive-increase, multiplicative-decrease, as TCP learns a window). Two windows in a row
    in which even the quickest changing request took longer than `target` — work standing in a
    queue inside the process — cut the limit to half the most that were in flight in the
    second (and each further one cuts again); a window in which one was quick raises it by a
    tenth (at least one), up to `ceiling`, if at least half of it was in flight, and otherwise
    lowers it by a tenth, down to `UNUSED_LIMIT`. A burst that drains leaves some request
    quick; a backlog that does not leaves none.

    The cut starts from the most in flight, not from the limit: a limit far above what the
    clients send (256 against a few dozen connections) would otherwise take seconds of cuts
    before it refused anything, while the queue grew."""

    def __init__(self, target: float, ceiling: int, clock: Callable[[], float]) -> None:
        self._target = target
        self._ceiling = ceiling
        self._clock = clock
        self.limit = ceiling
        self._unused_floor = min(UNUSED_LIMIT, ceiling)
        self._window_ends = clock() + QUEUE_WINDOW
        self._quickest: float | None = None
        self._ended = 0
        self._most_in_flight = 0
        self._standing = 0
        """Windows in a row, each with evidence, in which even the quickest request waited."""

    def ended(self, seconds: float, in_flight: int) -> None:
        """A changing request took `seconds`, from its admission to its answer, with
        `in_flight` requests (itself among them) in flight as it ended."""
        self._roll()
        self._ended += 1
        self._most_in_flight = max(self._most_in_flight, in_flight)
        if self._quickest is None or seconds < self._quickest:
            self._quickest = seconds

    def current(self) -> int:
        self._roll()
        return self.limit

    def _roll(self) -> None:
        now = self._clock()
        if now < self._window_ends:
            return
        if self._target > 0 and self._ended >= QUEUE_EVIDENCE and self._quickest is not None:
            if self._quickest > self._target:
                self._standing += 1
                if self._standing >= STANDING_WINDOWS:
                    cut_from = min(self.limit, self._most_in_flight)
                    self.limit = max(LEAST_LIMIT, int(cut_from * CUT))
            else:
                self._standing = 0
                self._follow_use(quick=True)
        else:
            self._standing = 0  # a window that says nothing breaks a run of slow ones
            self._follow_use(quick=False)
        self._quickest, self._ended, self._most_in_flight = None, 0, 0
        self._window_ends = now + QUEUE_WINDOW

    def _follow_use(self, *, quick: bool) -> None:
        """No queue stood. A quick window raises a limit the clients use (or one a cut left
        under `UNUSED_LIMIT`); a window in which not half of it was in flight lowers it toward
        `UNUSED_LIMIT`."""
        if self._target <= 0:
            return
        step = max(1, self.limit // 10)
        used = self._most_in_flight * 2 >= self.limit
        if quick and (used or self.limit < self._unused_floor):
            self.limit = min(self._ceiling, self.limit + step)
        elif not used and self.limit > self._unused_floor:
            self.limit = max(self._unused_floor, self.limit - step)


class Admission:
    """What the gate decides by: the requests in flight, the loop's lag, and the refusals
    counted. One per app, started and stopped with it."""

    def __init__(self, limits: AdmissionLimits) -> None:
        self.limits = limits
        self.in_flight = 0
        self.loop_lag = 0.0
        """The least of the probe's last `LAG_READINGS` readings, in seconds: how late the
        loop has run all along lately."""
        self._readings: deque[float] = deque([0.0] * LAG_READINGS, maxlen=LAG_READINGS)
        self.shed: Counter[tuple[str, str]] = Counter()
        """Refusals by (edge, reason)."""
        self.queue = QueueLimit(limits.max_queue, limits.max_in_flight, time.monotonic)
        self.answered = [0] * (len(ANSWERED_WITHIN) + 1)
        """Admitted changing requests by the first bucket of `ANSWERED_WITHIN` they fit (the
        last: slower than all)."""
        self.answered_seconds = 0.0
        self._probe: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._probe is None and self.limits.max_loop_lag > 0:
            self._probe = asyncio.create_task(self._watch_lag(), name="loop-lag-probe")

    async def stop(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe

    async def _watch_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + LAG_INTERVAL
            await asyncio.sleep(LAG_INTERVAL)
            self._readings.append(max(loop.time() - asked, 0.0))
            self.loop_lag = min(self._readings)

    def change_answered(self, seconds: float) -> None:
        """An admitted request that changes something was answered `seconds` after admission
        (and is still counted in flight)."""
        self.queue.ended(seconds, self.in_flight)
        self.answered[bisect.bisect_left(ANSWERED_WITHIN, seconds)] += 1
        self.answered_seconds += seconds

    def refusal(self, edge: str) -> str | None:
        """Why new work at `edge` (`api`, `socket`) is refused now, or None to admit it. A
        refusal is counted."""
        reason = None
        if edge == "api" and self.in_flight >= self.limits.max_in_flight:
            reason = "in_flight"
        elif edge == "api" and self.in_flight >= self.queue.current():
            reason = "queue"
        elif 0 < self.limits.max_loop_lag < self.loop_lag:
            reason = "loop_lag"
        if reason is not None:
            self.shed[(edge, reason)] += 1
        return reason


class AdmissionGate:
    """Pure ASGI, so it sees socket handshakes and answers before a body is read."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self._app = app
        self._admission = admission
        self._retry_after = str(admission.limits.retry_after).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not _gated(scope["path"]):
            await self._app(scope, receive, send)
            return
        admission = self._admission
        if scope["type"] == "websocket":
            if admission.refusal("socket") is None:
                await self._app(scope, receive, send)
            elif "websocket.http.response" in scope.get("extensions", {}):
                await self._refuse(send, "loop_lag", prefix="websocket.http.")
            else:  # no denial response: a close before accepting, HTTP 403 to the client
                await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": "busy"})
            return
        reason = admission.refusal("api")
        if reason is not None:
            await self._refuse(send, reason)
            return
        admission.in_flight += 1
        admitted = time.monotonic()
        try:
            await self._app(scope, receive, send)
        finally:
            if scope.get("method") not in READS:
                admission.change_answered(time.monotonic() - admitted)
            admission.in_flight -= 1

    async def _refuse(self, send: Send, reason: str, prefix: str = "http.") -> None:
        why = {
            "in_flight": "too many requests in progress",
            "queue": "requests are waiting in the server",
        }.get(reason, "the server is running behind")
        body = json.dumps(
            {
                "detail": f"busy: {why}; nothing was done, try again in "
                f"{self._retry_after.decode()} s",
                "code": "busy",
            }
        ).encode()
        await send(
            {
                "type": f"{prefix}response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", self._retry_after),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": f"{prefix}response.body", "body": body})


def _gated(path: str) -> bool:
    return path.startswith(GATED_PREFIX) and not path.startswith(NEVER_SHED)


class AdmissionCollector(Collector):
    """The gate's figures at scrape time."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        admission = self._admission
        shed = CounterMetricFamily(
            "agentbar_shed_requests",
            "New requests and sockets refused at once because the server was busy",
            labels=["edge", "reason"],
        )
        for reason in ("in_flight", "queue", "loop_lag"):
            shed.add_metric(["api", reason], admission.shed[("api", reason)])
        # A socket is long-lived: neither counted in flight nor timed as a request.
        shed.add_metric(["socket", "loop_lag"], admission.shed[("socket", "loop_lag")])
        yield shed
        yield GaugeMetricFamily(
            "agentbar_requests_in_flight",
            "API requests being handled now",
            value=admission.in_flight,
        )
        yield GaugeMetricFamily(
            "agentbar_event_loop_lag_seconds",
            "How late the event loop has woken a task that asked to sleep, at each of the last "
            "few wake-ups (the least of them)",
            value=admission.loop_lag,
        )
        cumulative, buckets = 0, []
        bounds = [*map(str, ANSWERED_WITHIN), "+Inf"]
        for bound, count in zip(bounds, admission.answered, strict=True):
            cumulative += count
            buckets.append((bound, cumulative))
        yield HistogramMetricFamily(
            "agentbar_api_change_seconds",
            "API requests that change something, admitted: seconds from admission to answer",
            buckets=buckets,
            sum_value=admission.answered_seconds,
        )
