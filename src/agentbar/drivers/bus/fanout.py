"""This node's subscribers, by topic: bounded queues that an event is offered to.

A subscriber that falls too far behind is closed rather than allowed to grow without bound;
its socket reconnects and catches up from storage by `seq`. Both buses deliver through this:
the memory bus straight from `publish`, the Redis bus from its reader.
"""

from __future__ import annotations

from agentbar.drivers.bus.closing_queue import ClosingQueue
from agentbar.ports import Envelope


def agent_topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


class LocalSubscription(ClosingQueue[Envelope]):
    def __init__(self, fanout: Fanout, topic: str, capacity: int) -> None:
        super().__init__(capacity, topic)
        self._fanout = fanout
        self.topic = topic

    def _forget(self) -> None:
        self._fanout.forget(self)


class Fanout:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._topics: dict[str, set[LocalSubscription]] = {}

    def subscribe(self, topic: str) -> LocalSubscription:
        subscription = LocalSubscription(self, topic, self._capacity)
        self._topics.setdefault(topic, set()).add(subscription)
        return subscription

    def deliver(self, envelope: Envelope) -> None:
        if envelope.agent_id is not None:
            for subscription in list(self._topics.get(agent_topic(envelope.agent_id), ())):
                subscription.offer(envelope)

    def close_all(self) -> None:
        for members in list(self._topics.values()):
            for subscription in list(members):
                subscription.close()

    def forget(self, subscription: LocalSubscription) -> None:
        members = self._topics.get(subscription.topic)
        if members is not None:
            members.discard(subscription)
            if not members:
                del self._topics[subscription.topic]
