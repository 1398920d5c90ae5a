"""The Catalog port on SQL: agents, extensions, campaigns, break reasons and IVRs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from agentbar.domain.model.agent import BreakReason, Extension, ExtensionKind
from agentbar.domain.model.campaign import (
    DEFAULT_ABANDON_LIMIT,
    DEFAULT_ABANDON_WINDOW,
    DEFAULT_CALLING_HOURS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MIN_RING_SECONDS,
    DEFAULT_RETRY_DELAYS,
    Campaign,
    CampaignKind,
    DialMode,
    DispositionPlan,
    RetryDelays,
    Routing,
    WallboardThresholds,
)
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.campaigns import read_campaigns, write_campaign
from agentbar.drivers.storage.database import Connections, reads
from agentbar.ports.values import AgentRecord, AgentSummary, StorageConflict


class SqlCatalog:
    def __init__(self, db: Connections) -> None:
        self._db = db

    # -- agents ------------------------------------------------------------------------------

    def upsert_agent(
        self, agent_id: str, name: str, password_hash: str | None, auth_policy: str = "any"
    ) -> None:
        values = {
            "agent_id": agent_id,
            "name": name,
            "password_hash": password_hash,
            "auth_policy": auth_policy,
        }
        with self._db.write() as c:
            c.execute(self._db.upsert(t.agents, ("agent_id",), values), values)

    def set_agent_campaigns(self, agent_id: str, campaign_names: Sequence[str]) -> list[str]:
        with self._db.write() as c:
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

    @reads
    def agent(self, agent_id: str) -> AgentRecord | None:
        with self._db.read() as c:
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

    @reads
    def agent_summaries(self) -> list[AgentSummary]:
        with self._db.read() as c:
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
        with self._db.read() as c:
            found: dict[str, list[str]] = {}
            for row in c.execute(select(t.campaign_agents).order_by(t.campaign_agents.c.agent_id)):
                found.setdefault(str(row.campaign_id), []).append(row.agent_id)
            return found

    # -- extensions --------------------------------------------------------------------------

    @contextmanager
    def _unique_phones(self) -> Iterator[Connection]:
        try:
            with self._db.write() as c:
                yield c
        except IntegrityError as error:
            raise StorageConflict("a phone belongs to another extension") from error

    def upsert_extension(
        self, name: str, phone: str, kind: ExtensionKind = ExtensionKind.PHONE
    ) -> None:
        values = {"name": name, "phone": phone, "kind": kind.value}
        with self._unique_phones() as c:
            c.execute(self._db.upsert(t.extensions, ("name",), values), values)

    def put_extensions(self, entries: Sequence[Extension]) -> None:
        with self._unique_phones() as c:
            names = [e.name for e in entries]
            c.execute(t.extensions.delete().where(t.extensions.c.name.in_(names)))
            if entries:
                c.execute(
                    insert(t.extensions),
                    [{"name": e.name, "phone": e.phone, "kind": e.kind.value} for e in entries],
                )

    def delete_extension(self, name: str) -> bool:
        with self._db.write() as c:
            return c.execute(t.extensions.delete().where(t.extensions.c.name == name)).rowcount == 1

    @reads
    def extensions(self, limit: int | None = None) -> Sequence[Extension]:
        with self._db.read() as c:
            rows = c.execute(select(t.extensions).order_by(t.extensions.c.phone).limit(limit))
            return [_extension(row) for row in rows]

    @reads
    def extension_with_phone(self, phone: str) -> Extension | None:
        with self._db.read() as c:
            row = c.execute(
                select(t.extensions)
                .where(t.extensions.c.phone == phone.strip())
                .order_by(t.extensions.c.name)
            ).first()
        return _extension(row) if row else None

    @reads
    def extension(self, name: str) -> Extension | None:
        with self._db.read() as c:
            row = c.execute(
                select(t.extensions).where(func.lower(t.extensions.c.name) == name.strip().lower())
            ).first()
        return _extension(row) if row else None

    # -- campaigns ---------------------------------------------------------------------------

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
        abandon_limit: float = DEFAULT_ABANDON_LIMIT,
        abandon_window: str = DEFAULT_ABANDON_WINDOW,
        min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS,
        calling_hours: str = DEFAULT_CALLING_HOURS,
        time_zone: str | None = None,
        abandon_message: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_delays: RetryDelays = DEFAULT_RETRY_DELAYS,
        service_level_seconds: int = Campaign.service_level_seconds,
        short_abandon_seconds: int = Campaign.short_abandon_seconds,
        wallboard: WallboardThresholds = Campaign.wallboard,
    ) -> str:
        settings = {
            "kind": kind.value,
            "routing": routing.value,
            "ring_timeout": ring_timeout,
            "max_misses": max_misses,
            "wrap_up_timeout": wrap_up_timeout,
            "default_disposition": default_disposition,
            "callback_in_dispose_dial": callback_in_dispose_dial,
            "dial_mode": dial_mode.value,
            "abandon_limit": abandon_limit,
            "abandon_window": abandon_window,
            "min_ring_seconds": min_ring_seconds,
            "calling_hours": calling_hours,
            "time_zone": time_zone,
            "abandon_message": abandon_message,
            "max_attempts": max_attempts,
            "retry_busy_seconds": retry_delays.busy,
            "retry_no_answer_seconds": retry_delays.no_answer,
            "retry_machine_seconds": retry_delays.machine,
            "retry_abandoned_seconds": retry_delays.abandoned,
            "retry_dispositions": json.dumps(dict(retry_delays.dispositions)),
            "service_level_seconds": service_level_seconds,
            "short_abandon_seconds": short_abandon_seconds,
            "wallboard_sl_warning": wallboard.service_level_warning,
            "wallboard_sl_alarm": wallboard.service_level_alarm,
            "wallboard_wait_warning": wallboard.wait_warning_seconds,
            "wallboard_wait_alarm": wallboard.wait_alarm_seconds,
        }
        with self._db.write() as c:
            return write_campaign(self._db, c, name, settings, plan, agent_ids)

    @reads
    def campaigns(self) -> Sequence[Campaign]:
        with self._db.read() as c:
            return read_campaigns(c)

    # -- break reasons -----------------------------------------------------------------------

    def replace_break_reasons(self, reasons: Sequence[BreakReason]) -> None:
        with self._db.write() as c:
            c.execute(t.break_reasons.delete())
            if reasons:
                c.execute(
                    insert(t.break_reasons),
                    [
                        {"name": r.name, "productive": r.productive, "position": i}
                        for i, r in enumerate(reasons)
                    ],
                )

    def upsert_break_reason(self, name: str, productive: bool, position: int) -> None:
        values = {"name": name, "productive": productive, "position": position}
        with self._db.write() as c:
            c.execute(self._db.upsert(t.break_reasons, ("name",), values), values)

    @reads
    def break_reasons(self) -> Sequence[BreakReason]:
        with self._db.read() as c:
            rows = c.execute(select(t.break_reasons).order_by(t.break_reasons.c.position))
            return [BreakReason(row.name, bool(row.productive)) for row in rows]

    # -- IVRs --------------------------------------------------------------------------------

    def upsert_ivr(self, name: str, position: int) -> None:
        values = {"name": name, "position": position}
        with self._db.write() as c:
            c.execute(self._db.upsert(t.ivrs, ("name",), values), values)

    def put_ivr(self, name: str, description: str | None, collect: DigitCollection | None) -> None:
        what = {"description": description, **_collect_columns(collect)}
        with self._db.write() as c:
            position = c.execute(
                select(func.coalesce(func.max(t.ivrs.c.position) + 1, 0))
            ).scalar_one()
            values = {"name": name, "position": position, **what}
            c.execute(self._db.upsert(t.ivrs, ("name",), values, update=tuple(what)), values)

    def delete_ivr(self, name: str) -> bool:
        with self._db.write() as c:
            return c.execute(t.ivrs.delete().where(t.ivrs.c.name == name)).rowcount == 1

    def ivr_details(self) -> list[Ivr]:
        with self._db.read() as c:
            rows = c.execute(select(t.ivrs).order_by(t.ivrs.c.position))
            return [Ivr(r.name, r.description, _collect(r)) for r in rows]

    @reads
    def ivrs(self) -> Sequence[str]:
        with self._db.read() as c:
            return list(c.execute(select(t.ivrs.c.name).order_by(t.ivrs.c.position)).scalars())


def _extension(row: Row[Any]) -> Extension:
    return Extension(row.name, row.phone, ExtensionKind(row.kind))


def _collect_columns(collect: DigitCollection | None) -> dict[str, Any]:
    if collect is None:
        return {
            "collect_max_digits": None,
            "collect_terminator": None,
            "collect_timeout_seconds": None,
        }
    return {
        "collect_max_digits": collect.max_digits,
        "collect_terminator": collect.terminator,
        "collect_timeout_seconds": collect.timeout_seconds,
    }


def _collect(row: Row[Any]) -> DigitCollection | None:
    if row.collect_max_digits is None:
        return None
    return DigitCollection(
        row.collect_max_digits, row.collect_terminator, row.collect_timeout_seconds
    )
