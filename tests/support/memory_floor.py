"""The FloorStore port in memory: rows kept as the SQL driver's JSON documents, so the fake
round-trips the floor through the same codec."""

from __future__ import annotations

import json

from agentbar.domain.model.durable import FloorChanges, FloorImage
from agentbar.drivers.storage.floor_codec import agent_doc, agent_of, call_doc, call_of
from tests.support.memory_tables import Tables


def write_floor(tables: Tables, changes: FloorChanges) -> None:
    for agent in changes.agents:
        tables.floor_agents[agent.agent_id] = agent_doc(agent)
    for agent_id in changes.agents_gone:
        tables.floor_agents.pop(agent_id, None)
    for call in changes.calls:
        tables.floor_calls[call.call_id] = call_doc(call)
    for call_id in changes.calls_gone:
        tables.floor_calls.pop(call_id, None)
    for campaign_id, call_ids in changes.queues.items():
        tables.floor_queues[campaign_id] = list(call_ids)
    for key, due in changes.timers.items():
        if due is None:
            tables.floor_timers.pop(key, None)
        else:
            tables.floor_timers[key] = due
    for campaign_id, doc in changes.dialers.items():
        tables.floor_dialers[campaign_id] = json.dumps(doc)  # as the SQL driver stores it


class MemoryFloorStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def load_floor(self) -> FloorImage:
        return FloorImage(
            agents=[agent_of(doc) for doc in self._t.floor_agents.values()],
            calls=[call_of(doc) for doc in self._t.floor_calls.values()],
            queues={k: list(v) for k, v in self._t.floor_queues.items()},
            timers=dict(self._t.floor_timers),
            dialers={k: json.loads(v) for k, v in self._t.floor_dialers.items()},
        )
