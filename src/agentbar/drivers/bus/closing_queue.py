"""A bounded queue that closes rather than grows: what a subscriber of the bus and a door's
feed of moves are both made of.

A reader too slow to keep up is closed (the item that did not fit is dropped with it); once
closed and drained, `get` raises SubscriptionClosed, and the reader catches up from storage.
So a reader never silently skips an item.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from agentbar.ports import SubscriptionClosed

T = TypeVar("T")


class ClosingQueue(Generic[T]):
    def __init__(self, capacity: int, name: str) -> None:
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(capacity)
        self._name = name
        self.closed = False

    def offer(self, item: T) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.close()

    async def get(self) -> T:
        if self.closed and self._queue.empty():
            raise SubscriptionClosed(self._name)
        item = await self._queue.get()
        if item is None:
            raise SubscriptionClosed(self._name)
        return item

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._forget()
        # Wake a reader blocked in get(); when the queue is full, drop the oldest to make room.
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    def _forget(self) -> None:
        """Stop being offered items (whoever offers them keeps a list)."""
