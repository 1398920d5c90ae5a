"""The stored events read back: all of them after a cursor (catching up, the events API), or
one agent's after the seq its toolbar saw last (a resuming socket's replay)."""

from __future__ import annotations

from collections.abc import Sequence

from agentbar.ports import Envelope, EventLog


class EventReplay:
    def __init__(self, storage: EventLog) -> None:
        self._storage = storage

    async def since(self, after: int, limit: int) -> Sequence[Envelope]:
        """Events with a seq above `after`, oldest first, at most `limit`."""
        return await self._storage.events_since(after, limit)

    async def missed_by(self, agent_id: str, last_seq: int, limit: int) -> Sequence[Envelope]:
        """The agent's events with a seq above `last_seq`, oldest first, at most `limit`."""
        return await self._storage.events_after(agent_id, last_seq, limit)
