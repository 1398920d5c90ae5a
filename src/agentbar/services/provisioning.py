"""Provisioning: agents, extensions, campaigns, break reasons and IVRs, checked before stored.

A change reaches the live floor at once where it can: campaigns, break reasons and IVRs are
reloaded into the center; an agent's assignments apply from their next login. Every change is
written to the audit log with the client that asked for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agentbar.auth.passwords import Passwords, is_argon2id_hash
from agentbar.auth.policy import AgentLogin
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
    DispositionClass,
    DispositionPlan,
    RetryDelays,
    Routing,
    WallboardThresholds,
)
from agentbar.domain.model.errors import DomainError, InvalidDisposition
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.domain.model.legs import LegKind
from agentbar.ports import AgentSummary, Catalog, StorageConflict, UnitOfWork
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT, Audit
from agentbar.services.dialer_settings import (
    canonical_calling_hours,
    canonical_window,
    check_dialer_settings,
)
from agentbar.services.report_settings import (
    DEFAULT_SERVICE_LEVEL_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_WALLBOARD,
    check_report_settings,
)
from agentbar.services.runtime import Runtime

__all__ = [
    "AgentSummary",
    "CampaignSpec",
    "InUse",
    "InvalidConfiguration",
    "Provisioning",
    "QueueState",
    "check_agent",
    "check_campaign",
    "plan_of",
]


def ivr_collection(catalog: Catalog, name: str) -> DigitCollection | None:
    """The digits the IVR `name` (spelled as the floor spells it) asks a caller for when a
    call reaches it; None for an IVR that collects nothing, or one that is gone. Telephony
    asks it as each call reaches an IVR, so a change applies to the next call."""
    return next((ivr.collect for ivr in catalog.ivr_details() if ivr.name == name), None)


class InvalidConfiguration(DomainError):
    code = "invalid_configuration"


class InUse(DomainError):
    code = "in_use"


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    kind: CampaignKind
    plan: DispositionPlan
    agent_ids: tuple[str, ...] = ()
    routing: Routing = Routing.LONGEST_IDLE
    ring_timeout: float | None = None
    max_misses: int | None = None
    wrap_up_timeout: float | None = None
    default_disposition: str | None = None
    callback_in_dispose_dial: bool = False
    dial_mode: DialMode = DialMode.MANUAL
    abandon_limit: float = DEFAULT_ABANDON_LIMIT
    """A share: 0.03 is 3% (the API's `abandonLimit` is the percentage)."""
    abandon_window: str = DEFAULT_ABANDON_WINDOW
    min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS
    calling_hours: str = DEFAULT_CALLING_HOURS
    time_zone: str | None = None
    abandon_message: str | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_delays: RetryDelays = DEFAULT_RETRY_DELAYS
    service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS
    short_abandon_seconds: int = DEFAULT_SHORT_ABANDON_SECONDS
    wallboard: WallboardThresholds = DEFAULT_WALLBOARD


@dataclass(frozen=True)
class QueueState:
    """An inbound campaign's queue now: who is assigned, who is ready, who waits."""

    campaign: Campaign
    agent_ids: list[str]
    ready_agents: int
    waiting_calls: int


class Provisioning:
    def __init__(
        self,
        storage: Catalog,
        uow: UnitOfWork,
        passwords: Passwords,
        runtime: Runtime,
        audit: Audit,
    ) -> None:
        self._storage = storage
        self._uow = uow
        self._passwords = passwords
        self._runtime = runtime
        self._audit = audit

    # -- reading what is provisioned ------------------------------------------------------

    async def agents(self) -> list[AgentSummary]:
        return await self._storage.agent_summaries()

    async def agent(self, agent_id: str) -> AgentSummary | None:
        return next((a for a in await self.agents() if a.agent_id == agent_id), None)

    async def extensions(self) -> list[Extension]:
        """Every extension, by phone."""
        return list(await self._storage.extensions())

    async def extension(self, name: str) -> Extension | None:
        return next((e for e in await self.extensions() if e.name == name), None)

    def campaigns(self) -> list[Campaign]:
        return list(self._runtime.center.campaigns.values())

    def campaign_named(self, name: str) -> Campaign | None:
        """A campaign by name, ignoring case."""
        return self._runtime.center.campaign_named(name)

    def campaign_agent_ids(self) -> dict[str, list[str]]:
        """The agents assigned to each campaign, by campaign id."""
        return self._storage.campaign_agent_ids()

    async def break_reasons(self) -> list[BreakReason]:
        return list(await self._storage.break_reasons())

    def queues(self) -> list[QueueState]:
        """Every inbound campaign's agent queue, as it stands now."""
        center = self._runtime.center
        assigned = self._storage.campaign_agent_ids()
        queues = []
        for campaign in self.campaigns():
            if campaign.kind is not CampaignKind.INBOUND:
                continue
            idle = center.idle.get(campaign.campaign_id)
            queues.append(
                QueueState(
                    campaign=campaign,
                    agent_ids=assigned.get(campaign.campaign_id, []),
                    ready_agents=len(idle) if idle is not None else 0,
                    waiting_calls=center.waiting_count(campaign.campaign_id),
                )
            )
        return queues

    def ivrs(self) -> list[Ivr]:
        """Every IVR, in the order the toolbar lists them."""
        return self._storage.ivr_details()

    def ivr(self, name: str) -> Ivr | None:
        return next((ivr for ivr in self.ivrs() if ivr.name == name), None)

    # -- changes, each audited -------------------------------------------------------------

    async def put_agent(
        self,
        agent_id: str,
        name: str,
        password: str | None,
        campaigns: Sequence[str],
        auth_policy: AgentLogin = AgentLogin.ANY,
        password_hash: str | None = None,
        *,
        client: str | None,
    ) -> None:
        """Create or update an agent. No password: the agent logs in by CRM SSO or token."""
        check_agent(password, password_hash, auth_policy)
        if len(set(campaigns)) != len(campaigns):
            raise InvalidConfiguration("a campaign is named twice")
        known = {c.name for c in self._runtime.center.campaigns.values()}
        unknown = [c for c in campaigns if c not in known]
        if unknown:
            raise InvalidConfiguration(f"no campaign named {', '.join(map(repr, unknown))}")
        if password:
            password_hash = await asyncio.to_thread(self._passwords.hash, password)
        async with self._uow.transaction():
            self._storage.upsert_agent(agent_id, name, password_hash, auth_policy.value)
            missing = self._storage.set_agent_campaigns(agent_id, campaigns)
            assert not missing  # checked above against the same provisioned campaigns
        await self._audit.change(ADMIN_PUT, client, f"agent '{agent_id}'")

    async def put_extension(
        self,
        name: str,
        phone: str,
        kind: ExtensionKind = ExtensionKind.PHONE,
        *,
        client: str | None,
    ) -> None:
        taken = [e for e in await self._storage.extensions() if e.phone == phone and e.name != name]
        if taken:
            raise InvalidConfiguration(f"phone {phone} already belongs to '{taken[0].name}'")
        try:
            self._storage.upsert_extension(name, phone, kind)
        except StorageConflict:  # taken since the check above
            raise InvalidConfiguration(
                f"phone {phone} already belongs to another extension"
            ) from None
        await self._audit.change(ADMIN_PUT, client, f"extension '{name}'")

    async def delete_extension(self, name: str, *, client: str | None) -> bool:
        """False when there was no such extension (nothing is audited then)."""
        for agent in self._runtime.center.agents.values():
            if agent.extension is not None and agent.extension.name == name:
                raise InUse(f"agent '{agent.agent_id}' is working from '{name}'")
        deleted = self._storage.delete_extension(name)
        if deleted:
            await self._audit.change(ADMIN_DELETE, client, f"extension '{name}'")
        return deleted

    async def put_campaign(self, spec: CampaignSpec, *, client: str | None) -> Campaign:
        """Create or update a campaign; every agent it names must be provisioned."""
        known = {a.agent_id for a in await self._storage.agent_summaries()}
        unknown = [a for a in spec.agent_ids if a not in known]
        if unknown:
            raise InvalidConfiguration(f"no agent {', '.join(map(repr, unknown))}")
        campaign_id = self.store_campaign(spec)
        await self.reload()
        await self._audit.change(ADMIN_PUT, client, f"campaign '{spec.name}'")
        return self._runtime.center.campaign(campaign_id)

    def store_campaign(self, spec: CampaignSpec) -> str:
        """Check and store the campaign, unaudited and leaving the live floor as it is: one
        step of a larger change (a configuration import) that is audited and put in force as
        a whole; its id."""
        spec = check_campaign(spec)
        return self._storage.upsert_campaign(
            spec.name,
            spec.kind,
            spec.plan,
            spec.agent_ids,
            routing=spec.routing,
            ring_timeout=spec.ring_timeout,
            max_misses=spec.max_misses,
            wrap_up_timeout=spec.wrap_up_timeout,
            default_disposition=spec.default_disposition,
            callback_in_dispose_dial=spec.callback_in_dispose_dial,
            dial_mode=spec.dial_mode,
            abandon_limit=spec.abandon_limit,
            abandon_window=spec.abandon_window,
            min_ring_seconds=spec.min_ring_seconds,
            calling_hours=spec.calling_hours,
            time_zone=spec.time_zone,
            abandon_message=spec.abandon_message,
            max_attempts=spec.max_attempts,
            retry_delays=spec.retry_delays,
            service_level_seconds=spec.service_level_seconds,
            short_abandon_seconds=spec.short_abandon_seconds,
            wallboard=spec.wallboard,
        )

    async def put_break_reasons(
        self, reasons: Sequence[BreakReason], *, client: str | None
    ) -> None:
        names = [r.name.casefold() for r in reasons]
        if len(set(names)) != len(names):
            raise InvalidConfiguration("a break reason is named twice")
        self._storage.replace_break_reasons(reasons)
        await self.reload()
        await self._audit.change(ADMIN_PUT, client, "break reasons")

    async def put_ivr(
        self,
        name: str,
        description: str | None,
        collect: DigitCollection | None,
        *,
        client: str | None,
    ) -> None:
        """Create an IVR (at the end of the list) or replace its description and the digits it
        collects (None: none); transfers and conferences see it at once, and the next call to
        reach it is asked for those digits."""
        known = {ivr.name.casefold(): ivr.name for ivr in self._storage.ivr_details()}
        same = known.get(name.casefold())
        if same is not None and same != name:
            raise InvalidConfiguration(f"IVR '{same}' exists already (names ignore case)")
        self._storage.put_ivr(name, description, collect)
        await self.reload()
        await self._audit.change(ADMIN_PUT, client, f"ivr '{name}'")

    async def delete_ivr(self, name: str, *, client: str | None) -> bool:
        """False when there was no such IVR (nothing is audited then)."""
        center = self._runtime.center
        for call in [*center.calls.values(), *center.handed_off.values()]:
            for leg in call.legs:
                if leg.kind is LegKind.IVR and leg.party == name and leg.live:
                    raise InUse(f"call '{call.call_id}' has a caller in IVR '{name}'")
        deleted = self._storage.delete_ivr(name)
        if deleted:
            await self.reload()
            await self._audit.change(ADMIN_DELETE, client, f"ivr '{name}'")
        return deleted

    async def reload(self) -> None:
        """Load the stored campaigns, break reasons and IVRs into the live floor."""
        center = self._runtime.center
        center.configure(
            await self._storage.campaigns(),
            await self._storage.break_reasons(),
            await self._storage.ivrs(),
        )


def check_campaign(spec: CampaignSpec) -> CampaignSpec:
    """Refuse (InvalidConfiguration) a campaign that cannot be stored; the spec as it is
    stored (its abandon window and calling hours in their one spelling)."""
    codes = [code.casefold() for klass in spec.plan.classes for code in klass.codes]
    if not codes:
        raise InvalidConfiguration("a campaign needs at least one disposition code")
    if len(set(codes)) != len(codes):
        raise InvalidConfiguration("a disposition code appears twice in the plan")
    if any(not klass.codes for klass in spec.plan.classes):
        raise InvalidConfiguration("every disposition class needs at least one code")
    if spec.default_disposition is not None:
        try:
            spec.plan.resolve(spec.default_disposition)
        except InvalidDisposition:
            raise InvalidConfiguration(
                f"default disposition '{spec.default_disposition}' is not in the plan"
            ) from None
    if spec.dial_mode is not DialMode.MANUAL and spec.kind is not CampaignKind.OUTBOUND:
        raise InvalidConfiguration(f"dial mode '{spec.dial_mode.value}' needs an outbound campaign")
    for label, value in (
        ("ringTimeout", spec.ring_timeout),
        ("wrapUpTimeout", spec.wrap_up_timeout),
    ):
        if value is not None and value <= 0:
            raise InvalidConfiguration(f"{label} must be more than 0 seconds")
    if spec.max_misses is not None and spec.max_misses < 1:
        raise InvalidConfiguration("maxMisses must be at least 1")
    try:
        check_dialer_settings(spec)
        check_report_settings(spec)
    except ValueError as error:
        raise InvalidConfiguration(str(error)) from None
    return replace(
        spec,
        abandon_window=canonical_window(spec.abandon_window),
        calling_hours=canonical_calling_hours(spec.calling_hours),
    )


def check_agent(password: str | None, password_hash: str | None, policy: AgentLogin) -> None:
    if password is not None and password_hash is not None:
        raise InvalidConfiguration("give password or passwordHash, not both")
    if password_hash is not None and not is_argon2id_hash(password_hash):
        raise InvalidConfiguration("passwordHash must be an argon2id hash ($argon2id$...)")
    has_password = password is not None or password_hash is not None
    if policy is AgentLogin.PASSWORD and not has_password:
        raise InvalidConfiguration("authPolicy 'password' needs a password")
    if policy is AgentLogin.SSO and has_password:
        raise InvalidConfiguration("an agent with authPolicy 'sso' has no password here")


def plan_of(classes: Sequence[tuple[str, Sequence[str]]]) -> DispositionPlan:
    return DispositionPlan(tuple(DispositionClass(name, tuple(codes)) for name, codes in classes))
