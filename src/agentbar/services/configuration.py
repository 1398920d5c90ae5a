"""The whole configuration as one document: exported, and imported all or nothing.

The document has a section per resource (campaigns, agents, extensions, IVRs, break
reasons, allowed origins, the SSO endpoint, webhooks). Import rules:
- The whole document is checked first — each entry, and every reference between entries
  and to what the server already has — and nothing changes if any part is refused.
- A section left out is left alone. Each entry creates or replaces the resource of that
  name; nothing is deleted, except that break reasons and allowed origins, being lists,
  are replaced whole when given.
- Exported passwords are argon2id hashes (`passwordHash`), and webhooks carry their secrets:
  the file is as sensitive as the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agentbar.auth.passwords import Passwords
from agentbar.auth.policy import AgentLogin
from agentbar.auth.sso_wire import SsoFormat
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
    Routing,
)
from agentbar.domain.model.ivr import Ivr
from agentbar.ports import Catalog, EventLog, UnitOfWork, WebhookStore
from agentbar.services.audit import ADMIN_IMPORT, Audit
from agentbar.services.crm_settings import CrmSettings, InvalidSetting, parse_origins, parse_sso_url
from agentbar.services.dialer_settings import (
    abandon_percent,
    abandon_share,
    retry_delays_entry,
    retry_delays_of,
    retry_dispositions_of,
)
from agentbar.services.ivr_settings import (
    DigitCollectionEntry,
    digit_collection_entry,
    digit_collection_of,
)
from agentbar.services.provisioning import (
    CampaignSpec,
    InvalidConfiguration,
    Provisioning,
    check_agent,
    check_campaign,
    plan_of,
)
from agentbar.services.report_settings import (
    DEFAULT_SERVICE_LEVEL_SECONDS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    WallboardEntry,
    wallboard_entry,
    wallboard_of,
)
from agentbar.services.runtime import Runtime
from agentbar.services.webhooks import Webhooks

FORMAT_VERSION = 1

READABLE = (
    r"^[^\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]+$"
)
"""The one rule for a name people read — campaign, extension, break reason, IVR, disposition,
an agent's name: no control or format characters (NUL, line breaks, bidi overrides), which
would hide or reorder what a supervisor or an agent sees. Unicode's control and format
characters of the Basic Multilingual Plane, spelled out rather than as property classes: the
pattern is published in the OpenAPI schema, and not every client's regex engine knows classes.
(`tests/unit/test_names.py` checks it against Unicode's own table.)"""
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=READABLE)]
LongName = Annotated[str, Field(min_length=1, max_length=200, pattern=READABLE)]
AgentId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DispositionClassEntry(Strict):
    dispositionClass: Name
    dispositionCodes: Annotated[list[Name], Field(min_length=1)]


class CampaignSettings(Strict):
    """A campaign's settings, as PUT to /campaigns/{name} and in the document."""

    kind: CampaignKind
    dispositions: Annotated[list[DispositionClassEntry], Field(min_length=1)]
    routing: Routing = Routing.LONGEST_IDLE
    ringTimeout: Annotated[float, Field(le=3600)] | None = None
    maxMisses: Annotated[int, Field(le=1000)] | None = None
    wrapUpTimeout: Annotated[float, Field(le=86400)] | None = None
    defaultDisposition: Name | None = None
    callbackInDisposeDial: bool = False
    dialMode: DialMode = DialMode.MANUAL
    # The dialer's settings, checked by services/dialer_settings.py (docs/dialer.md).
    abandonLimit: float = abandon_percent(DEFAULT_ABANDON_LIMIT)
    """A percentage of live-answered calls: 3 is 3%."""
    abandonWindow: str = DEFAULT_ABANDON_WINDOW
    minRingSeconds: int = DEFAULT_MIN_RING_SECONDS
    callingHours: str = DEFAULT_CALLING_HOURS
    timeZone: str | None = None
    abandonMessage: str | None = None
    maxAttempts: int = DEFAULT_MAX_ATTEMPTS
    retryDelays: dict[str, int] = Field(
        default_factory=lambda: retry_delays_entry(DEFAULT_RETRY_DELAYS)
    )
    """Seconds by outcome (busy, noAnswer, machine, abandoned); one left out keeps its
    default."""
    retryDispositions: dict[str, int] = Field(default_factory=dict)
    """Seconds by disposition code: a call that reached a person, disposed with one of these,
    has its lead dialled again after that long. Codes not named are not retried."""
    # What its reports and wallboard measure it by, checked by services/report_settings.py
    # (docs/reports.md).
    serviceLevelSeconds: int = DEFAULT_SERVICE_LEVEL_SECONDS
    """A call answered within this many seconds of waiting counts toward the service level."""
    shortAbandonSeconds: int = DEFAULT_SHORT_ABANDON_SECONDS
    """A caller who hangs up sooner is a short abandon, left out of the service level."""
    wallboard: WallboardEntry = Field(default_factory=WallboardEntry)
    """Where the wallboard turns its service level and longest wait amber and red; a
    threshold left out keeps its default."""


