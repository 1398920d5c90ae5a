"""Longest-idle routing: who gets the next call of a campaign, in O(log n).

A heap of (idle_since, order, agent_id) with lazy deletion: removing an agent only forgets
its live entry; stale entries are skipped when they surface at the top.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Iterator


class IdleAgents:
    """The READY agents of one campaign, longest idle first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._live: dict[str, int] = {}
        self._order = itertools.count()

    def add(self, agent_id: str, idle_since: float) -> None:
        order = next(self._order)
        self._live[agent_id] = order
        heapq.heappush(self._heap, (idle_since, order, agent_id))

    def discard(self, agent_id: str) -> None:
        self._live.pop(agent_id, None)

    def pop_longest_idle(self) -> str | None:
        while self._heap:
            _, order, agent_id = heapq.heappop(self._heap)
            if self._live.get(agent_id) == order:
                del self._live[agent_id]
                return agent_id
        return None

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._live

    def __len__(self) -> int:
        return len(self._live)


class WaitingCalls:
    """The calls waiting in one campaign's queue, first come first served."""

    def __init__(self) -> None:
        self._calls: OrderedDict[str, None] = OrderedDict()
        self.version = 0
        """Counts the changes, so whoever stores the queue knows when it changed."""

    def push(self, call_id: str) -> None:
        self._calls[call_id] = None
        self.version += 1

    def push_front(self, call_id: str) -> None:
        self._calls[call_id] = None
        self._calls.move_to_end(call_id, last=False)
        self.version += 1

    def discard(self, call_id: str) -> None:
        if self._calls.pop(call_id, 0) is None:
            self.version += 1

    def peek(self) -> str | None:
        return next(iter(self._calls), None)

    def pop_oldest(self) -> str | None:
        if not self._calls:
            return None
        call_id, _ = self._calls.popitem(last=False)
        self.version += 1
        return call_id

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def __iter__(self) -> Iterator[str]:
        return iter(self._calls)

    def __len__(self) -> int:
        return len(self._calls)
