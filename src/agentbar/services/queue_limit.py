"""A learnt limit of work in flight, so that none of it waits long (CoDel's judgement of a
standing queue, TCP's additive increase and multiplicative decrease).

Two gates use it: the web layer's, on the API requests a node takes (`web/admission.py`), and
the floor owner's, on the new work its doors pass it (`services/owner_gate.py`).
"""

from __future__ import annotations

from collections.abc import Callable

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
