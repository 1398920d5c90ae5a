"""The EventLog port on SQL: events in one rising sequence, and the calls they are about."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.durable import FloorChanges, in_one
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.calls import call_of, call_statements
from agentbar.drivers.storage.database import Connections, Statement, execute_all, reads, writes
from agentbar.drivers.storage.floor import floor_statements
from agentbar.drivers.storage.leads import callback_statement, lead_rows, write_leads
from agentbar.drivers.storage.lease import check_fence
from agentbar.ports.event_log import StoredMove
from agentbar.ports.values import CallRecord, Envelope, StorageConflict


class SqlEventLog:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @reads
    def last_seq(self) -> int:
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
        # The rows are built here, on the loop's thread, in one go: the runtime goes on
        # deciding moves while the batch is written, and those change the live agents and
        # calls the rows are made from. Only plain values go to the storage thread.
        callbacks, leads, statements = self._statements(moves)
        try:
            await self._db.writing(self._write, callbacks, leads, statements, fence)
        except IntegrityError as error:
            raise StorageConflict("an event with that seq is stored already") from error

    async def record_decided(
        self, decide: Callable[[], Sequence[StoredMove]], fence: int | None = None
    ) -> None:
        def rows_of_decided() -> Callable[[], None] | None:
            moves = decide()
            if not moves:
                return None
            return functools.partial(self._write, *self._statements(moves), fence)

        try:
            await self._db.locked_write(rows_of_decided)
        except IntegrityError as error:
            raise StorageConflict("an event with that seq is stored already") from error

    def _statements(
        self, moves: Sequence[StoredMove]
    ) -> tuple[list[Statement], list[dict[str, Any]], list[Statement]]:
        """The callbacks' statements, the leads' rows, and the rest's statements."""
        # Each call, callback and lead is written once, as the last move left it; a new lead
        # keeps the place of its first move (dicts keep the first key's position).
        calls = {call.call_id: call for move in moves for call in move.calls}
        callbacks = {cb.callback_id: cb for move in moves for cb in move.callbacks}
        leads = {lead.lead_id: lead for move in moves for lead in move.leads}
        envelopes = [envelope for move in moves for envelope in move.envelopes]
        floor = in_one(move.floor for move in moves)
        events = [
            {
                "seq": e.seq,
                "kind": e.kind,
                "at": e.at,
                "agent_id": e.agent_id,
                "call_id": e.call_id,
                "data": json.dumps(e.data),
            }
            for e in envelopes
        ]
        statements: list[Statement] = [(insert(t.events), events)] if events else []
        statements += call_statements(self._db, calls.values())
        if floor:
            statements += floor_statements(self._db, floor)
        return (
            [callback_statement(self._db, cb) for cb in callbacks.values()],
            lead_rows(list(leads.values())),
            statements,
        )

    def _write(
        self,
        callbacks: list[Statement],
        leads: list[dict[str, Any]],
        statements: list[Statement],
        fence: int | None,
    ) -> None:
        with self._db.write() as c:
            if fence is not None:
                check_fence(c, fence)
            execute_all(c, callbacks)
            if leads:
                write_leads(self._db, c, leads)
            execute_all(c, statements)

    @reads
    def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events((t.events.c.agent_id == agent_id) & (t.events.c.seq > seq), limit)

    @reads
    def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events(t.events.c.seq > seq, limit)

    def _events(self, where: Any, limit: int) -> list[Envelope]:
        with self._db.read() as c:
            rows = c.execute(select(t.events).where(where).order_by(t.events.c.seq).limit(limit))
            return [
                Envelope(r.seq, r.kind, r.at, r.agent_id, r.call_id, json.loads(r.data))
                for r in rows
            ]

    @reads
    def call_record(self, call_id: str) -> CallRecord | None:
        with self._db.read() as c:
            row = c.execute(select(t.calls).where(t.calls.c.call_id == call_id)).mappings().first()
        if row is None:
            return None
        return CallRecord(call=call_of(row), record_id=row["record_id"])

    @writes
    def set_record_for_screen_pop(self, screen_pop_id: str, agent_id: str, record_id: str) -> bool:
        return self._set_record(
            (t.calls.c.screen_pop_id == screen_pop_id) & (t.calls.c.agent_id == agent_id),
            record_id,
        )

    @writes
    def set_record_for_leg(self, leg_crt: str, agent_id: str, record_id: str) -> bool:
        either_leg = (t.calls.c.user_crt == leg_crt) | (t.calls.c.customer_crt == leg_crt)
        return self._set_record(either_leg & (t.calls.c.agent_id == agent_id), record_id)

    def _set_record(self, where: Any, record_id: str) -> bool:
        with self._db.write() as c:
            result = c.execute(update(t.calls).where(where).values(record_id=record_id))
            return result.rowcount == 1
