"""The in-memory Catalog and SettingsStore (see memory_storage.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

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
from agentbar.ports import AgentRecord, AgentSummary, StorageConflict
from tests.support.memory_tables import AgentRow, IvrRow, Tables


class MemoryCatalog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def upsert_agent(
        self, agent_id: str, name: str, password_hash: str | None, auth_policy: str = "any"
    ) -> None:
        self._t.agents[agent_id] = AgentRow(name, password_hash, auth_policy)

    def set_agent_campaigns(self, agent_id: str, campaign_names: Sequence[str]) -> list[str]:
        ids = {c.name: int(c.campaign_id) for c in self._t.campaigns.values()}
        missing = [name for name in campaign_names if name not in ids]
        if missing:
            return missing
        kept = {pair for pair in self._t.campaign_agents if pair[1] != agent_id}
        self._t.campaign_agents = kept | {(ids[name], agent_id) for name in campaign_names}
        return []

    async def agent(self, agent_id: str) -> AgentRecord | None:
        agent = self._t.agents.get(agent_id)
        if agent is None:
            return None
        campaign_ids = frozenset(str(c) for c, a in self._t.campaign_agents if a == agent_id)
        return AgentRecord(
            agent_id, agent.name, agent.password_hash, campaign_ids, agent.auth_policy
        )

    async def agent_summaries(self) -> list[AgentSummary]:
        return [
            AgentSummary(
                agent_id,
                agent.name,
                agent.password_hash,
                agent.auth_policy,
                sorted(
                    self._t.campaigns[c].name for c, a in self._t.campaign_agents if a == agent_id
                ),
            )
            for agent_id, agent in sorted(self._t.agents.items())
        ]

    def campaign_agent_ids(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for campaign_id, agent_id in sorted(self._t.campaign_agents, key=lambda p: (p[1], p[0])):
            found.setdefault(str(campaign_id), []).append(agent_id)
        return found

    def upsert_extension(
        self, name: str, phone: str, kind: ExtensionKind = ExtensionKind.PHONE
    ) -> None:
        self._put_extensions([Extension(name, phone, kind)], replacing=[name])

    def put_extensions(self, entries: Sequence[Extension]) -> None:
        self._put_extensions(entries, replacing=[e.name for e in entries])

    def _put_extensions(self, entries: Sequence[Extension], replacing: list[str]) -> None:
        after = {n: e for n, e in self._t.extensions.items() if n not in replacing}
        for extension in entries:
            taken = {e.phone for e in after.values()}
            if extension.name in after or extension.phone in taken:
                raise StorageConflict("a phone belongs to another extension")
            after[extension.name] = extension
        self._t.extensions = after

    def delete_extension(self, name: str) -> bool:
        return self._t.extensions.pop(name, None) is not None

    async def extensions(self, limit: int | None = None) -> Sequence[Extension]:
        listed = sorted(self._t.extensions.values(), key=lambda e: e.phone)
        return listed if limit is None else listed[:limit]

    async def extension_with_phone(self, phone: str) -> Extension | None:
        found = sorted(
            (e for e in self._t.extensions.values() if e.phone == phone.strip()),
            key=lambda e: e.name,
        )
        return found[0] if found else None

    async def extension(self, name: str) -> Extension | None:
        wanted = name.strip().lower()
        return next((e for e in self._t.extensions.values() if e.name.lower() == wanted), None)

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
        found = [i for i, c in self._t.campaigns.items() if c.name == name]
        campaign_id = found[0] if found else max(self._t.campaigns, default=0) + 1
        self._t.campaigns[campaign_id] = Campaign(
            str(campaign_id),
            name,
            kind,
            plan,
            routing=routing,
            ring_timeout=ring_timeout,
            max_misses=max_misses,
            wrap_up_timeout=wrap_up_timeout,
            default_disposition=default_disposition,
            callback_in_dispose_dial=callback_in_dispose_dial,
            dial_mode=dial_mode,
            abandon_limit=abandon_limit,
            abandon_window=abandon_window,
            min_ring_seconds=min_ring_seconds,
            calling_hours=calling_hours,
            time_zone=time_zone,
            abandon_message=abandon_message,
            max_attempts=max_attempts,
            retry_delays=retry_delays,
            service_level_seconds=service_level_seconds,
            short_abandon_seconds=short_abandon_seconds,
            wallboard=wallboard,
        )
        self._t.campaign_agents |= {(campaign_id, agent_id) for agent_id in agent_ids}
        return str(campaign_id)

    async def campaigns(self) -> Sequence[Campaign]:
        return [self._t.campaigns[i] for i in sorted(self._t.campaigns)]

    def replace_break_reasons(self, reasons: Sequence[BreakReason]) -> None:
        self._t.break_reasons = [(reason, i) for i, reason in enumerate(reasons)]

    def upsert_break_reason(self, name: str, productive: bool, position: int) -> None:
        kept = [(r, p) for r, p in self._t.break_reasons if r.name != name]
        self._t.break_reasons = [*kept, (BreakReason(name, productive), position)]

    async def break_reasons(self) -> Sequence[BreakReason]:
        return [r for r, _ in sorted(self._t.break_reasons, key=lambda entry: entry[1])]

    def upsert_ivr(self, name: str, position: int) -> None:
        self._t.ivrs.setdefault(name, IvrRow(position)).position = position

    def put_ivr(self, name: str, description: str | None, collect: DigitCollection | None) -> None:
        end = max((ivr.position + 1 for ivr in self._t.ivrs.values()), default=0)
        row = self._t.ivrs.setdefault(name, IvrRow(end))
        row.description, row.collect = description, collect

    def delete_ivr(self, name: str) -> bool:
        return self._t.ivrs.pop(name, None) is not None

    def ivr_details(self) -> list[Ivr]:
        ordered = sorted(self._t.ivrs.items(), key=lambda entry: entry[1].position)
        return [Ivr(name, row.description, row.collect) for name, row in ordered]

    async def ivrs(self) -> Sequence[str]:
        return [ivr.name for ivr in self.ivr_details()]


class MemorySettingsStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def allowed_origins(self) -> list[str]:
        return list(self._t.origins)

    def replace_allowed_origins(self, origins: Sequence[str]) -> None:
        self._t.origins = list(origins)

    def setting(self, name: str) -> Any:
        text = self._t.settings.get(name)
        return None if text is None else json.loads(text)

    def put_setting(self, name: str, value: Any) -> None:
        if value is None:
            self._t.settings.pop(name, None)
        else:
            self._t.settings[name] = json.dumps(value)
