"""How long the database may keep a caller waiting, and what a wait past that bound becomes.

Every wait is bounded by one setting (`storage_timeout`): SQLite waits that long for a lock
another connection or process holds (its busy timeout), PostgreSQL that long for a row lock
(`lock_timeout`) or a statement (`statement_timeout`), and the connection pool that long for a
free connection. A wait that runs out, or a database that cannot be reached, becomes
`StorageUnavailable`: nothing was written, and the client may try again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import URL

from agentbar.ports.values import StorageUnavailable

DEFAULT_TIMEOUT = 5.0
"""Seconds, as `Settings.storage_timeout` defaults to."""

_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "busy", "unable to open")
"""What SQLite says when it waited out its busy timeout, or cannot reach the file."""

_POSTGRES_UNAVAILABLE = {"55P03", "57014", "57P01", "57P03", "53300"}
"""lock_not_available (lock_timeout), query_canceled (statement_timeout), admin_shutdown,
cannot_connect_now, too_many_connections; a code of class 08 (a lost connection) too."""


def engine_options(url: URL, timeout: float) -> dict[str, Any]:
    """`create_engine` keywords that bound every wait on the database by `timeout` seconds."""
    options: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend == "sqlite":
        options["connect_args"] = {"timeout": timeout}
    elif backend == "postgresql":
        millis = max(1, round(timeout * 1000))
        options["connect_args"] = {
            "options": f"-c lock_timeout={millis} -c statement_timeout={millis}",
            "connect_timeout": max(1, math.ceil(timeout)),
        }
    if url.database not in (None, "", ":memory:") or backend != "sqlite":
        options["pool_timeout"] = timeout  # a memory database has no pool to wait for
    return options


def sqlite_pragmas(timeout: float) -> Callable[[Any, Any], None]:
    """What every new SQLite connection is set up with."""

    def set_up(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # The same bound as the `timeout` connect argument, said again so it holds whatever
        # the driver does with that argument.
        cursor.execute(f"PRAGMA busy_timeout={max(1, round(timeout * 1000))}")
        cursor.close()

    return set_up


def unavailable(error: BaseException, timeout: float) -> StorageUnavailable | None:
    """The StorageUnavailable that `error` means, or None if it means something else (a
    constraint, a bug): those keep their own meaning."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return _refusal(f"no database connection came free within {timeout:g} s", error)
    if not isinstance(error, exc.OperationalError | exc.InterfaceError):
        return None
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if isinstance(code, str):
        if code in _POSTGRES_UNAVAILABLE or code.startswith("08"):
            return _refusal(f"the database did not answer within {timeout:g} s", error)
        return None
    message = str(original).lower()
    if any(sign in message for sign in _SQLITE_UNAVAILABLE) or error.connection_invalidated:
        return _refusal(f"the database did not answer within {timeout:g} s", error)
    return None


def _refusal(what: str, error: BaseException) -> StorageUnavailable:
    original = getattr(error, "orig", None) or error
    refusal = StorageUnavailable(f"{what} ({str(original).splitlines()[0]})")
    refusal.__cause__ = error
    return refusal
