"""The FloorStore port on SQL: one row per agent, live call, queue, timer and predictive
dialer; a move's changes
are written in its event's transaction (`floor_statements`, run by `SqlEventLog.record`)."""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from agentbar.domain.model.durable import FloorChanges, FloorImage
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, Statement, reads
from agentbar.drivers.storage.floor_codec import agent_doc, agent_of, call_doc, call_of


def floor_statements(db: Connections, changes: FloorChanges) -> list[Statement]:
    """The statements that write `changes`, with plain values: built on the loop's thread,
    where the live agents and calls they encode are decided."""
    statements: list[Statement] = []
    if changes.agents:
        rows = [{"agent_id": a.agent_id, "doc": agent_doc(a)} for a in changes.agents]
        statements.append((db.upsert(t.floor_agents, ("agent_id",), rows[0]), rows))
    if changes.agents_gone:
        gone_agents = t.floor_agents.c.agent_id.in_(list(changes.agents_gone))
        statements.append((delete(t.floor_agents).where(gone_agents), []))
    if changes.calls:
        rows = [{"call_id": call.call_id, "doc": call_doc(call)} for call in changes.calls]
        statements.append((db.upsert(t.floor_calls, ("call_id",), rows[0]), rows))
    if changes.calls_gone:
        gone_calls = t.floor_calls.c.call_id.in_(list(changes.calls_gone))
        statements.append((delete(t.floor_calls).where(gone_calls), []))
    if changes.queues:
        rows = [
            {"campaign_id": campaign_id, "call_ids": json.dumps(call_ids)}
            for campaign_id, call_ids in changes.queues.items()
        ]
        statements.append((db.upsert(t.floor_queues, ("campaign_id",), rows[0]), rows))
    started = [
        {"timer_key": k, "due_at": due} for k, due in changes.timers.items() if due is not None
    ]
    if started:
        statements.append((db.upsert(t.floor_timers, ("timer_key",), started[0]), started))
    gone = [key for key, due in changes.timers.items() if due is None]
    if gone:
        statements.append((delete(t.floor_timers).where(t.floor_timers.c.timer_key.in_(gone)), []))
    if changes.dialers:
        rows = [
            {"campaign_id": campaign_id, "doc": json.dumps(doc)}
            for campaign_id, doc in changes.dialers.items()
        ]
        statements.append((db.upsert(t.floor_dialers, ("campaign_id",), rows[0]), rows))
    return statements


class SqlFloorStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @reads
    def load_floor(self) -> FloorImage:
        with self._db.read() as c:
            agents = [agent_of(doc) for doc in c.execute(select(t.floor_agents.c.doc)).scalars()]
            calls = [call_of(doc) for doc in c.execute(select(t.floor_calls.c.doc)).scalars()]
            queues = {
                row.campaign_id: json.loads(row.call_ids)
                for row in c.execute(select(t.floor_queues))
            }
            timers = {row.timer_key: row.due_at for row in c.execute(select(t.floor_timers))}
            dialers = {
                row.campaign_id: json.loads(row.doc) for row in c.execute(select(t.floor_dialers))
            }
        return FloorImage(agents=agents, calls=calls, queues=queues, timers=timers, dialers=dialers)
