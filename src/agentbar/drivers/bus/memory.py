"""The in-process event bus: one node, topics fan out to bounded subscriber queues."""

from __future__ import annotations

from agentbar.drivers.bus.fanout import Fanout, LocalSubscription
from agentbar.ports import Envelope


class MemoryBus:
    def __init__(self, capacity: int = 1000) -> None:
        self._fanout = Fanout(capacity)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._fanout.close_all()

    async def ping(self) -> None:
        pass

    async def publish(self, envelope: Envelope) -> None:
        self._fanout.deliver(envelope)

    def deliver_here(self, envelope: Envelope) -> None:
        self._fanout.deliver(envelope)

    def subscribe(self, topic: str) -> LocalSubscription:
        return self._fanout.subscribe(topic)
