"""SqlStorage: the Storage port on a SQLAlchemy engine (SQLite file by default).

Writes are small and run on the event loop's thread: with SQLite in WAL mode a commit costs
tens of microseconds, far less than handing work to a thread pool would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, func, insert, select, update
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row, RowMapping

from agentbar.domain.model.agent import BreakReason
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.callback_book import Callback, CallbackState
from agentbar.domain.model.campaign import (
    Campaign,
    CampaignKind,
    DialMode,
    DispositionClass,
    DispositionPlan,
    Routing,
)
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.drivers.storage import schema as t
from agentbar.ports import AgentRecord, AuditEntry, CallRecord, Envelope, SessionRecord

_MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class AgentSummary:
    agent_id: str
    name: str
    password_hash: str | None
    auth_policy: str
    campaigns: list[str]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_UPSERTS: dict[tuple[str, tuple[str, ...]], SqliteInsert] = {}


def _upsert(table: Table, index: tuple[str, ...], columns: Iterable[str]) -> SqliteInsert:
    """`INSERT … ON CONFLICT (index) DO UPDATE` of `columns`, built once per column set and
    executed with the values as parameters. Built with the values inside, as before, the
    statement cost SQLAlchemy a coercion and a cache key per value on every write: that was
    the largest share of the server's CPU per call (docs/BENCHMARKS.md)."""
    key = (table.name, tuple(columns))
    statement = _UPSERTS.get(key)
    if statement is None:
        base = sqlite_insert(table)
        statement = base.on_conflict_do_update(
            index_elements=list(index),
            set_={name: base.excluded[name] for name in key[1] if name not in index},
        )
        _UPSERTS[key] = statement
    return statement


