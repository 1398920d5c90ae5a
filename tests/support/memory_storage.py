"""Every storage port in memory: a fake for service unit tests that passes the same storage
contract suite as the SQL driver (tests/contract/test_storage_contract.py).

All stores share one `Tables` object. A unit of work snapshots it and puts the snapshot back
if the block raises. Being single-threaded and in memory, the fake does not tell one task's
transaction from another's: anything written while a unit is open rolls back with it.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback, CallbackState
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.ports import (
    AuditEntry,
    CallRecord,
    DoNotCallEntry,
    Envelope,
    SessionRecord,
    StorageConflict,
    StoredMove,
)
from tests.support.memory_catalog import MemoryCatalog, MemorySettingsStore
from tests.support.memory_dialogs import MemoryDialogStore
from tests.support.memory_floor import MemoryFloorStore, write_floor
from tests.support.memory_lease import MemoryFloorLease, check_fence
from tests.support.memory_reports import MemoryReportStore
from tests.support.memory_tables import CallParts, LeadRow, SessionRow, Tables

STORED_CALL_FIELDS = (
    "call_id",
    "call_type",
    "campaign_id",
    "phone",
    "customer_crt",
    "queued_at",
    "state",
    "agent_id",
    "user_crt",
    "screen_pop_id",
    "offered_at",
    "answered_at",
    "ended_at",
    "ended_by",
    "disposed_at",
    "disposition_class",
    "disposition_code",
    "disposition_note",
    "transferred_from",
    "tpv",
)
"""What a call record keeps of a call (its legs and transfers are not read back)."""


class MemorySessionStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def create_session(
        self,
        session_id: str,
        token_hash: str,
        agent_id: str,
        crm_origin: str,
        now: float,
        crm_session_id: str | None = None,
    ) -> None:
        record = SessionRecord(session_id, agent_id, crm_origin, now, None, None, crm_session_id)
        self._t.sessions[session_id] = SessionRow(record, token_hash)

    async def session_by_token(self, token_hash: str) -> SessionRecord | None:
        found = [s.record for s in self._t.sessions.values() if s.token_hash == token_hash]
        return found[0] if found else None

    async def active_session_of(self, agent_id: str) -> SessionRecord | None:
        found = [r for r in self._open() if r.agent_id == agent_id]
        return found[0] if found else None

    def _open(self) -> list[SessionRecord]:
        return [s.record for s in self._t.sessions.values() if s.record.ended_at is None]

    async def end_session(self, session_id: str, reason: str, now: float) -> None:
        session = self._t.sessions.get(session_id)
        if session is not None and session.record.ended_at is None:
            session.record = _ended(session.record, reason, now)

    async def open_sessions(self) -> Sequence[SessionRecord]:
        return sorted(self._open(), key=lambda record: record.created_at)


def _ended(record: SessionRecord, reason: str, now: float) -> SessionRecord:
    return SessionRecord(
        record.session_id,
        record.agent_id,
        record.crm_origin,
        record.created_at,
        now,
        reason,
        record.crm_session_id,
    )


class MemoryAuditLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def append_audit(
        self, at: float, action: str, username: str | None, client: str | None, reason: str | None
    ) -> None:
        audit_id = len(self._t.audit) + 1
        self._t.audit.append(AuditEntry(audit_id, at, action, username, client, reason))

    async def audit_after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        return [e for e in self._t.audit if e.audit_id > after][:limit]


class MemoryEventLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def last_seq(self) -> int:
        return max(self._t.events, default=0)

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

    async def record_decided(
        self, decide: Callable[[], Sequence[StoredMove]], fence: int | None = None
    ) -> None:
        moves = decide()  # nothing else writes meanwhile: the lock is had at once
        if moves:
            await self.record_moves(moves, fence)

    async def record_moves(self, moves: Sequence[StoredMove], fence: int | None = None) -> None:
        # Every check before any write: a refused batch writes nothing.
        if fence is not None:
            check_fence(self._t, fence)
        seqs = [e.seq for move in moves for e in move.envelopes]
        if len(set(seqs)) < len(seqs) or any(seq in self._t.events for seq in seqs):
            raise StorageConflict("an event with that seq is stored already")
        for move in moves:
            self._write(move)

    def _write(self, move: StoredMove) -> None:
        envelopes, calls, callbacks, leads, floor = (
            move.envelopes,
            move.calls,
            move.callbacks,
            move.leads,
            move.floor,
        )
        for callback in callbacks:
            self._t.callbacks[callback.callback_id] = copy.deepcopy(callback)
        position = max((entry.position for entry in self._t.leads.values()), default=0)
        for lead in leads:
            position += 1
            known = self._t.leads.get(lead.lead_id)
            stored = copy.deepcopy(lead)
            if known is not None:
                stored = copy.deepcopy(known.lead)
                stored.state, stored.agent_id, stored.call_id = (
                    lead.state,
                    lead.agent_id,
                    lead.call_id,
                )
                stored.attempts, stored.next_try_at = lead.attempts, lead.next_try_at
            self._t.leads[lead.lead_id] = LeadRow(stored, known.position if known else position)
        for envelope in envelopes:
            self._t.events[envelope.seq] = copy.deepcopy(envelope)
        for call in calls:
            stored_call = Call(**{name: getattr(call, name) for name in STORED_CALL_FIELDS})
            known_call = self._t.calls.get(call.call_id)
            self._t.calls[call.call_id] = (stored_call, known_call[1] if known_call else None)
            self._t.call_parts[call.call_id] = CallParts(
                call.hold_seconds, copy.deepcopy(call.legs), copy.deepcopy(call.transfers)
            )
        if floor:
            write_floor(self._t, floor)

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events(lambda e: e.agent_id == agent_id and e.seq > seq, limit)

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events(lambda e: e.seq > seq, limit)

    def _events(self, wanted: Any, limit: int) -> list[Envelope]:
        return [self._t.events[s] for s in sorted(self._t.events) if wanted(self._t.events[s])][
            :limit
        ]

    async def call_record(self, call_id: str) -> CallRecord | None:
        found = self._t.calls.get(call_id)
        if found is None:
            return None
        return CallRecord(copy.deepcopy(found[0]), found[1])

    async def set_record_for_screen_pop(
        self, screen_pop_id: str, agent_id: str, record_id: str
    ) -> bool:
        return self._set_record(
            lambda c: c.screen_pop_id == screen_pop_id and c.agent_id == agent_id,
            record_id,
        )

    async def set_record_for_leg(self, leg_crt: str, agent_id: str, record_id: str) -> bool:
        return self._set_record(
            lambda c: leg_crt in (c.user_crt, c.customer_crt) and c.agent_id == agent_id,
            record_id,
        )

    def _set_record(self, matches: Any, record_id: str) -> bool:
        found = [call for call, _ in self._t.calls.values() if matches(call)]
        for call in found:
            self._t.calls[call.call_id] = (call, record_id)
        return len(found) == 1


class MemoryLeadStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _in_order(self) -> list[LeadRow]:
        return sorted(self._t.leads.values(), key=lambda entry: entry.position)

    async def pending_leads(self) -> Sequence[Lead]:
        waiting = (LeadState.NEW, LeadState.PRESENTED)
        return [
            Lead(
                e.lead.lead_id,
                e.lead.campaign_id,
                e.lead.phone,
                e.lead.name,
                dict(e.lead.data),
                LeadState.NEW if e.lead.state is LeadState.PRESENTED else e.lead.state,
                call_id=e.lead.call_id,
                zones=e.lead.zones,
                attempts=e.lead.attempts,
                next_try_at=e.lead.next_try_at,
            )
            for e in self._in_order()
            if e.lead.state in waiting
            or (e.lead.state is LeadState.DIALLED and e.lead.call_id in self._t.floor_calls)
        ]

    def leads_of(
        self, campaign_id: str, states: Sequence[str], after: int, limit: int
    ) -> list[tuple[int, Lead]]:
        return [
            (e.position, copy.deepcopy(e.lead))
            for e in self._in_order()
            if e.lead.campaign_id == campaign_id
            and e.position > after
            and (not states or e.lead.state.value in states)
        ][:limit]

    async def pending_callbacks(self) -> Sequence[Callback]:
        return [
            Callback(
                c.callback_id,
                c.campaign_id,
                c.phone,
                c.due_at,
                c.scheduled_by,
                c.for_agent,
                params=dict(c.params),
            )
            for c in sorted(self._t.callbacks.values(), key=lambda c: c.due_at)
            if c.state not in (CallbackState.DIALLED, CallbackState.BLOCKED)
        ]


class MemoryWebhookStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def put_webhook(self, name: str, url: str, secret: str, cursor: int) -> None:
        known = self._t.webhooks.get(name)
        self._t.webhooks[name] = (url, secret, known[2] if known else cursor)

    async def delete_webhook(self, name: str) -> bool:
        return self._t.webhooks.pop(name, None) is not None

    async def webhooks(self) -> list[tuple[str, str, str, int]]:
        return [(name, *hook) for name, hook in sorted(self._t.webhooks.items())]

    async def log_delivery(
        self, webhook: str, seq: int, attempt: int, at: float, status: str, detail: str | None
    ) -> None:
        self._t.deliveries.append(
            {
                "delivery_id": len(self._t.deliveries) + 1,
                "webhook": webhook,
                "seq": seq,
                "attempt": attempt,
                "at": at,
                "status": status,
                "detail": detail,
            }
        )
        hook = self._t.webhooks.get(webhook)
        if status == "delivered" and hook is not None and hook[2] < seq:
            self._t.webhooks[webhook] = (hook[0], hook[1], seq)

    async def deliveries(self, webhook: str, limit: int) -> list[dict[str, Any]]:
        mine = [dict(d) for d in self._t.deliveries if d["webhook"] == webhook]
        return mine[-limit:] if limit > 0 else []


class MemoryDoNotCallStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    @property
    def _listed(self) -> dict[str, DoNotCallEntry]:
        return self._t.do_not_call

    async def put_number(self, entry: DoNotCallEntry) -> bool:
        known = self._listed.get(entry.phone)
        added_at = known.added_at if known is not None else entry.added_at
        self._listed[entry.phone] = DoNotCallEntry(entry.phone, entry.note, added_at)
        return known is None

    async def add_numbers(self, entries: Sequence[DoNotCallEntry]) -> int:
        new = {e.phone: e for e in entries if e.phone not in self._listed}
        self._listed.update(new)
        return len(new)

    async def remove_number(self, phone: str) -> bool:
        return self._listed.pop(phone, None) is not None

    async def number(self, phone: str) -> DoNotCallEntry | None:
        return self._listed.get(phone)

    async def listed(self, after: str | None, limit: int) -> list[DoNotCallEntry]:
        later = sorted(p for p in self._listed if after is None or p > after)
        return [self._listed[p] for p in later[:limit]]

    async def numbers(self) -> frozenset[str]:
        return frozenset(self._listed)


class MemoryStorage:
    def __init__(self) -> None:
        self.tables = Tables()
        self.events = MemoryEventLog(self.tables)
        self.floor = MemoryFloorStore(self.tables)
        self.lease = MemoryFloorLease(self.tables)
        self.dialogs = MemoryDialogStore(self.tables)
        self.sessions = MemorySessionStore(self.tables)
        self.audit = MemoryAuditLog(self.tables)
        self.catalog = MemoryCatalog(self.tables)
        self.settings = MemorySettingsStore(self.tables)
        self.leads = MemoryLeadStore(self.tables)
        self.webhooks = MemoryWebhookStore(self.tables)
        self.do_not_call = MemoryDoNotCallStore(self.tables)
        self.reports = MemoryReportStore(self.tables)
        self._depth = 0

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        snapshot = copy.deepcopy(self.tables) if self._depth == 0 else None
        self._depth += 1
        try:
            yield
        except BaseException:
            if snapshot is not None:
                self.tables.__dict__.update(snapshot.__dict__)
            raise
        finally:
            self._depth -= 1

    def claim(self) -> bool:
        return False  # shared by nobody, claimed by nobody: the lease is waited out as usual

    def migrate(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def ping(self) -> None:
        pass
