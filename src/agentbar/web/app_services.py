"""What the web application is given: the services it serves with, and how to start and stop
them. The composition root builds it; the web layer knows nothing of drivers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from agentbar.metrics import Metrics
from agentbar.ports import Clock, EventBus
from agentbar.services.audit import Audit
from agentbar.services.browser_phone import BrowserPhones
from agentbar.services.cluster import Cluster
from agentbar.services.configuration import Configuration
from agentbar.services.crm_settings import CrmSettings
from agentbar.services.desk import Desk
from agentbar.services.do_not_call import DoNotCallList
from agentbar.services.event_replay import EventReplay
from agentbar.services.leads import LeadIntake
from agentbar.services.provisioning import Provisioning
from agentbar.services.readiness import Readiness
from agentbar.services.reports import Reports
from agentbar.services.runtime import Runtime
from agentbar.services.sandbox import SandboxCalls
from agentbar.services.sessions import Sessions
from agentbar.services.supervision import Supervision
from agentbar.services.unseen_events import UnseenEvents
from agentbar.services.webhooks import WebhookReceivers
from agentbar.web.admission import AdmissionLimits
from agentbar.web.edge import EdgePolicy
from agentbar.web.security import AdminToken
from agentbar.web.socket_budget import SocketBudget


@dataclass(frozen=True)
class AppServices:
    admin_token: AdminToken
    clock: Clock
    bus: EventBus
    runtime: Runtime
    readiness: Readiness
    cluster: Cluster
    metrics: Metrics
    sessions: Sessions
    desk: Desk
    browser_phones: BrowserPhones
    event_replay: EventReplay
    unseen_events: UnseenEvents
    crm_settings: CrmSettings
    provisioning: Provisioning
    leads: LeadIntake
    webhooks: WebhookReceivers
    do_not_call: DoNotCallList
    configuration: Configuration
    audit: Audit
    supervision: Supervision
    reports: Reports
    sandbox: SandboxCalls | None
    """None unless telephony is the simulator."""
    start: Callable[[], Awaitable[None]]
    """Run before the first request (migrations, stored settings, the runtime)."""
    stop: Callable[[], Awaitable[None]]
    edge: EdgePolicy = field(default_factory=EdgePolicy)
    """Hosts answered, body limits, /metrics and /docs (the settings of `web.edge`)."""
    sockets: SocketBudget = field(default_factory=SocketBudget)
    """What each toolbar and supervisor socket may spend, and the one count of open sockets."""
    admission: AdmissionLimits = field(default_factory=AdmissionLimits)
    """When new work is refused at once instead of queued (the settings of `web.admission`)."""
