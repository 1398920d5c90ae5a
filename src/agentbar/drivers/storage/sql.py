"""SqlDatabase: every storage port on one SQLAlchemy engine (a SQLite file by default)."""

from __future__ import annotations

import os
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from sqlalchemy import Engine

from agentbar.drivers.storage.bounds import DEFAULT_TIMEOUT
from agentbar.drivers.storage.catalog import SqlCatalog
from agentbar.drivers.storage.database import Connections
from agentbar.drivers.storage.dialogs import SqlDialogStore
from agentbar.drivers.storage.do_not_call import SqlDoNotCallStore
from agentbar.drivers.storage.events import SqlEventLog
from agentbar.drivers.storage.file_lock import DatabaseFileLock
from agentbar.drivers.storage.floor import SqlFloorStore
from agentbar.drivers.storage.leads import SqlLeadStore
from agentbar.drivers.storage.lease import SqlFloorLease
from agentbar.drivers.storage.reports import SqlReportStore
from agentbar.drivers.storage.sessions import SqlAuditLog, SqlSessionStore
from agentbar.drivers.storage.settings import SqlSettingsStore
from agentbar.drivers.storage.webhooks import SqlWebhookStore


def _owner_only(path: Path) -> None:
    """The SQLite file holds password hashes, CRM data and every call: readable by this user
    only (0600), created so if it is new. SQLite gives its -wal and -shm files the database
    file's mode."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


class SqlDatabase:
    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """`timeout`: seconds any one wait on the database may last (a lock, a slow disk, a
        pooled connection) before it raises StorageUnavailable."""
        self._db = Connections(url, timeout)
        self.events = SqlEventLog(self._db)
        self.floor = SqlFloorStore(self._db)
        self.lease = SqlFloorLease(self._db)
        self.dialogs = SqlDialogStore(self._db)
        self.sessions = SqlSessionStore(self._db)
        self.audit = SqlAuditLog(self._db)
        self.catalog = SqlCatalog(self._db)
        self.settings = SqlSettingsStore(self._db)
        self.leads = SqlLeadStore(self._db)
        self.webhooks = SqlWebhookStore(self._db)
        self.do_not_call = SqlDoNotCallStore(self._db)
        self.reports = SqlReportStore(self._db)
        self._file_lock: DatabaseFileLock | None = None

    @property
    def engine(self) -> Engine:
        return self._db.engine

    def claim(self) -> bool:
        """SQLite: lock the database file for this process (see file_lock.py); a server's
        database is shared by design."""
        url = self._db.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return False
        _owner_only(Path(url.database))
        if self._file_lock is None:
            self._file_lock = DatabaseFileLock(Path(url.database))
        self._file_lock.take()
        return True

    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._db.transaction()

    def migrate(self) -> None:
        self._db.migrate()

    def close(self) -> None:
        self._db.close()
        if self._file_lock is not None:
            self._file_lock.release()

    async def ping(self) -> None:
        await self._db.ping()