class _Named(Strict):
    name: LongName


class CampaignEntry(CampaignSettings, _Named):
    """A campaign with its name (first, as bases give their fields in reverse order)."""


class AgentEntry(Strict):
    id: AgentId
    name: LongName
    authPolicy: AgentLogin = AgentLogin.ANY
    password: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    """A new password in clear (provisioning by hand); export writes `passwordHash`."""
    passwordHash: Annotated[str, Field(max_length=255)] | None = None
    campaigns: list[Name] = Field(default_factory=list)


class ExtensionEntry(Strict):
    name: Name
    phone: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z*#+._-]+$")]
    kind: ExtensionKind = ExtensionKind.PHONE
    """`phone` (a SIP phone of the agent's own) or `browser` (the toolbar's own phone)."""


class IvrEntry(Strict):
    name: Name
    description: Annotated[str, Field(max_length=200)] | None = None
    collectDigits: DigitCollectionEntry | None = None
    """None (or left out): the IVR only plays its prompt."""


def ivr_entry(ivr: Ivr) -> IvrEntry:
    return IvrEntry(
        name=ivr.name,
        description=ivr.description,
        collectDigits=digit_collection_entry(ivr.collect),
    )


class BreakReasonEntry(Strict):
    name: Name
    productive: bool = False


class SsoEntry(Strict):
    url: Annotated[str, Field(min_length=1, max_length=1000)]
    format: SsoFormat = SsoFormat.JSON


