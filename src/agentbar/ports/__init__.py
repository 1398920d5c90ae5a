"""The contracts between the services and the drivers; each driver implements some of these.

The services see only these Protocols; `bootstrap` is the one place that picks concrete
drivers. One module per concern; everything is re-exported here.
"""

from agentbar.ports.bus import EventBus, Subscription, SubscriptionClosed
from agentbar.ports.catalog import Catalog
from agentbar.ports.clock import Cancellable, Clock
from agentbar.ports.database import Storage, StorageLifecycle, UnitOfWork
from agentbar.ports.dialogs import DialogStore
from agentbar.ports.do_not_call import DoNotCallEntry, DoNotCallStore
from agentbar.ports.event_log import EventLog, StoredMove
from agentbar.ports.floor import FloorStore
from agentbar.ports.leads import LeadStore
from agentbar.ports.lease import FloorLease
from agentbar.ports.media import MediaRooms, MediaUnavailable
from agentbar.ports.sessions import AuditLog, SessionStore
from agentbar.ports.settings import SettingsStore
from agentbar.ports.telephony import AbandonRecord, CustomerBehaviour, Sandbox, TelephonyDriver
from agentbar.ports.values import (
    AgentRecord,
    AgentSummary,
    AuditEntry,
    CallRecord,
    Envelope,
    Fenced,
    LeaseState,
    NodeSeen,
    SessionRecord,
    StorageConflict,
    StorageInUse,
    StorageUnavailable,
)
from agentbar.ports.webhooks import WebhookStore

__all__ = [
    "AbandonRecord",
    "AgentRecord",
    "AgentSummary",
    "AuditEntry",
    "AuditLog",
    "CallRecord",
    "Cancellable",
    "Catalog",
    "Clock",
    "CustomerBehaviour",
    "DialogStore",
    "DoNotCallEntry",
    "DoNotCallStore",
    "Envelope",
    "EventBus",
    "EventLog",
    "Fenced",
    "FloorLease",
    "FloorStore",
    "LeadStore",
    "LeaseState",
    "MediaRooms",
    "MediaUnavailable",
    "NodeSeen",
    "Sandbox",
    "SessionRecord",
    "SessionStore",
    "SettingsStore",
    "Storage",
    "StorageConflict",
    "StorageInUse",
    "StorageLifecycle",
    "StorageUnavailable",
    "StoredMove",
    "Subscription",
    "SubscriptionClosed",
    "TelephonyDriver",
    "UnitOfWork",
    "WebhookStore",
]
