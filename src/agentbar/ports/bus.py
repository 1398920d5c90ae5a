"""The event bus: stored events handed to whoever listens on a topic, on this node or another.

A bus is for live delivery only. What a subscriber misses (it fell behind, the bus lost its
connection) is never re-sent by the bus: the subscription is closed instead, and its reader
catches up from storage by `seq`, the one durable record.
"""

from __future__ import annotations

from typing import Protocol

from agentbar.ports.values import Envelope


class SubscriptionClosed(Exception):
    """The subscription ended (closed, too slow, or its bus lost the connection)."""


class Subscription(Protocol):
    async def get(self) -> Envelope:
        """The next event on the topic; raises SubscriptionClosed once the subscription ended."""
        ...

    def waiting(self) -> int:
        """How many events `get` returns without waiting (events sent together go out
        together: the socket sends the agent's view once after them)."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    async def start(self) -> None:
        """Connect; once it returns, every event published anywhere after a `subscribe` is
        delivered to that subscription."""
        ...

    async def stop(self) -> None: ...

    async def ping(self) -> None:
        """Raises if the bus cannot deliver now (readiness)."""
        ...

    async def publish(self, envelope: Envelope) -> None: ...

    def deliver_here(self, envelope: Envelope) -> None:
        """Hand a stored event to this node's subscribers only: one the bus may never have
        carried (see `services.unseen_events`)."""
        ...

    def subscribe(self, topic: str) -> Subscription: ...
