"""A door's feed of the owner's moves: a bounded queue that closes rather than grows.

A door too slow to keep up, or one whose link broke, gets SubscriptionClosed from `get` and
reloads the floor from storage: a feed never silently skips a move.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from agentbar.ports import SubscriptionClosed
from agentbar.ports.floor_link import FloorMove


class MoveQueue:
    def __init__(self, capacity: int, forget: Callable[[MoveQueue], None]) -> None:
        self._queue: asyncio.Queue[FloorMove | None] = asyncio.Queue(capacity)
        self._forget = forget
        self.closed = False

    def offer(self, move: FloorMove) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(move)
        except asyncio.QueueFull:
            self.close()

    async def get(self) -> FloorMove:
        if self.closed and self._queue.empty():
            raise SubscriptionClosed("floor moves")
        move = await self._queue.get()
        if move is None:
            raise SubscriptionClosed("floor moves")
        return move

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._forget(self)
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)
