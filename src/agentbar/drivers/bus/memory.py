"""The in-process event bus: one node, topics fan out to bounded subscriber queues.

A subscriber that falls too far behind is closed rather than allowed to grow without bound;
its socket reconnects and catches up from storage by `seq`.
"""

from __future__ import annotations

import asyncio

from agentbar.ports import Envelope


class SubscriptionClosed(Exception):
    pass


class MemorySubscription:
    def __init__(self, bus: MemoryBus, topic: str, capacity: int) -> None:
        self._bus = bus
        self.topic = topic
        self._queue: asyncio.Queue[Envelope | None] = asyncio.Queue(capacity)
        self.closed = False

    def offer(self, envelope: Envelope) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.close()

    async def get(self) -> Envelope:
        if self.closed and self._queue.empty():
            raise SubscriptionClosed(self.topic)
        item = await self._queue.get()
        if item is None:
            raise SubscriptionClosed(self.topic)
        return item

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._bus.forget(self)
        # Wake a reader blocked in get(); when the queue is full, drop the oldest to make room.
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class MemoryBus:
    def __init__(self, capacity: int = 1000) -> None:
        self._capacity = capacity
        self._topics: dict[str, set[MemorySubscription]] = {}

    async def publish(self, envelope: Envelope) -> None:
        if envelope.agent_id is not None:
            for subscription in list(self._topics.get(f"agent:{envelope.agent_id}", ())):
                subscription.offer(envelope)

    def subscribe(self, topic: str) -> MemorySubscription:
        subscription = MemorySubscription(self, topic, self._capacity)
        self._topics.setdefault(topic, set()).add(subscription)
        return subscription

    def forget(self, subscription: MemorySubscription) -> None:
        members = self._topics.get(subscription.topic)
        if members is not None:
            members.discard(subscription)
            if not members:
                del self._topics[subscription.topic]