class WebhookEntry(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
    url: Annotated[str, Field(min_length=8, max_length=1000, pattern=r"^https?://")]
    secret: Annotated[str, Field(min_length=16, max_length=200)]


class Document(Strict):
    """The whole configuration. A section left out (or null) is left alone on import."""

    version: Annotated[int, Field(ge=FORMAT_VERSION, le=FORMAT_VERSION)] = FORMAT_VERSION
    campaigns: list[CampaignEntry] | None = None
    agents: list[AgentEntry] | None = None
    extensions: list[ExtensionEntry] | None = None
    ivrs: list[IvrEntry] | None = None
    breakReasons: list[BreakReasonEntry] | None = None
    allowedOrigins: list[Annotated[str, Field(max_length=300)]] | None = None
    """The stored origins (AGENTBAR_ALLOWED_ORIGINS is not part of the file)."""
    sso: SsoEntry | None = None
    """The stored SSO endpoint (not the environment's)."""
    webhooks: list[WebhookEntry] | None = None


@dataclass(frozen=True)
class Applied:
    campaigns: int
    agents: int
    extensions: int
    ivrs: int
    breakReasons: int
    allowedOrigins: int
    sso: int
    webhooks: int


def campaign_spec(name: str, body: CampaignSettings, agents: tuple[str, ...] = ()) -> CampaignSpec:
    """The campaign the settings describe, in the model's units (unchecked but for the names
    of the retry outcomes: InvalidConfiguration for one that is not known)."""
    plan = plan_of([(d.dispositionClass, d.dispositionCodes) for d in body.dispositions])
    try:
        retry_delays = retry_dispositions_of(
            retry_delays_of(body.retryDelays), body.retryDispositions, plan
        )
    except ValueError as error:
        raise InvalidConfiguration(str(error)) from None
    return CampaignSpec(
        name=name,
        kind=body.kind,
        plan=plan,
        agent_ids=agents,
        routing=body.routing,
        ring_timeout=body.ringTimeout,
        max_misses=body.maxMisses,
        wrap_up_timeout=body.wrapUpTimeout,
        default_disposition=body.defaultDisposition,
        callback_in_dispose_dial=body.callbackInDisposeDial,
        dial_mode=body.dialMode,
        abandon_limit=abandon_share(body.abandonLimit),
        abandon_window=body.abandonWindow,
        min_ring_seconds=body.minRingSeconds,
        calling_hours=body.callingHours,
        time_zone=body.timeZone,
        abandon_message=body.abandonMessage,
        max_attempts=body.maxAttempts,
        retry_delays=retry_delays,
        service_level_seconds=body.serviceLevelSeconds,
        short_abandon_seconds=body.shortAbandonSeconds,
        wallboard=wallboard_of(body.wallboard),
    )


def campaign_entry(campaign: Campaign) -> CampaignEntry:
    """A campaign as the document (and the admin API's answers) spell it."""
    return CampaignEntry(
        name=campaign.name,
        kind=campaign.kind,
        routing=campaign.routing,
        ringTimeout=campaign.ring_timeout,
        maxMisses=campaign.max_misses,
        wrapUpTimeout=campaign.wrap_up_timeout,
        defaultDisposition=campaign.default_disposition,
        callbackInDisposeDial=campaign.callback_in_dispose_dial,
        dialMode=campaign.dial_mode,
        abandonLimit=abandon_percent(campaign.abandon_limit),
        abandonWindow=campaign.abandon_window,
        minRingSeconds=campaign.min_ring_seconds,
        callingHours=campaign.calling_hours,
        timeZone=campaign.time_zone,
        abandonMessage=campaign.abandon_message,
        maxAttempts=campaign.max_attempts,
        retryDelays=retry_delays_entry(campaign.retry_delays),
        retryDispositions=dict(campaign.retry_delays.dispositions),
        serviceLevelSeconds=campaign.service_level_seconds,
        shortAbandonSeconds=campaign.short_abandon_seconds,
        wallboard=wallboard_entry(campaign.wallboard),
        dispositions=[
            DispositionClassEntry(dispositionClass=k.name, dispositionCodes=list(k.codes))
            for k in campaign.plan.classes
        ],
    )


def _once(names: Sequence[str], what: str, fold: bool = False) -> None:
    seen: set[str] = set()
    for name in names:
        key = name.casefold() if fold else name
        if key in seen:
            raise InvalidConfiguration(f"{what} '{name}' appears twice")
        seen.add(key)


class Configuration:
    def __init__(
        self,
        storage: Catalog,
        webhook_store: WebhookStore,
        events: EventLog,
        uow: UnitOfWork,
        runtime: Runtime,
        provisioning: Provisioning,
        crm_settings: CrmSettings,
        webhooks: Webhooks,
        passwords: Passwords,
        audit: Audit,
    ) -> None:
        self._storage = storage
        self._webhook_store = webhook_store
        self._events = events
        self._uow = uow
        self._runtime = runtime
        self._provisioning = provisioning
        self._crm = crm_settings
        self._webhooks = webhooks
        self._passwords = passwords
        self._audit = audit

    async def export(self) -> Document:
        agents = await self._storage.agent_summaries()
        stored_sso = self._crm.sso_endpoint()
        return Document(
            campaigns=[campaign_entry(c) for c in self._runtime.center.campaigns.values()],
            agents=[
                AgentEntry(
                    id=a.agent_id,
                    name=a.name,
                    authPolicy=AgentLogin(a.auth_policy),
                    passwordHash=a.password_hash,
                    campaigns=a.campaigns,
                )
                for a in agents
            ],
            extensions=[
                ExtensionEntry(name=e.name, phone=e.phone, kind=e.kind)
                for e in await self._storage.extensions()
            ],
            ivrs=[ivr_entry(ivr) for ivr in self._storage.ivr_details()],
            breakReasons=[
                BreakReasonEntry(name=r.name, productive=r.productive)
                for r in await self._storage.break_reasons()
            ],
            allowedOrigins=self._crm.stored_origins,
            sso=(
                SsoEntry(url=stored_sso.url, format=stored_sso.format)
                if stored_sso is not None and stored_sso.source == "stored"
                else None
            ),
            webhooks=[
                WebhookEntry(name=n, url=u, secret=s)
                for n, u, s, _ in await self._webhook_store.webhooks()
            ],
        )

    async def check(self, doc: Document) -> None:
        """Refuse the document (InvalidConfiguration) if any part of it is wrong."""
        try:
            await self._check(doc)
        except InvalidSetting as error:
            raise InvalidConfiguration(error.message) from None

    async def _check(self, doc: Document) -> None:
        center = self._runtime.center
        campaigns = doc.campaigns or []
        _once([c.name for c in campaigns], "campaign", fold=True)
        for entry in campaigns:
            existing = center.campaign_named(entry.name)
            if existing is not None and existing.name != entry.name:
                raise InvalidConfiguration(
                    f"campaign '{entry.name}': campaign '{existing.name}' exists already"
                )
            try:
                check_campaign(campaign_spec(entry.name, entry))
            except InvalidConfiguration as error:
                raise InvalidConfiguration(f"campaign '{entry.name}': {error.message}") from None
        campaign_names = {c.name for c in center.campaigns.values()} | {c.name for c in campaigns}
        agents = doc.agents or []
        _once([a.id for a in agents], "agent")
        for agent in agents:
            where = f"agent '{agent.id}'"
            try:
                check_agent(agent.password, agent.passwordHash, agent.authPolicy)
                _once(agent.campaigns, "campaign")
            except InvalidConfiguration as error:
                raise InvalidConfiguration(f"{where}: {error.message}") from None
            unknown = [c for c in agent.campaigns if c not in campaign_names]
            if unknown:
                raise InvalidConfiguration(f"{where}: no campaign named '{unknown[0]}'")
        extensions = doc.extensions or []
        _once([e.name for e in extensions], "extension")
        named = {e.name for e in extensions}
        owners = {e.phone: e.name for e in await self._storage.extensions() if e.name not in named}
        for extension in extensions:
            if extension.phone in owners:
                raise InvalidConfiguration(
                    f"extension '{extension.name}': phone {extension.phone} already belongs to "
                    f"'{owners[extension.phone]}'"
                )
            owners[extension.phone] = extension.name
        ivrs = doc.ivrs or []
        _once([i.name for i in ivrs], "IVR", fold=True)
        known_ivrs = {i.name.casefold(): i.name for i in self._storage.ivr_details()}
        for ivr in ivrs:
            same = known_ivrs.get(ivr.name.casefold())
            if same is not None and same != ivr.name:
                raise InvalidConfiguration(f"IVR '{ivr.name}': IVR '{same}' exists already")
        if doc.breakReasons is not None:
            _once([r.name for r in doc.breakReasons], "break reason", fold=True)
        if doc.allowedOrigins is not None:
            parse_origins(doc.allowedOrigins)
        if doc.sso is not None:
            parse_sso_url(doc.sso.url)
            await self._crm.check_sso_target(doc.sso.url)
        _once([w.name for w in doc.webhooks or []], "webhook")
        for hook in doc.webhooks or []:  # none may point inside the network (outbound_urls)
            reason = await self._webhooks.targets.refusal(hook.url, strict=False)
            if reason is not None:
                raise InvalidConfiguration(f"webhook '{hook.name}': {reason}")

    async def apply(self, doc: Document, *, client: str | None) -> Applied:
        """Check the whole document, then apply every section it has in one transaction;
        audited once, as an import, for the client that sent it."""
        await self.check(doc)
        # Hashing takes a thread and a while: done before the transaction, which must not
        # wait on anything while it holds the database.
        hashes = {
            agent.id: await asyncio.to_thread(self._passwords.hash, agent.password)
            for agent in doc.agents or []
            if agent.password is not None
        }
        try:
            async with self._uow.transaction():
                await self._store(doc, hashes)
        finally:
            # What is in force follows what is stored, whether the import landed or not.
            self._crm.load()
        if doc.webhooks:
            self._webhooks.changed()
        await self._provisioning.reload()
        await self._audit.change(ADMIN_IMPORT, client, "configuration")
        return counts_of(doc)

    async def _store(self, doc: Document, hashes: dict[str, str]) -> None:
        for entry in doc.campaigns or []:
            self._provisioning.store_campaign(campaign_spec(entry.name, entry))
        for agent in doc.agents or []:
            hashed = hashes.get(agent.id, agent.passwordHash)
            self._storage.upsert_agent(agent.id, agent.name, hashed, agent.authPolicy.value)
            missing = self._storage.set_agent_campaigns(agent.id, agent.campaigns)
            assert not missing  # checked above
        if doc.extensions is not None:
            self._storage.put_extensions(
                [Extension(e.name, e.phone, e.kind) for e in doc.extensions]
            )
        for ivr in doc.ivrs or []:
            self._storage.put_ivr(ivr.name, ivr.description, digit_collection_of(ivr.collectDigits))
        if doc.breakReasons is not None:
            self._storage.replace_break_reasons(
                [BreakReason(r.name, r.productive) for r in doc.breakReasons]
            )
        if doc.allowedOrigins is not None:
            self._crm.store_origins(doc.allowedOrigins)
        if doc.sso is not None:
            self._crm.store_sso(doc.sso.url, doc.sso.format.value)
        if doc.webhooks:
            cursor = await self._events.last_seq()
            for hook in doc.webhooks:
                await self._webhook_store.put_webhook(hook.name, hook.url, hook.secret, cursor)


def counts_of(doc: Document) -> Applied:
    """How many entries of each section the document has."""
    return Applied(
        campaigns=len(doc.campaigns or []),
        agents=len(doc.agents or []),
        extensions=len(doc.extensions or []),
        ivrs=len(doc.ivrs or []),
        breakReasons=len(doc.breakReasons or []),
        allowedOrigins=len(doc.allowedOrigins or []),
        sso=int(doc.sso is not None),
        webhooks=len(doc.webhooks or []),
    )
