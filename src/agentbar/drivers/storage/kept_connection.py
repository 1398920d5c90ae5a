"""SQLite: the floor writer's own connection, kept open between its writes, so that the
database's write lock is taken on the loop's thread when it is free at once.

Each write of the floor takes the write lock before anything is decided
(`Connections.locked_write`). Taken in a storage thread, that is a hop to the thread and back
for a statement of microseconds when no other process holds the lock, and on a busy loop the
hop back waits behind whatever else the loop has to do (a screen pop's path, measured with
the server otherwise idle: 0.5 ms at p50 for a call's arrival, 2.3 ms for its answer, which
comes while the offer is being sent). Here the lock is tried on the loop's thread with no
wait (`busy_timeout` 0 for that one statement): free, it is had at once; held by another
process, the write waits for it in a storage thread as before, within its bound.

Nothing that may wait is done on the loop: the connection is opened (a file to open) in a
storage thread, once; the work and the commit run in a storage thread; a connection whose
work failed, or was abandoned while its thread ran on, is let go (closed in a storage thread
once that work is done) and another is opened later.
"""

from __future__ import annotations

import contextlib
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

_FAILED = (SQLAlchemyError, sqlite3.Error, OSError, ValueError)
"""What a statement on the connection may raise: through SQLAlchemy, or the driver's own for
the pragmas said to it directly."""


class KeptConnection:
    def __init__(self, threads: ThreadPoolExecutor, busy_timeout_ms: int) -> None:
        self._threads = threads
        """The storage threads: where the connection is opened and closed."""
        self._busy_timeout_ms = busy_timeout_ms
        self._connection: Connection | None = None
        self._opening = False
        self._work: Future[Any] | None = None
        """The storage thread's work on the connection, last handed to it."""

    @property
    def missing(self) -> bool:
        """No connection kept, none being opened: `open` one."""
        return self._connection is None and not self._opening

    def open(self, engine: Engine) -> None:
        """Open the connection in a storage thread; writes go on without it meanwhile."""
        self._opening = True

        def opened(future: Future[Connection]) -> None:
            self._opening = False
            if not future.cancelled() and future.exception() is None:
                self._connection = future.result()

        with contextlib.suppress(RuntimeError):  # the threads are shut down: none is opened
            self._threads.submit(engine.connect).add_done_callback(opened)
            return
        self._opening = False

    def begin_now(self) -> Connection | None:
        """On the loop's thread: the kept connection in a transaction holding the write lock,
        or None (none kept, its last work still running, or the lock held elsewhere)."""
        connection = self._connection
        if connection is None or (self._work is not None and not self._work.done()):
            return None
        try:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA busy_timeout=0")
            try:
                connection.begin()
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                raw.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        except _FAILED as failed:
            # Busy (another process writes), or a connection gone bad: the write waits for
            # the lock in a storage thread as before, and a bad connection is kept no more.
            self.end_now(connection)
            if not _busy(failed):
                self.let_go()
            return None
        return connection

    def end_now(self, connection: Connection) -> None:
        """On the loop's thread: end a transaction begun by `begin_now` that wrote nothing (a
        rollback of nothing lets the lock go at once)."""
        try:
            connection.rollback()
        except _FAILED:
            self.let_go()

    def working(self, work: Future[Any]) -> None:
        """The connection's transaction is in `work`, run by a storage thread."""
        self._work = work

    def let_go(self) -> None:
        """Keep the connection no more (its work failed or was abandoned, or it went bad): it
        is closed in a storage thread (closing may wait on the disk), once its work is done."""
        connection, work = self._connection, self._work
        self._connection = None
        if connection is None:
            return

        def close(_: object = None) -> None:
            with contextlib.suppress(RuntimeError):  # shut down: the process is ending
                self._threads.submit(connection.close)

        if work is None or work.done():
            close()
        else:
            work.add_done_callback(close)

    def close(self) -> None:
        """At shutdown, on the caller's thread."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def _busy(failed: Exception) -> bool:
    """Whether SQLite said the lock is held elsewhere (SQLITE_BUSY), through SQLAlchemy or not."""
    cause = getattr(failed, "orig", failed)
    return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
