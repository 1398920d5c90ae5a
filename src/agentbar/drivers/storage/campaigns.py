"""Campaign rows: a campaign's settings, its disposition plan and its agents, written and read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from agentbar.domain.model.campaign import (
    Campaign,
    CampaignKind,
    DialMode,
    DispositionClass,
    DispositionPlan,
    RetryDelays,
    Routing,
    WallboardThresholds,
)
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections


def write_campaign(
    db: Connections,
    c: Connection,
    name: str,
    settings: dict[str, Any],
    plan: DispositionPlan,
    agent_ids: Sequence[str],
) -> str:
    """Create or update the campaign named `name`; its id."""
    found = c.execute(
        select(t.campaigns.c.campaign_id).where(t.campaigns.c.name == name)
    ).scalar_one_or_none()
    if found is None:
        inserted = c.execute(insert(t.campaigns).values(name=name, **settings))
        assert inserted.inserted_primary_key is not None
        found = inserted.inserted_primary_key[0]
    else:
        c.execute(update(t.campaigns).where(t.campaigns.c.campaign_id == found).values(**settings))
    c.execute(t.disposition_codes.delete().where(t.disposition_codes.c.campaign_id == found))
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
            db.insert_or_ignore(t.campaign_agents).values(campaign_id=found, agent_id=agent_id)
        )
    return str(found)


def read_campaigns(c: Connection) -> list[Campaign]:
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
                abandon_limit=row.abandon_limit,
                abandon_window=row.abandon_window,
                min_ring_seconds=row.min_ring_seconds,
                calling_hours=row.calling_hours,
                time_zone=row.time_zone,
                abandon_message=row.abandon_message,
                max_attempts=row.max_attempts,
                retry_delays=RetryDelays(
                    busy=row.retry_busy_seconds,
                    no_answer=row.retry_no_answer_seconds,
                    machine=row.retry_machine_seconds,
                    abandoned=row.retry_abandoned_seconds,
                    dispositions=tuple(json.loads(row.retry_dispositions).items()),
                ),
                service_level_seconds=row.service_level_seconds,
                short_abandon_seconds=row.short_abandon_seconds,
                wallboard=WallboardThresholds(
                    service_level_warning=row.wallboard_sl_warning,
                    service_level_alarm=row.wallboard_sl_alarm,
                    wait_warning_seconds=row.wallboard_wait_warning,
                    wait_alarm_seconds=row.wallboard_wait_alarm,
                ),
            )
        )
    return result
