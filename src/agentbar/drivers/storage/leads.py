"""The LeadStore port on SQL, and the lead and callback rows the event log writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from agentbar.domain.model.callback_book import Callback, CallbackState
from agentbar.domain.model.lead_book import Attempt, Lead, LeadState
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, Statement, reads

_LEAD_PROGRESS = ("state", "agent_id", "call_id", "attempts", "next_try_at")
"""What a lead already on its list can change; its place, phone and data stay."""
DONE_CALLBACKS = (CallbackState.DIALLED.value, CallbackState.BLOCKED.value)
"""Callbacks a restart does not bring back: dialled, or blocked by the do-not-call list."""


def callback_statement(db: Connections, callback: Callback) -> Statement:
    values = {
        "callback_id": callback.callback_id,
        "campaign_id": int(callback.campaign_id),
        "phone": callback.phone,
        "due_at": callback.due_at,
        "scheduled_by": callback.scheduled_by,
        "for_agent": callback.for_agent,
        "params": json.dumps(callback.params),
        "state": callback.state.value,
        "call_id": callback.call_id,
    }
    return db.upsert(t.callbacks, ("callback_id",), values), [values]


def lead_rows(leads: Sequence[Lead]) -> list[dict[str, Any]]:
    """The leads' rows but their places, as plain values (built on the loop's thread, where
    the leads are decided; `write_leads` places them)."""
    return [
        {
            "lead_id": lead.lead_id,
            "campaign_id": int(lead.campaign_id),
            "phone": lead.phone,
            "name": lead.name,
            "data": json.dumps(lead.data),
            "state": lead.state.value,
            "agent_id": lead.agent_id,
            "call_id": lead.call_id,
            "zones": ",".join(lead.zones),
            "attempts": json.dumps(
                [
                    {"callId": a.call_id, "dialledAt": a.dialled_at, "outcome": a.outcome}
                    for a in lead.attempts
                ]
            ),
            "next_try_at": lead.next_try_at,
        }
        for lead in leads
    ]


def zones_of_row(text: str) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def attempts_of_row(text: str) -> tuple[Attempt, ...]:
    return tuple(Attempt(a["callId"], a["dialledAt"], a["outcome"]) for a in json.loads(text))


def write_leads(db: Connections, c: Connection, rows: Sequence[dict[str, Any]]) -> None:
    # A new lead goes to the end of its list; a known one keeps its place.
    position = c.execute(select(func.coalesce(func.max(t.leads.c.position), 0))).scalar_one()
    for row in rows:
        position += 1
        values = {**row, "position": position}
        c.execute(db.upsert(t.leads, ("lead_id",), values, update=_LEAD_PROGRESS), values)


def _back_as(state: LeadState) -> LeadState:
    """A lead shown when the process stopped waits again; a dialled one stays dialled."""
    return LeadState.NEW if state is LeadState.PRESENTED else state


class SqlLeadStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @reads
    def pending_leads(self) -> Sequence[Lead]:
        """Leads not yet dialled or skipped, in list order (one shown before a restart is
        waiting again), and leads dialled on a call the stored floor still holds."""
        waiting = t.leads.c.state.in_([LeadState.NEW.value, LeadState.PRESENTED.value])
        on_a_live_call = (t.leads.c.state == LeadState.DIALLED.value) & t.leads.c.call_id.in_(
            select(t.floor_calls.c.call_id)
        )
        with self._db.read() as c:
            rows = c.execute(
                select(t.leads).where(waiting | on_a_live_call).order_by(t.leads.c.position)
            )
            return [
                Lead(
                    r.lead_id,
                    str(r.campaign_id),
                    r.phone,
                    r.name,
                    json.loads(r.data),
                    _back_as(LeadState(r.state)),
                    call_id=r.call_id,
                    zones=zones_of_row(r.zones),
                    attempts=attempts_of_row(r.attempts),
                    next_try_at=r.next_try_at,
                )
                for r in rows
            ]

    def leads_of(
        self, campaign_id: str, states: Sequence[str], after: int, limit: int
    ) -> list[tuple[int, Lead]]:
        where = (t.leads.c.campaign_id == int(campaign_id)) & (t.leads.c.position > after)
        if states:
            where = where & t.leads.c.state.in_(list(states))
        with self._db.read() as c:
            rows = c.execute(select(t.leads).where(where).order_by(t.leads.c.position).limit(limit))
            return [
                (
                    r.position,
                    Lead(
                        r.lead_id,
                        str(r.campaign_id),
                        r.phone,
                        r.name,
                        json.loads(r.data),
                        LeadState(r.state),
                        r.agent_id,
                        r.call_id,
                        zones_of_row(r.zones),
                        attempts_of_row(r.attempts),
                        r.next_try_at,
                    ),
                )
                for r in rows
            ]

    @reads
    def pending_callbacks(self) -> Sequence[Callback]:
        with self._db.read() as c:
            rows = c.execute(
                select(t.callbacks)
                .where(t.callbacks.c.state.not_in(DONE_CALLBACKS))
                .order_by(t.callbacks.c.due_at)
            )
            return [
                Callback(
                    callback_id=r.callback_id,
                    campaign_id=str(r.campaign_id),
                    phone=r.phone,
                    due_at=r.due_at,
                    scheduled_by=r.scheduled_by,
                    for_agent=r.for_agent,
                    params=json.loads(r.params),
                )
                for r in rows
            ]
