"""The admin services (provisioning, CRM settings, webhooks, the configuration document) on a
given storage, with no web server and no telephone network: for service tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from agentbar.auth.crm_sso import CrmSso
from agentbar.auth.passwords import Passwords
from agentbar.clock import VirtualClock
from agentbar.config import Settings
from agentbar.domain.center import Center
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ports import Catalog, Storage, WebhookStore
from agentbar.services.audit import Audit
from agentbar.services.configuration import Configuration
from agentbar.services.crm_settings import CrmSettings
from agentbar.services.provisioning import Provisioning
from agentbar.services.runtime import Runtime
from agentbar.services.webhooks import Webhooks


@dataclass
class AdminServices:
    storage: Storage
    runtime: Runtime
    provisioning: Provisioning
    crm_settings: CrmSettings
    configuration: Configuration


def admin_services(
    storage: Storage,
    *,
    catalog: Catalog | None = None,
    webhook_store: WebhookStore | None = None,
) -> AdminServices:
    """The services on `storage`; `catalog` and `webhook_store`, if given, stand in for the
    storage's own (to inject a failure)."""
    catalog = catalog or storage.catalog
    webhook_store = webhook_store or storage.webhooks
    clock = VirtualClock()
    counter = itertools.count(1)
    center = Center(lambda kind: f"{kind}-{next(counter)}")
    simulator = Simulator(clock, center.new_id)
    runtime = Runtime(center, storage.events, MemoryBus(), simulator, clock, storage.floor)
    passwords = Passwords(memory_kib=8, time_cost=1)
    audit = Audit(storage.audit, clock)
    provisioning = Provisioning(catalog, storage, passwords, runtime, audit)
    crm_settings = CrmSettings(storage.settings, Settings(allowed_origins=[]), CrmSso(None), audit)
    crm_settings.load()
    configuration = Configuration(
        catalog,
        webhook_store,
        storage.events,
        storage,
        runtime,
        provisioning,
        crm_settings,
        Webhooks(webhook_store, storage.events),
        passwords,
        audit,
    )
    return AdminServices(storage, runtime, provisioning, crm_settings, configuration)
