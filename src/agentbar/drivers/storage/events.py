"""The EventLog port on SQL: events in one rising sequence, and the calls they are about."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.durable import FloorChanges, in_one
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.calls import call_of, write_calls
from agentbar.drivers.storage.database import Connections
from agentbar.drivers.storage.floor import write_floor
from agentbar.drivers.storage.leads import write_callback, write_leads
from agentbar.drivers.storage.lease import check_fence
from agentbar.ports.event_log import StoredMove
from agentbar.ports.values import CallRecord, Envelope, StorageConflict


class SqlEventLog:
    def __init__(self, db: Connections) -> None:
        self._db = db

    async def last_seq(self) -> int:
        with self._db.read() as c:
            value = c.execute(select(func.max(t.events.c.seq))).scalar_one_or_none()
        return int(value or 0)

    async def record(
        self,
        envelopes: Sequence[Envelope],
        calls: Sequence[Call],
        callbacks: Sequence[Callback] = (),
        leads: Sequence[Lead] = (),
        floor: FloorChanges | None = None,
        fence: int | None = None,
    ) -> None:
        move = StoredMove(envelopes, calls, callbacks, leads, floor or FloorChanges())
        await self.record_moves([move], fence)

    async def record_moves(self, moves: Sequence[StoredMove], fence: int | None = None) -> None:
        # Synchronous from here to the commit: the runtime relies on no other move being
        # decided while a batch's live agents and calls are read and written.
        try:
            self._record(moves, fence)
        except IntegrityError as error:
            raise StorageConflict("an event with that seq is stored already") from error

    def _record(self, moves: Sequence[StoredMove], fence: int | None) -> None:
        # Each call, callback and lead is written once, as the last move left it; a new lead
        # keeps the place of its first move (dicts keep the first key's position).
        calls = {call.call_id: call for move in moves for call in move.calls}
        callbacks = {cb.callback_id: cb for move in moves for cb in move.callbacks}
        leads = {lead.lead_id: lead for move in moves for lead in move.leads}
        envelopes = [envelope for move in moves for envelope in move.envelopes]
        floor = in_one(move.floor for move in moves)
        with self._db.write() as c:
            if fence is not None:
                check_fence(c, fence)
            for callback in callbacks.values():
                write_callback(self._db, c, callback)
            if leads:
                write_leads(self._db, c, list(leads.values()))
            if envelopes:
                c.execute(
                    insert(t.events),
                    [
                        {
                            "seq": e.seq,
                            "kind": e.kind,
                            "at": e.at,
                            "agent_id": e.agent_id,
                            "call_id": e.call_id,
                            "data": json.dumps(e.data),
                        }
                        for e in envelopes
                    ],
                )
            write_calls(self._db, c, calls.values())
            if floor:
                write_floor(self._db, c, floor)

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events((t.events.c.agent_id == agent_id) & (t.events.c.seq > seq), limit)

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events(t.events.c.seq > seq, limit)

    def _events(self, where: Any, limit: int) -> list[Envelope]:
        with self._db.read() as c:
            rows = c.execute(select(t.events).where(where).order_by(t.events.c.seq).limit(limit))
            return [
                Envelope(r.seq, r.kind, r.at, r.agent_id, r.call_id, json.loads(r.data))
                for r in rows
            ]

    async def call_record(self, call_id: str) -> CallRecord | None:
        with self._db.read() as c:
            row = c.execute(select(t.calls).where(t.calls.c.call_id == call_id)).mappings().first()
        if row is None:
            return None
        return CallRecord(call=call_of(row), record_id=row["record_id"])

    async def set_record_for_screen_pop(
        self, screen_pop_id: str, agent_id: str, record_id: str
    ) -> bool:
        return self._set_record(
            (t.calls.c.screen_pop_id == screen_pop_id) & (t.calls.c.agent_id == agent_id),
            record_id,
        )

    async def set_record_for_leg(self, leg_crt: str, agent_id: str, record_id: str) -> bool:
        either_leg = (t.calls.c.user_crt == leg_crt) | (t.calls.c.customer_crt == leg_crt)
        return self._set_record(either_leg & (t.calls.c.agent_id == agent_id), record_id)

    def _set_record(self, where: Any, record_id: str) -> bool:
        with self._db.write() as c:
            result = c.execute(update(t.calls).where(where).values(record_id=record_id))
            return result.rowcount == 1
