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

On a door (a node whose floor another node owns) the owner judges its own backlog too, and
refuses the doors' new work past it (`services/owner_gate.py`); its refusals are counted here
under the edge `floor_owner`.
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

from agentbar.services.owner_gate import OwnerGate
from agentbar.services.queue_limit import QueueLimit

GATED_PREFIX = "/api/v1/"
NEVER_SHED = ("/api/v1/cluster",)
LAG_INTERVAL = 0.01
"""Seconds between the lag probe's wake-ups: short enough to see a burst within a few
requests, long enough to cost nothing (100 wake-ups a second)."""
LAG_READINGS = 3
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

    def __init__(
        self, admission: Admission, owner_gate: Callable[[], OwnerGate | None] = lambda: None
    ) -> None:
        self._admission = admission
        self._owner_gate = owner_gate

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
        # New work the doors passed this node, refused while it owns the floor and is behind.
        owner_gate = self._owner_gate()
        shed.add_metric(["floor_owner", "queue"], owner_gate.shed if owner_gate else 0)
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
