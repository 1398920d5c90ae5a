"""The one place that picks concrete drivers by name and wires them to the services."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TypeVar

from agentbar.auth.crm_sso import CrmSso, SsoSettings
from agentbar.auth.login_tokens import LoginTokens
from agentbar.auth.passwords import Passwords
from agentbar.auth.sso_wire import SsoFormat
from agentbar.auth.throttle import LoginThrottle
from agentbar.clock import LoopClock
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.demo import DemoCredentials, seed_demo
from agentbar.domain.center import Center
from agentbar.domain.model.commands import AddLeads, RestoreCallbacks
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.bus.memory_link import MemoryFloorLink
from agentbar.drivers.bus.redis import RedisBus
from agentbar.drivers.bus.redis_link import RedisFloorLink
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ids import new_id
from agentbar.metrics import Metrics
from agentbar.ports import Clock, Envelope, EventBus, Sandbox, Storage, TelephonyDriver
from agentbar.ports.floor_link import FloorLink
from agentbar.services.audit import Audit
from agentbar.services.browser_phone import BrowserPhones
from agentbar.services.cluster import Cluster
from agentbar.services.configuration import Configuration
from agentbar.services.credentials import Credentials
from agentbar.services.crm_logouts import CrmLogouts
from agentbar.services.crm_settings import CrmSettings
from agentbar.services.desk import Desk
from agentbar.services.do_not_call import DoNotCallList
from agentbar.services.door import Door
from agentbar.services.event_replay import EventReplay
from agentbar.services.leads import LeadIntake
from agentbar.services.outbound_urls import OutboundTargets, literal_refusal
from agentbar.services.owner_gate import OwnerGate
from agentbar.services.ownership import FloorOwnership
from agentbar.services.provisioning import Provisioning, ivr_collection
from agentbar.services.readiness import Readiness
from agentbar.services.reports import Reports
from agentbar.services.retention import Retention
from agentbar.services.runtime import RECONFIGURE, Runtime
from agentbar.services.sandbox import SandboxCalls
from agentbar.services.sessions import Sessions
from agentbar.services.supervision import Supervision
from agentbar.services.unseen_events import UnseenEvents
from agentbar.services.webhooks import WebhookReceivers, Webhooks
from agentbar.sip_wiring import browser_phones, sip_driver
from agentbar.web.admission import AdmissionLimits
from agentbar.web.app_services import AppServices
from agentbar.web.edge import EdgePolicy
from agentbar.web.security import AdminToken
from agentbar.web.socket_budget import SocketBudget, SocketLimits

log = logging.getLogger(__name__)
T = TypeVar("T")

REFUSALS_GRACE = 0.5
"""Seconds between a move that could not be stored and giving the floor up: the failed moves'
clients get their refusals meanwhile (the runtime decides nothing more)."""


def _pick(kind: str, name: str, registry: dict[str, Callable[[], T]]) -> T:
    try:
        return registry[name]()
    except KeyError:
        known = ", ".join(sorted(registry))
        raise ConfigurationError(f"unknown {kind} driver '{name}' (known: {known})") from None


@dataclass
class Container:
    """Everything `build` wired, for starting and stopping it and for what `agentbar serve`
    announces. The web application never sees it: it is given `app_services`."""

    settings: Settings
    clock: Clock
    storage: Storage
    bus: EventBus
    link: FloorLink
    telephony: TelephonyDriver
    passwords: Passwords
    runtime: Runtime
    sessions: Sessions
    desk: Desk
    browser_phones: BrowserPhones
    sandbox: SandboxCalls | None
    leads: LeadIntake
    audit: Audit
    crm_logouts: CrmLogouts | None
    metrics: Metrics
    provisioning: Provisioning
    webhooks: Webhooks
    supervision: Supervision
    crm_settings: CrmSettings
    configuration: Configuration
    do_not_call: DoNotCallList
    admin_token: str
    demo_credentials: list[DemoCredentials] = field(default_factory=list)
    on_floor_lost: Callable[[str], None] = field(default_factory=lambda: restart_as_standby)
    """What happens to this process once it no longer owns the floor (tests replace it)."""

    @cached_property
    def ownership(self) -> FloorOwnership:
        return FloorOwnership(
            self.storage.lease,
            self.clock,
            self.settings.node_id,
            self.settings.lease_seconds,
            take=self._take_floor,
            lose=self.on_floor_lost,
            sockets=self.sessions.open_sockets,
            nodes_gone=self.sessions.forget_sockets_of,
        )

    @cached_property
    def unseen_events(self) -> UnseenEvents:
        return UnseenEvents(self.storage.events, self.bus)

    @cached_property
    def retention(self) -> Retention | None:
        """None: every call and event is kept (no AGENTBAR_REPORT_RETENTION_DAYS)."""
        days = self.settings.report_retention_days
        purged = self.metrics.report_rows_purged.inc
        return Retention(self.storage.reports, self.clock, days, purged=purged) if days else None

    @cached_property
    def cluster(self) -> Cluster:
        return Cluster(
            self.ownership, self.storage.lease, self.clock, serving=lambda: self.runtime.ready
        )

    @cached_property
    def app_services(self) -> AppServices:
        """What the web application is given: the services, and this container's start and
        stop; never the storage or the drivers."""
        return AppServices(
            admin_token=AdminToken(self.admin_token),
            clock=self.clock,
            bus=self.bus,
            runtime=self.runtime,
            readiness=Readiness(self.storage, self.bus, self.cluster),
            cluster=self.cluster,
            metrics=self.metrics,
            sessions=self.sessions,
            desk=self.desk,
            browser_phones=self.browser_phones,
            event_replay=EventReplay(self.storage.events),
            unseen_events=self.unseen_events,
            crm_settings=self.crm_settings,
            provisioning=self.provisioning,
            leads=self.leads,
            webhooks=WebhookReceivers(
                self.storage.webhooks, self.storage.events, self.webhooks, self.audit
            ),
            do_not_call=self.do_not_call,
            configuration=self.configuration,
            audit=self.audit,
            supervision=self.supervision,
            reports=Reports(
                self.storage.reports,
                self.storage.catalog,
                self.clock,
                self.settings.report_retention_days,
            ),
            sandbox=self.sandbox,
            start=self.start,
            stop=self.stop,
            edge=EdgePolicy.of(
                public_url=self.settings.public_url,
                allowed_hosts=self.settings.allowed_hosts,
                listen_host=self.settings.host,
                max_body_bytes=self.settings.max_body_bytes,
                max_upload_bytes=self.settings.max_upload_bytes,
                public_metrics=self.settings.public_metrics,
                api_docs=self.settings.api_docs,
            ),
            admission=AdmissionLimits(
                max_in_flight=self.settings.max_requests_in_flight,
                max_loop_lag=self.settings.max_loop_lag_ms / 1000,
                max_queue=self.settings.max_queue_ms / 1000,
            ),
            sockets=SocketBudget.of(
                SocketLimits(
                    rate=self.settings.socket_rate,
                    burst=self.settings.socket_burst,
                    queue=self.settings.socket_queue,
                    auth_timeout=self.settings.socket_auth_timeout,
                    per_address=self.settings.sockets_per_address,
                    total=self.settings.sockets_total,
                )
            ),
        )

    async def start(self) -> None:
        # First of all: a second server on an embedded database stops here, having done nothing.
        self.ownership.alone = self.storage.claim()
        self.storage.migrate()
        await self.bus.start()
        await self.link.start()
        self.crm_settings.load()
        if self.settings.demo:
            self.demo_credentials = seed_demo(self.storage.catalog, self.passwords)
        self.runtime.on_unstored = self._unstored
        self.do_not_call.changed = self._do_not_call_in_force
        self.runtime.provide(RECONFIGURE, self._reload_and_tell)
        self.audit.changed = self.runtime.reconfigured
        await self.ownership.step()  # a free lease is taken, and the floor with it, at once
        if not self.ownership.serving:
            log.info("node %s serves as a door: another node owns the floor", self.settings.node_id)
            self._open_door()
        self.ownership.start()

    def _open_door(self) -> None:
        """Serve this node's clients from a copy of the owner's floor, asking the owner to
        carry out what they ask for."""

        def see(envelope: Envelope) -> None:
            self.supervision.see(envelope)
            self.sessions.see(envelope)

        def loaded() -> None:
            # A reload may follow a new owner, which knows none of this node's sockets yet.
            self.sessions.report_sockets()
            self.supervision.reloaded()

        door = Door(
            self.runtime.center,
            self.link,
            self.storage.floor,
            configure=self._reload_here,
            pending_leads=self.storage.leads.pending_leads,
            last_seq=self.storage.events.last_seq,
            see=see,
            loaded=loaded,
            reloaded=self.unseen_events.reloaded,
        )
        self.runtime.door = door
        door.start()

    async def _reload_here(self) -> None:
        """Put in force here what is stored: campaigns, break reasons, IVRs, the do-not-call
        list, CRM settings and webhooks (another node changed them)."""
        await self.provisioning.reload()
        await self._do_not_call_in_force()
        self.crm_settings.load()
        self.webhooks.changed()

    async def _do_not_call_in_force(self) -> None:
        self.runtime.center.forbid_numbers(await self.do_not_call.numbers())

    async def _reload_and_tell(self, args: dict[str, object]) -> dict[str, object]:
        await self._reload_here()
        await self.runtime.reconfigured()
        return {}

    def _unstored(self, why: str) -> None:
        """A move could not be stored: the runtime decides nothing more, and once the failed
        moves' clients have had their refusals, the floor is given up (the process starts
        over from storage; see `restart_as_standby`)."""
        asyncio.get_running_loop().call_later(REFUSALS_GRACE, self.ownership.lost, why)

    async def _take_floor(self, epoch: int) -> None:
        """This node now owns the floor's lease: it takes the floor back from storage and
        serves it, every write fenced by `epoch`. A door stops following the last owner's
        floor first: what it takes over is what storage holds."""
        followed_up_to: int | None = None
        if self.runtime.door is not None:
            # Still a door until the runtime starts: what its clients ask meanwhile waits in
            # the link for this node to serve it.
            await self.runtime.door.stop()
            followed_up_to = self.runtime.door.followed_up_to
            self.runtime.center.forget_floor()
        self.runtime.fence = epoch
        self.runtime.center.configure(
            await self.storage.catalog.campaigns(),
            await self.storage.catalog.break_reasons(),
            await self.storage.catalog.ivrs(),
        )
        await self._do_not_call_in_force()
        # The live floor is stored with every move: take it back, sessions and calls included.
        restored = await self.runtime.restore()
        if followed_up_to is not None:
            # The last owner may have died between storing events and publishing them.
            self.unseen_events.reloaded(followed_up_to, await self.storage.events.last_seq())
            self.supervision.reloaded()
        await self.runtime.announce()  # before any other move of this epoch
        await self.runtime.start()
        kept, ended = await self.sessions.resume_left_over()
        if restored or kept or ended:
            log.info(
                "restored the floor: %d agent(s) and call(s), %d session(s) kept, %d ended",
                restored,
                kept,
                ended,
            )
        await self.runtime.recover()
        self.webhooks.start()
        if self.retention is not None:
            self.retention.start()  # the owner's work: one purge for the whole cluster
        leads = await self.storage.leads.pending_leads()
        if leads:
            await self.runtime.command(AddLeads(tuple(leads)))
        pending = await self.storage.leads.pending_callbacks()
        if pending:
            await self.runtime.command(RestoreCallbacks(tuple(pending)))
            log.info("restored %d scheduled callback(s)", len(pending))
        self.runtime.serve_doors()  # asks made meanwhile waited for this

    async def stop(self) -> None:
        await self.webhooks.stop()
        if self.retention is not None:
            await self.retention.stop()
        await self.sessions.stop()
        if self.crm_logouts is not None:
            await self.crm_logouts.stop()
        if self.runtime.door is not None:
            await self.runtime.door.stop()
        await self.runtime.stop()
        await self.ownership.stop()  # decided nothing since: the next owner need not wait
        await self.link.stop()
        await self.bus.stop()
        self.storage.close()


def restart_as_standby(why: str) -> None:
    """A node that lost the floor cannot trust what it holds in memory: it starts over as a
    new process (same command line, same pid), which serves as a door of the new owner and
    tries for the lease again. Its sockets close with it; toolbars reconnect through the load
    balancer and resume."""
    log.error("restarting as a node that stands by (%s)", why)
    logging.shutdown()
    os.execv(sys.executable, sys.orig_argv)


def build(settings: Settings) -> Container:
    clock = LoopClock()
    database_url = settings.resolved_database_url
    storage: Storage = _pick(
        "storage",
        settings.storage_driver,
        {
            "sqlite": lambda: SqlDatabase(database_url, timeout=settings.storage_timeout),
            "postgresql": lambda: SqlDatabase(database_url, timeout=settings.storage_timeout),
        },
    )
    buses: dict[str, Callable[[], EventBus]] = {
        "memory": MemoryBus,
        "redis": lambda: _redis(settings),
    }
    bus = _pick("bus", settings.bus, buses)
    link: FloorLink = (
        RedisFloorLink(settings.redis_url or "", settings.node_id)
        if settings.bus == "redis"
        else MemoryFloorLink()
    )
    simulator = Simulator(
        clock,
        new_id,
        answer_delay=settings.simulator_answer_delay,
        ivr_collection=partial(ivr_collection, storage.catalog),
    )
    center = Center(new_id)
    telephony_drivers: dict[str, Callable[[], TelephonyDriver]] = {
        "simulator": lambda: simulator,
        "sip": lambda: sip_driver(settings, center, storage),
    }
    telephony = _pick("telephony", settings.telephony, telephony_drivers)
    # Predictive dialing must play an abandoned call the campaign's message; SIP has no media
    # engine to play it yet, so there a predictive campaign dials progressively (none ahead).
    center.plays_messages = telephony is simulator
    sandbox: Sandbox | None = simulator if telephony is simulator else None
    passwords = Passwords()
    runtime = Runtime(center, storage.events, bus, telephony, clock, storage.floor, link)
    # The same target and ceiling as the node's own gate on API requests (web/admission.py).
    runtime.owner_gate = OwnerGate(settings.max_queue_ms / 1000, settings.max_requests_in_flight)
    # Always there: the admin API may configure an endpoint while the server runs.
    sso = CrmSso(_crm_sso(settings))
    crm_logouts = CrmLogouts(sso)
    try:
        tokens = LoginTokens(
            clock.now,
            secret=settings.token_secret.get_secret_value() if settings.token_secret else None,
            public_key_pem=settings.token_public_key,
        )
    except ValueError as error:
        raise ConfigurationError(f"AGENTBAR_TOKEN_PUBLIC_KEY: {error}") from None
    audit = Audit(storage.audit, clock)
    sessions = Sessions(
        runtime,
        storage.sessions,
        clock,
        settings.idle_timeout,
        max_age=settings.session_max_age,
        credentials=Credentials(storage.catalog, passwords, sso, tokens),
        throttle=LoginThrottle(clock.now),
        audit=audit,
        crm_logouts=crm_logouts,
        node_id=settings.node_id,
    )
    provisioning = Provisioning(storage.catalog, storage, passwords, runtime, audit)
    webhooks = Webhooks(
        storage.webhooks, storage.events, targets=OutboundTargets(settings.allow_private_targets)
    )
    metrics = Metrics(runtime.center, sessions, webhooks, clock)
    sso.observe = metrics.saw_sso_request
    crm_settings = CrmSettings(storage.settings, settings, sso, audit)
    runtime.watch(webhooks.see)
    runtime.watch(metrics.see)
    supervision = Supervision(runtime.center, clock)
    runtime.watch(supervision.see)
    return Container(
        settings=settings,
        clock=clock,
        storage=storage,
        bus=bus,
        link=link,
        telephony=telephony,
        passwords=passwords,
        runtime=runtime,
        sessions=sessions,
        desk=Desk(runtime, storage.events, storage.catalog),
        browser_phones=browser_phones(settings, runtime, clock, telephony),
        sandbox=SandboxCalls(runtime, sandbox) if sandbox is not None else None,
        leads=LeadIntake(runtime, storage.leads, audit),
        audit=audit,
        crm_logouts=crm_logouts,
        metrics=metrics,
        provisioning=provisioning,
        webhooks=webhooks,
        supervision=supervision,
        crm_settings=crm_settings,
        configuration=Configuration(
            storage.catalog,
            storage.webhooks,
            storage.events,
            storage,
            runtime,
            provisioning,
            crm_settings,
            webhooks,
            passwords,
            audit,
        ),
        do_not_call=DoNotCallList(storage.do_not_call, clock, audit),
        admin_token=settings.admin_token or secrets.token_urlsafe(24),
    )


def _redis(settings: Settings) -> RedisBus:
    if not settings.redis_url:
        raise ConfigurationError(
            "AGENTBAR_BUS=redis needs AGENTBAR_REDIS_URL (redis://host:port/db)"
        )
    return RedisBus(settings.redis_url)


def _crm_sso(settings: Settings) -> SsoSettings | None:
    """The endpoint from the environment (a stored one replaces it at start)."""
    if not settings.crm_sso_url:
        return None
    if not settings.crm_sso_url.startswith(("https://", "http://")):
        raise ConfigurationError(
            f"AGENTBAR_CRM_SSO_URL must be an http(s) URL, not '{settings.crm_sso_url}'"
        )
    # An address is refused here; a name is checked before each request (it may resolve later).
    refusal = None if settings.allow_private_targets else literal_refusal(settings.crm_sso_url)
    if refusal is not None:
        raise ConfigurationError(
            f"AGENTBAR_CRM_SSO_URL is refused: {refusal} (AGENTBAR_ALLOW_PRIVATE_TARGETS allows it)"
        )
    return SsoSettings(
        url=settings.crm_sso_url,
        format=SsoFormat(settings.crm_sso_format),
        connect_timeout=settings.crm_sso_connect_timeout,
        timeout=settings.crm_sso_timeout,
    )