class SqlStorage:
    def __init__(self, url: str) -> None:
        self._engine: Engine = create_engine(url)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine, "connect", _sqlite_pragmas)

    @property
    def engine(self) -> Engine:
        return self._engine

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self._engine.dispose()

    # -- provisioning (used by seeding and, later, the admin API) ---------------------------

    def upsert_agent(
        self, agent_id: str, name: str, password_hash: str | None, auth_policy: str = "any"
    ) -> None:
        with self._engine.begin() as c:
            values = {"name": name, "password_hash": password_hash, "auth_policy": auth_policy}
            stmt = sqlite_insert(t.agents).values(agent_id=agent_id, **values)
            c.execute(stmt.on_conflict_do_update(index_elements=["agent_id"], set_=values))

    def set_agent_campaigns(self, agent_id: str, campaign_names: Sequence[str]) -> list[str]:
        """Assign exactly these campaigns to the agent; names that match none are returned."""
        with self._engine.begin() as c:
            found = {
                row.name: row.campaign_id
                for row in c.execute(
                    select(t.campaigns.c.name, t.campaigns.c.campaign_id).where(
                        t.campaigns.c.name.in_(list(campaign_names))
                    )
                )
            }
            missing = [name for name in campaign_names if name not in found]
            if missing:
                return missing
            c.execute(t.campaign_agents.delete().where(t.campaign_agents.c.agent_id == agent_id))
            for campaign_id in found.values():
                c.execute(
                    insert(t.campaign_agents).values(campaign_id=campaign_id, agent_id=agent_id)
                )
            return []

    async def agent_summaries(self) -> list[AgentSummary]:
        """Every agent, by id, with the names of its campaigns."""
        with self._engine.connect() as c:
            names: dict[str, list[str]] = {}
            for row in c.execute(
                select(t.campaign_agents.c.agent_id, t.campaigns.c.name)
                .join(t.campaigns, t.campaigns.c.campaign_id == t.campaign_agents.c.campaign_id)
                .order_by(t.campaigns.c.name)
            ):
                names.setdefault(row.agent_id, []).append(row.name)
            return [
                AgentSummary(
                    r.agent_id, r.name, r.password_hash, r.auth_policy, names.get(r.agent_id, [])
                )
                for r in c.execute(select(t.agents).order_by(t.agents.c.agent_id))
            ]

    def campaign_agent_ids(self) -> dict[str, list[str]]:
        """Each campaign's id with the ids of the agents assigned to it."""
        with self._engine.connect() as c:
            found: dict[str, list[str]] = {}
            for row in c.execute(select(t.campaign_agents).order_by(t.campaign_agents.c.agent_id)):
                found.setdefault(str(row.campaign_id), []).append(row.agent_id)
            return found

    def delete_extension(self, name: str) -> bool:
        with self._engine.begin() as c:
            return c.execute(t.extensions.delete().where(t.extensions.c.name == name)).rowcount == 1

    def replace_break_reasons(self, reasons: Sequence[BreakReason]) -> None:
        with self._engine.begin() as c:
            c.execute(t.break_reasons.delete())
            if reasons:
                c.execute(
                    insert(t.break_reasons),
                    [
                        {"name": r.name, "productive": r.productive, "position": i}
                        for i, r in enumerate(reasons)
                    ],
                )

    def upsert_extension(self, name: str, phone: str) -> None:
        with self._engine.begin() as c:
            stmt = sqlite_insert(t.extensions).values(name=name, phone=phone)
            c.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"phone": phone}))

    def put_extensions(self, entries: Sequence[tuple[str, str]]) -> None:
        """Create or replace these extensions at once, so phones may move between them."""
        with self._engine.begin() as c:
            names = [name for name, _ in entries]
            c.execute(t.extensions.delete().where(t.extensions.c.name.in_(names)))
            if entries:
                c.execute(insert(t.extensions), [{"name": n, "phone": p} for n, p in entries])

    def upsert_campaign(
        self,
        name: str,
        kind: CampaignKind,
        plan: DispositionPlan,
        agent_ids: Sequence[str],
        *,
        routing: Routing = Routing.LONGEST_IDLE,
        ring_timeout: float | None = None,
        max_misses: int | None = None,
        wrap_up_timeout: float | None = None,
        default_disposition: str | None = None,
        callback_in_dispose_dial: bool = False,
        dial_mode: DialMode = DialMode.MANUAL,
    ) -> str:
        """Create or update the campaign named `name`; returns its id."""
        settings = {
            "kind": kind.value,
            "routing": routing.value,
            "ring_timeout": ring_timeout,
            "max_misses": max_misses,
            "wrap_up_timeout": wrap_up_timeout,
            "default_disposition": default_disposition,
            "callback_in_dispose_dial": callback_in_dispose_dial,
            "dial_mode": dial_mode.value,
        }
        with self._engine.begin() as c:
            found = c.execute(
                select(t.campaigns.c.campaign_id).where(t.campaigns.c.name == name)
            ).scalar_one_or_none()
            if found is None:
                inserted = c.execute(insert(t.campaigns).values(name=name, **settings))
                assert inserted.inserted_primary_key is not None
                found = inserted.inserted_primary_key[0]
            else:
                c.execute(
                    update(t.campaigns).where(t.campaigns.c.campaign_id == found).values(**settings)
                )
            c.execute(
                t.disposition_codes.delete().where(t.disposition_codes.c.campaign_id == found)
            )
            rows = [
                {"campaign_id": found, "code": code, "class_name": klass.name, "position": i}
                for i, (klass, code) in enumerate(
                    (klass, code) for klass in plan.classes for code in klass.codes
                )
            ]
            if rows:
                c.execute(insert(t.disposition_codes), rows)
            for agent_id in agent_ids:
                c.execute(
                    sqlite_insert(t.campaign_agents)
                    .values(campaign_id=found, agent_id=agent_id)
                    .on_conflict_do_nothing()
                )
            return str(found)

    def upsert_ivr(self, name: str, position: int) -> None:
        """Create the IVR at `position`, or move it there (its description stays)."""
        with self._engine.begin() as c:
            stmt = sqlite_insert(t.ivrs).values(name=name, position=position)
            c.execute(
                stmt.on_conflict_do_update(index_elements=["name"], set_={"position": position})
            )

    def put_ivr(self, name: str, description: str | None) -> None:
        """Create the IVR at the end of the list, or change its description in place."""
        with self._engine.begin() as c:
            position = c.execute(
                select(func.coalesce(func.max(t.ivrs.c.position) + 1, 0))
            ).scalar_one()
            stmt = sqlite_insert(t.ivrs).values(
                name=name, position=position, description=description
            )
            c.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"], set_={"description": description}
                )
            )

    def delete_ivr(self, name: str) -> bool:
        with self._engine.begin() as c:
            return c.execute(t.ivrs.delete().where(t.ivrs.c.name == name)).rowcount == 1

    def ivr_details(self) -> list[tuple[str, str | None]]:
        """Every IVR in display order: (name, description)."""
        with self._engine.connect() as c:
            rows = c.execute(select(t.ivrs).order_by(t.ivrs.c.position))
            return [(r.name, r.description) for r in rows]

    # -- server settings changed through the admin API ------------------------------------

    def allowed_origins(self) -> list[str]:
        with self._engine.connect() as c:
            rows = c.execute(
                select(t.allowed_origins.c.origin).order_by(t.allowed_origins.c.position)
            )
            return list(rows.scalars())

    def replace_allowed_origins(self, origins: Sequence[str]) -> None:
        with self._engine.begin() as c:
            c.execute(t.allowed_origins.delete())
            if origins:
                c.execute(
                    insert(t.allowed_origins),
                    [{"origin": o, "position": i} for i, o in enumerate(origins)],
                )

    def setting(self, name: str) -> Any:
        """A stored setting's JSON value, or None when it is not stored."""
        with self._engine.connect() as c:
            value = c.execute(
                select(t.server_settings.c.value).where(t.server_settings.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else json.loads(value)

    def put_setting(self, name: str, value: Any) -> None:
        """Store a setting; None removes it."""
        with self._engine.begin() as c:
            if value is None:
                c.execute(t.server_settings.delete().where(t.server_settings.c.name == name))
                return
            text = json.dumps(value)
            stmt = sqlite_insert(t.server_settings).values(name=name, value=text)
            c.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": text}))

    def upsert_break_reason(self, name: str, productive: bool, position: int) -> None:
        with self._engine.begin() as c:
            stmt = sqlite_insert(t.break_reasons).values(
                name=name, productive=productive, position=position
            )
            c.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"], set_={"productive": productive, "position": position}
                )
            )

    # -- configuration -------------------------------------------------------------------

    async def agent(self, agent_id: str) -> AgentRecord | None:
        with self._engine.connect() as c:
            row = c.execute(select(t.agents).where(t.agents.c.agent_id == agent_id)).first()
            if row is None:
                return None
            campaign_ids = c.execute(
                select(t.campaign_agents.c.campaign_id).where(
                    t.campaign_agents.c.agent_id == agent_id
                )
            ).scalars()
            return AgentRecord(
                agent_id=row.agent_id,
                name=row.name,
                password_hash=row.password_hash,
                campaign_ids=frozenset(str(cid) for cid in campaign_ids),
                auth_policy=row.auth_policy,
            )

    async def campaigns(self) -> Sequence[Campaign]:
        with self._engine.connect() as c:
            codes: dict[int, list[RowMapping]] = {}
            for code in c.execute(
                select(t.disposition_codes).order_by(t.disposition_codes.c.position)
            ).mappings():
                codes.setdefault(code["campaign_id"], []).append(code)
            result = []
            for row in c.execute(select(t.campaigns).order_by(t.campaigns.c.campaign_id)):
                classes: dict[str, list[str]] = {}
                for code_row in codes.get(row.campaign_id, []):
                    classes.setdefault(code_row["class_name"], []).append(code_row["code"])
                plan = DispositionPlan(
                    tuple(DispositionClass(name, tuple(cs)) for name, cs in classes.items())
                )
                result.append(
                    Campaign(
                        str(row.campaign_id),
                        row.name,
                        CampaignKind(row.kind),
                        plan,
                        routing=Routing(row.routing),
                        ring_timeout=row.ring_timeout,
                        max_misses=row.max_misses,
                        wrap_up_timeout=row.wrap_up_timeout,
                        default_disposition=row.default_disposition,
                        callback_in_dispose_dial=row.callback_in_dispose_dial,
                        dial_mode=DialMode(row.dial_mode),
                    )
                )
            return result

    async def break_reasons(self) -> Sequence[BreakReason]:
        with self._engine.connect() as c:
            rows = c.execute(select(t.break_reasons).order_by(t.break_reasons.c.position))
            return [BreakReason(row.name, bool(row.productive)) for row in rows]

    async def ivrs(self) -> Sequence[str]:
        with self._engine.connect() as c:
            return list(c.execute(select(t.ivrs.c.name).order_by(t.ivrs.c.position)).scalars())

    async def extensions(self, limit: int | None = None) -> Sequence[tuple[str, str]]:
        with self._engine.connect() as c:
            rows = c.execute(select(t.extensions).order_by(t.extensions.c.phone).limit(limit))
            return [(row.name, row.phone) for row in rows]

    async def extension_with_phone(self, phone: str) -> tuple[str, str] | None:
        with self._engine.connect() as c:
            row = c.execute(
                select(t.extensions)
                .where(t.extensions.c.phone == phone.strip())
                .order_by(t.extensions.c.name)
            ).first()
        return (row.name, row.phone) if row else None

    async def extension(self, name: str) -> tuple[str, str] | None:
        with self._engine.connect() as c:
            row = c.execute(
                select(t.extensions).where(func.lower(t.extensions.c.name) == name.strip().lower())
            ).first()
        return (row.name, row.phone) if row else None

    # -- sessions -------------------------------------------------------------------------

    async def create_session(
        self,
        session_id: str,
        token_hash: str,
        agent_id: str,
        crm_origin: str,
        now: float,
        crm_session_id: str | None = None,
    ) -> None:
        with self._engine.begin() as c:
            c.execute(
                insert(t.sessions).values(
                    session_id=session_id,
                    token_hash=token_hash,
                    agent_id=agent_id,
                    crm_origin=crm_origin,
                    created_at=now,
                    crm_session_id=crm_session_id,
                )
            )

    async def session_by_token(self, token_hash: str) -> SessionRecord | None:
        return self._one_session(t.sessions.c.token_hash == token_hash)

    async def active_session_of(self, agent_id: str) -> SessionRecord | None:
        return self._one_session(
            (t.sessions.c.agent_id == agent_id) & t.sessions.c.ended_at.is_(None)
        )

    def _one_session(self, where: Any) -> SessionRecord | None:
        with self._engine.connect() as c:
            row = c.execute(select(t.sessions).where(where)).first()
        return None if row is None else _session_record(row)

    async def end_session(self, session_id: str, reason: str, now: float) -> None:
        with self._engine.begin() as c:
            c.execute(
                update(t.sessions)
                .where((t.sessions.c.session_id == session_id) & t.sessions.c.ended_at.is_(None))
                .values(ended_at=now, end_reason=reason)
            )

    async def end_all_sessions(self, reason: str, now: float) -> Sequence[SessionRecord]:
        with self._engine.begin() as c:
            open_ = t.sessions.c.ended_at.is_(None)
            ended = [_session_record(row) for row in c.execute(select(t.sessions).where(open_))]
            c.execute(update(t.sessions).where(open_).values(ended_at=now, end_reason=reason))
        return ended

    # -- the audit log --------------------------------------------------------------------

    async def append_audit(
        self, at: float, action: str, username: str | None, client: str | None, reason: str | None
    ) -> None:
        with self._engine.begin() as c:
            c.execute(
                insert(t.audit_log).values(
                    at=at, action=action, username=username, client=client, reason=reason
                )
            )

    async def audit_after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        with self._engine.connect() as c:
            rows = c.execute(
                select(t.audit_log)
                .where(t.audit_log.c.audit_id > after)
                .order_by(t.audit_log.c.audit_id)
                .limit(limit)
            ).all()
        return [
            AuditEntry(r.audit_id, r.at, r.action, r.username, r.client, r.reason) for r in rows
        ]

    # -- the record -----------------------------------------------------------------------

    async def last_seq(self) -> int:
        with self._engine.connect() as c:
            value = c.execute(select(func.max(t.events.c.seq))).scalar_one_or_none()
        return int(value or 0)

    async def record(
        self,
        envelopes: Sequence[Envelope],
        calls: Sequence[Call],
        callbacks: Sequence[Callback] = (),
        leads: Sequence[Lead] = (),
    ) -> None:
        with self._engine.begin() as c:
            for callback in callbacks:
                self._upsert_callback(c, callback)
            if leads:
                self._upsert_leads(c, leads)
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
            for call in calls:
                self._upsert_call(c, call)

    @staticmethod
    def _upsert_callback(c: Connection, callback: Callback) -> None:
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
        stmt = sqlite_insert(t.callbacks).values(values)
        changed = {k: v for k, v in values.items() if k != "callback_id"}
        c.execute(stmt.on_conflict_do_update(index_elements=["callback_id"], set_=changed))

    @staticmethod
    def _upsert_leads(c: Connection, leads: Sequence[Lead]) -> None:
        # A new lead goes to the end of its list; a known one keeps its place.
        position = c.execute(select(func.coalesce(func.max(t.leads.c.position), 0))).scalar_one()
        for lead in leads:
            position += 1
            values = {
                "lead_id": lead.lead_id,
                "campaign_id": int(lead.campaign_id),
                "phone": lead.phone,
                "name": lead.name,
                "data": json.dumps(lead.data),
                "state": lead.state.value,
                "agent_id": lead.agent_id,
                "call_id": lead.call_id,
                "position": position,
            }
            changed = {k: values[k] for k in ("state", "agent_id", "call_id")}
            stmt = sqlite_insert(t.leads).values(values)
            c.execute(stmt.on_conflict_do_update(index_elements=["lead_id"], set_=changed))

    async def pending_leads(self) -> Sequence[Lead]:
        """Leads not yet dialled or skipped, in list order (one shown before a restart is
        waiting again)."""
        with self._engine.connect() as c:
            rows = c.execute(
                select(t.leads)
                .where(t.leads.c.state.in_([LeadState.NEW.value, LeadState.PRESENTED.value]))
                .order_by(t.leads.c.position)
            )
            return [
                Lead(r.lead_id, str(r.campaign_id), r.phone, r.name, json.loads(r.data))
                for r in rows
            ]

    def leads_of(
        self, campaign_id: str, states: Sequence[str], after: int, limit: int
    ) -> list[tuple[int, Lead]]:
        """A campaign's leads in list order after position `after`, with their positions."""
        where = (t.leads.c.campaign_id == int(campaign_id)) & (t.leads.c.position > after)
        if states:
            where = where & t.leads.c.state.in_(list(states))
        with self._engine.connect() as c:
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
                    ),
                )
                for r in rows
            ]

    async def pending_callbacks(self) -> Sequence[Callback]:
        with self._engine.connect() as c:
            rows = c.execute(
                select(t.callbacks)
                .where(t.callbacks.c.state != CallbackState.DIALLED.value)
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

    @staticmethod
    def _upsert_call(c: Connection, call: Call) -> None:
        values = {
            "call_id": call.call_id,
            "call_type": call.call_type.value,
            "campaign_id": int(call.campaign_id),
            "phone": call.phone,
            "state": call.state.value,
            "agent_id": call.agent_id,
            "user_crt": call.user_crt,
            "customer_crt": call.customer_crt,
            "show_crm_request_id": call.screen_pop_id,
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
        }
        c.execute(_upsert(t.calls, ("call_id",), values), values)
        # A call has a handful of legs and transfers: rewriting them all is simpler than
        # tracking which changed, and still one statement (legs: one executemany) each.
        legs = [
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
        if legs:
            c.execute(_upsert(t.call_legs, ("call_id", "leg_id"), legs[0]), legs)
        for transfer in call.transfers:
            transfer_values = {
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
            c.execute(_upsert(t.call_transfers, ("transfer_id",), transfer_values), transfer_values)

    async def set_record_for_show_crm(
        self, show_crm_request_id: str, agent_id: str, record_id: str
    ) -> bool:
        with self._engine.begin() as c:
            result = c.execute(
                update(t.calls)
                .where(
                    (t.calls.c.show_crm_request_id == show_crm_request_id)
                    & (t.calls.c.agent_id == agent_id)
                )
                .values(record_id=record_id)
            )
            return result.rowcount == 1

    async def set_record_for_crt(self, crt_object_id: str, agent_id: str, record_id: str) -> bool:
        with self._engine.begin() as c:
            result = c.execute(
                update(t.calls)
                .where(
                    (
                        (t.calls.c.user_crt == crt_object_id)
                        | (t.calls.c.customer_crt == crt_object_id)
                    )
                    & (t.calls.c.agent_id == agent_id)
                )
                .values(record_id=record_id)
            )
            return result.rowcount == 1

    async def call_record(self, call_id: str) -> CallRecord | None:
        with self._engine.connect() as c:
            row = c.execute(select(t.calls).where(t.calls.c.call_id == call_id)).mappings().first()
        if row is None:
            return None
        call = Call(
            call_id=row["call_id"],
            call_type=CallType(row["call_type"]),
            campaign_id=str(row["campaign_id"]),
            phone=row["phone"],
            customer_crt=row["customer_crt"],
            queued_at=row["queued_at"],
            state=CallState(row["state"]),
            agent_id=row["agent_id"],
            user_crt=row["user_crt"],
            screen_pop_id=row["show_crm_request_id"],
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
        return CallRecord(call=call, record_id=row["record_id"])

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events((t.events.c.agent_id == agent_id) & (t.events.c.seq > seq), limit)

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        return self._events(t.events.c.seq > seq, limit)

    def _events(self, where: Any, limit: int) -> list[Envelope]:
        with self._engine.connect() as c:
            rows = c.execute(select(t.events).where(where).order_by(t.events.c.seq).limit(limit))
            return [
                Envelope(r.seq, r.kind, r.at, r.agent_id, r.call_id, json.loads(r.data))
                for r in rows
            ]

    # -- webhooks ---------------------------------------------------------------------------

    def put_webhook(self, name: str, url: str, secret: str, cursor: int) -> None:
        """Create a webhook delivering events after `cursor`, or change its URL and secret."""
        with self._engine.begin() as c:
            stmt = sqlite_insert(t.webhooks).values(
                name=name, url=url, secret=secret, cursor=cursor
            )
            c.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"], set_={"url": url, "secret": secret}
                )
            )

    def delete_webhook(self, name: str) -> bool:
        with self._engine.begin() as c:
            return c.execute(t.webhooks.delete().where(t.webhooks.c.name == name)).rowcount == 1

    def webhooks(self) -> list[tuple[str, str, str, int]]:
        """Every webhook: (name, url, secret, cursor)."""
        with self._engine.connect() as c:
            return [
                (r.name, r.url, r.secret, r.cursor)
                for r in c.execute(select(t.webhooks).order_by(t.webhooks.c.name))
            ]

    def log_delivery(
        self, webhook: str, seq: int, attempt: int, at: float, status: str, detail: str | None
    ) -> None:
        """Record one delivery attempt; a delivered one also moves the webhook's cursor."""
        with self._engine.begin() as c:
            c.execute(
                insert(t.webhook_deliveries).values(
                    webhook=webhook, seq=seq, attempt=attempt, at=at, status=status, detail=detail
                )
            )
            if status == "delivered":
                c.execute(
                    update(t.webhooks)
                    .where((t.webhooks.c.name == webhook) & (t.webhooks.c.cursor < seq))
                    .values(cursor=seq)
                )

    def deliveries(self, webhook: str, limit: int) -> list[dict[str, Any]]:
        with self._engine.connect() as c:
            rows = c.execute(
                select(t.webhook_deliveries)
                .where(t.webhook_deliveries.c.webhook == webhook)
                .order_by(t.webhook_deliveries.c.delivery_id.desc())
                .limit(limit)
            ).mappings()
            return [dict(r) for r in rows][::-1]

    async def ping(self) -> None:
        """Raises if the database cannot be read (readiness)."""
        with self._engine.connect() as c:
            c.execute(select(1))


def _session_record(row: Row[Any]) -> SessionRecord:
    return SessionRecord(
        session_id=row.session_id,
        agent_id=row.agent_id,
        crm_origin=row.crm_origin,
        created_at=row.created_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        crm_session_id=row.crm_session_id,
    )
