"""The floor's owner sheds the new work its doors pass it, where the queue is.

On a node that serves as a door, every change is carried out by the floor's owner: a door's
API request is answered once the owner has done what it asked. A door's own gate
(`web/admission.py`) judges by how long its requests take, which on a door is mostly the
owner's time: it cannot tell the owner's backlog from a slow link, and with a few requests a
window it judged too late or on noise (three nodes at twice their ceiling: admitted POST p99
of 86 to 105 ms over three ramps, docs/ARCHITECTURE.md). The owner sees its backlog itself: the
same learnt limit (`QueueLimit`), judged by how long each ask of every door took to carry out
here, counted across all doors. New work asked past it is refused at once (`OwnerBusy`), and the
door answers its client 503 busy, as its own gate would.

Only new work is refused: an ask its door marked so, the first thing a request asks that leaves
nothing done if refused (a simulated customer's call). A hang-up, a disposition, a login's steps
are work in progress and are always carried out; they count toward the limit all the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agentbar.services.queue_limit import QueueLimit


class OwnerGate:
    """The owner's learnt limit of doors' asks carried out at once."""

    def __init__(
        self, target: float, ceiling: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._queue = QueueLimit(target, ceiling, clock)
        self._clock = clock
        self.in_flight = 0
        """Doors' asks being carried out now, new work or not."""
        self.shed = 0
        """New work refused so far."""

    @property
    def limit(self) -> int:
        return self._queue.current()

    def refuses(self) -> bool:
        """Whether new work asked now is refused (and counted): the limit is reached."""
        if self.in_flight >= self._queue.current():
            self.shed += 1
            return True
        return False

    @contextmanager
    def carrying(self) -> Iterator[None]:
        """Around carrying out one ask: counted in flight, and its time taught to the limit."""
        self.in_flight += 1
        began = self._clock()
        try:
            yield
        finally:
            self._queue.ended(self._clock() - began, self.in_flight)
            self.in_flight -= 1
