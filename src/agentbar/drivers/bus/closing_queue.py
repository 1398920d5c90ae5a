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
    """One reader. A list and that reader's future rather than an `asyncio.Queue`: the queue's
    deques and condition events hold ~5 KiB from the start, and every open socket has one of
    these for its life (bench/run --memory); the list holds at most `capacity` items."""

    def __init__(self, capacity: int, name: str) -> None:
        self._capacity = capacity
        self._items: list[T] = []
        self._head = 0
        """Where the oldest item is: read items are let go in one go, not one by one from the
        front of the list (a door's feed of moves holds up to 10,000)."""
        self._reader: asyncio.Future[None] | None = None
        self._name = name
        self.closed = False

    def offer(self, item: T) -> None:
        if self.closed:
            return
        if self.waiting() >= self._capacity:
            self.close()  # the item that did not fit goes with it
            return
        self._items.append(item)
        self._wake_reader()

    async def get(self) -> T:
        """The oldest item; once closed and drained, SubscriptionClosed."""
        while True:
            if self.waiting():
                return self._take()
            if self.closed:
                raise SubscriptionClosed(self._name)
            if self._reader is not None:
                raise RuntimeError(f"{self._name} has one reader, and it is already waiting")
            self._reader = asyncio.get_running_loop().create_future()
            try:
                await self._reader
            finally:
                self._reader = None

    def waiting(self) -> int:
        """How many items `get` returns without waiting."""
        return len(self._items) - self._head

    def _take(self) -> T:
        item = self._items[self._head]
        self._head += 1
        if self._head * 2 >= len(self._items):  # amortised: each item is moved at most once
            del self._items[: self._head]
            self._head = 0
        return item

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._forget()
        self._wake_reader()

    def _wake_reader(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)

    def _forget(self) -> None:
        """Stop being offered items (whoever offers them keeps a list)."""
