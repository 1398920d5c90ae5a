"""A call's rows: the call itself, its legs and its transfers, written and read back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import RowMapping

from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, Statement


def call_statements(db: Connections, calls: Iterable[Call]) -> list[Statement]:
    """Every call's row, legs and transfers: one statement (an executemany) each, however
    many calls a write carries. Built where the calls are decided (the loop's thread): the
    statements carry plain values, so the calls may change while they are executed."""
    rows: list[dict[str, Any]] = []
    legs: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    for call in calls:
        rows.append(_call_row(call))
        # A call has a handful of legs and transfers: rewriting them all is simpler than
        # tracking which changed.
        legs += [
            {
                "call_id": call.call_id,
                "leg_id": leg.leg_id,
                "position": position,
                "kind": leg.kind.value,
                "party": leg.party,
                "purpose": leg.purpose.value,
                "state": leg.state.value,
                "started_at": leg.started_at,
                "answered_at": leg.answered_at,
                "ended_at": leg.ended_at,
                "end_reason": leg.end_reason,
            }
            for position, leg in enumerate(call.legs)
        ]
        transfers += [
            {
                "transfer_id": transfer.transfer_id,
                "call_id": call.call_id,
                "kind": transfer.kind.value,
                "target": transfer.target,
                "agent_id": transfer.agent_id,
                "leg_id": transfer.leg_id,
                "new_call_id": transfer.new_call_id,
                "state": transfer.state.value,
                "requested_at": transfer.requested_at,
                "finished_at": transfer.finished_at,
            }
            for transfer in call.transfers
        ]
    statements: list[Statement] = []
    if rows:
        statements.append((db.upsert(t.calls, ("call_id",), rows[0]), rows))
    if legs:
        statements.append((db.upsert(t.call_legs, ("call_id", "leg_id"), legs[0]), legs))
    if transfers:
        statements.append((db.upsert(t.call_transfers, ("transfer_id",), transfers[0]), transfers))
    return statements


def _call_row(call: Call) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "call_type": call.call_type.value,
        "campaign_id": int(call.campaign_id),
        "phone": call.phone,
        "state": call.state.value,
        "agent_id": call.agent_id,
        "user_crt": call.user_crt,
        "customer_crt": call.customer_crt,
        "screen_pop_id": call.screen_pop_id,
        "queued_at": call.queued_at,
        "offered_at": call.offered_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "ended_by": call.ended_by,
        "disposed_at": call.disposed_at,
        "disposition_class": call.disposition_class,
        "disposition_code": call.disposition_code,
        "disposition_note": call.disposition_note,
        "transferred_from": call.transferred_from,
        "tpv": call.tpv,
        "hold_seconds": call.hold_seconds,
    }


def call_of(row: RowMapping) -> Call:
    """The call as its row stores it (legs and transfers are not read back)."""
    return Call(
        call_id=row["call_id"],
        call_type=CallType(row["call_type"]),
        campaign_id=str(row["campaign_id"]),
        phone=row["phone"],
        customer_crt=row["customer_crt"],
        queued_at=row["queued_at"],
        state=CallState(row["state"]),
        agent_id=row["agent_id"],
        user_crt=row["user_crt"],
        screen_pop_id=row["screen_pop_id"],
        offered_at=row["offered_at"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
        disposed_at=row["disposed_at"],
        disposition_class=row["disposition_class"],
        disposition_code=row["disposition_code"],
        disposition_note=row["disposition_note"],
        transferred_from=row["transferred_from"],
        tpv=bool(row["tpv"]),
    )
