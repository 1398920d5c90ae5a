"""A door's feed of the owner's moves: a bounded queue that closes rather than grows.

A door too slow to keep up, or one whose link broke, gets SubscriptionClosed from `get` and
reloads the floor from storage: a feed never silently skips a move.
"""

from __future__ import annotations

from collections.abc import Callable

from agentbar.drivers.bus.closing_queue import ClosingQueue
from agentbar.ports.floor_link import FloorMove


class MoveQueue(ClosingQueue[FloorMove]):
    def __init__(self, capacity: int, forget: Callable[[MoveQueue], None]) -> None:
        super().__init__(capacity, "floor moves")
        self._forget_me = forget

    def _forget(self) -> None:
        self._forget_me(self)
