"""The storage as a whole: its stores, its lifecycle, and the unit of work around them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from agentbar.ports.catalog import Catalog
from agentbar.ports.dialogs import DialogStore
from agentbar.ports.do_not_call import DoNotCallStore
from agentbar.ports.event_log import EventLog
from agentbar.ports.floor import FloorStore
from agentbar.ports.leads import LeadStore
from agentbar.ports.lease import FloorLease
from agentbar.ports.reports import ReportStore
from agentbar.ports.sessions import AuditLog, SessionStore
from agentbar.ports.settings import SettingsStore
from agentbar.ports.webhooks import WebhookStore


class UnitOfWork(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """`async with uow.transaction():` — every store write inside lands together or, if
        the block raises, not at all. Writes by the same task join it (a nested transaction
        joins the outer one); reads inside see them. The block must not wait on anything
        that suspends for long (the network, a password hash): this process's other writes wait
        for it. Raises StorageUnavailable if the database takes no write within its bound."""
        ...


class StorageLifecycle(Protocol):
    def claim(self) -> bool:
        """Before anything else at start: True if this process now uses the storage alone (an
        embedded database file it has locked), so whatever holds the floor's lease is a dead
        process; False if the storage is shared by design (a database server). Raises
        StorageInUse if another live process uses an embedded database already."""
        ...

    def migrate(self) -> None:
        """Bring the schema up to date (idempotent)."""
        ...

    def close(self) -> None: ...

    async def ping(self) -> None:
        """Raises if the storage could not take a write now (readiness): StorageUnavailable if
        it is locked or too slow. Answers within about a second, never blocking the loop."""
        ...


class Storage(UnitOfWork, StorageLifecycle, Protocol):
    """Every store of one database; `bootstrap` hands each service the stores it uses."""

    @property
    def events(self) -> EventLog: ...

    @property
    def floor(self) -> FloorStore: ...

    @property
    def lease(self) -> FloorLease: ...

    @property
    def dialogs(self) -> DialogStore: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def settings(self) -> SettingsStore: ...

    @property
    def leads(self) -> LeadStore: ...

    @property
    def webhooks(self) -> WebhookStore: ...

    @property
    def do_not_call(self) -> DoNotCallStore: ...

    @property
    def reports(self) -> ReportStore: ...
