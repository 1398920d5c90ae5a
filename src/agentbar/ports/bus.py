"""The event bus: stored events handed to whoever listens on a topic."""

from __future__ import annotations

from typing import Protocol

from agentbar.ports.values import Envelope


class Subscription(Protocol):
    async def get(self) -> Envelope: ...

    def close(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, envelope: Envelope) -> None: ...

    def subscribe(self, topic: str) -> Subscription: ...
