"""The engine, migrations, upserts picked by dialect, and the ambient transaction — with the
stores' statements run off the event loop, each wait bounded.

SQL runs in a few storage threads of its own (`reading`, `writing`, and the `reads`/`writes`
decorators of the stores' awaitable methods), not on the event loop's thread: a database that
another process holds locked, or a slow disk, then holds up only the callers waiting on it,
while sockets, pings and /healthz go on. (The ports' few synchronous methods, configuration
and seeding, still run on their caller's thread.) Each wait is bounded (bounds.py) and one
that runs out raises StorageUnavailable. The hop to a thread and back costs a call some hundreds of
microseconds of latency on a busy two-core machine (one small commit: about 0.2 ms inline,
0.5 ms through the thread), not CPU the loop loses; the runtime's group commit pays it once a
batch. A stalled loop cost every socket seconds. (The floor writer's attempt at SQLite's write
lock runs on the loop's thread, and never waits: kept_connection.py.)

Writes take turns: one write or unit of work of this process at a time, as when they all ran
on the loop's thread. Waiting for the turn suspends the caller, not a thread, so a unit of work
that awaits between its statements always finds a thread for the next one. Reads need no turn.

Every store asks `Connections` for a connection. While a unit of work is open in the current
task, that is the unit's one connection (so its writes land together), used by one thread at a
time; otherwise each call gets its own short transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from agentbar.drivers.storage.bounds import (
    DEFAULT_TIMEOUT,
    engine_options,
    sqlite_pragmas,
    unavailable,
)
from agentbar.drivers.storage.kept_connection import KeptConnection
from agentbar.ports.values import StorageUnavailable

_MIGRATIONS = Path(__file__).parent / "migrations"

_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
"""Both dialects spell an upsert `INSERT … ON CONFLICT (…) DO UPDATE`; each has its own
builder for it."""

_THREADS = 4
"""Storage threads: one write at a time, the rest for reads (SQLite's WAL lets them run beside
a write); fewer than the pool's five connections, so a thread never waits for a connection."""

PROBE_BOUND = 1.0
"""Seconds the readiness probe waits for the database's write lock, at most."""

RECENT_REFUSAL = 10.0
"""Seconds a write refused for want of the database keeps a PostgreSQL database unready, unless
a write succeeds meanwhile (its probe, a plain read, cannot see a row lock)."""

T = TypeVar("T")
P = ParamSpec("P")

Statement = tuple[Executable, list[dict[str, Any]]]
"""A statement and the rows it is executed with (none: executed once, as it is)."""


def execute_all(c: Connection, statements: Iterable[Statement]) -> None:
    for statement, rows in statements:
        if rows:
            c.execute(statement, rows)
        else:
            c.execute(statement)


class _Unit:
    """The connection of an open unit of work. `open` turns False when the unit ends, so a
    timer or task that copied the context while it was open does not use it afterwards; `turn`
    keeps two threads (tasks that copied the context) from using it at once."""

    def __init__(self, connection: Connection, kept: Connection | None = None) -> None:
        self.connection = connection
        self.kept = kept
        """The connection, if it is the writer's kept one: not closed when the unit ends."""
        self.open = True
        self.turn = threading.RLock()


class Connections:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.engine: Engine = create_engine(url, **engine_options(make_url(url), timeout))
        self._sqlite = self.engine.dialect.name == "sqlite"
        if self._sqlite:
            event.listen(self.engine, "connect", sqlite_pragmas(timeout))
        self._insert = _DIALECT_INSERTS[self.engine.dialect.name]
        self._unit: ContextVar[_Unit | None] = ContextVar(f"unit-{id(self)}", default=None)
        self._threads = ThreadPoolExecutor(_THREADS, thread_name_prefix="storage")
        self._turn = asyncio.Lock()
        self._refused: tuple[float, StorageUnavailable] | None = None
        """When a write last failed for want of the database, and how; None once one
        succeeds."""
        database = make_url(url).database
        self._kept = (
            KeptConnection(self._threads, max(1, round(timeout * 1000)))
            if self._sqlite and database not in (None, "", ":memory:")
            else None
        )
        """SQLite in a file: the floor writer's connection, to take the write lock on the
        loop's thread when it is free (kept_connection.py). A memory database has one
        connection per thread, and PostgreSQL takes no lock before the writer's work."""

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # A migration may rewrite a large table: the bound is for serving, not this.
                connection.exec_driver_sql("SET statement_timeout = 0")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._kept is not None:
            self._kept.close()
        self.engine.dispose()

    # -- off the loop ------------------------------------------------------------------------

    async def reading(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` in a storage thread (inside an open unit, on its
        connection)."""
        return await self._in_thread(work, *args, **kwargs)

    async def writing(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` in a storage thread, in this process's turn to write (an
        open unit of work holds the turn already)."""
        if self._open_unit() is not None:
            return await self._in_thread(work, *args, **kwargs)
        async with self._write_turn():
            try:
                result = await self._in_thread(work, *args, **kwargs)
            except StorageUnavailable as refusal:
                self._refused = (time.monotonic(), refusal)
                raise
        self._refused = None
        return result

    async def _in_thread(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        context = contextvars.copy_context()  # the open unit of work, if any, goes along

        def call() -> T:
            return context.run(work, *args, **kwargs)

        with self._bounded():
            return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        try:
            if self._turn.locked():  # else it is taken at once, without a timer's task
                await asyncio.wait_for(self._turn.acquire(), self.timeout)
            else:
                await self._turn.acquire()
        except TimeoutError:
            raise StorageUnavailable(
                f"the database took no write of this process for {self.timeout:g} s"
            ) from None
        try:
            yield
        finally:
            self._turn.release()

    # -- connections -------------------------------------------------------------------------

    def _open_unit(self) -> _Unit | None:
        unit = self._unit.get()
        return unit if unit is not None and unit.open else None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection whose writes commit when the block ends (or with the open unit)."""
        with self._connection(self.engine.begin) as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection to read through; inside a unit of work it sees the unit's writes."""
        with self._connection(self.engine.connect) as connection:
            yield connection

    @contextmanager
    def _connection(
        self, own: Callable[[], AbstractContextManager[Connection]]
    ) -> Iterator[Connection]:
        """The open unit's connection, in its turn; else one of its own from `own`."""
        unit = self._open_unit()
        with self._bounded():
            if unit is not None:
                with unit.turn:
                    yield unit.connection
                return
            with own() as connection:
                yield connection

    @contextmanager
    def _bounded(self) -> Iterator[None]:
        """A wait that ran out raises StorageUnavailable, wherever the SQL runs (the ports'
        synchronous methods run it on their caller's thread)."""
        try:
            yield
        except Exception as error:
            refusal = unavailable(error, self.timeout)
            if refusal is None:
                raise
            raise refusal from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._open_unit() is not None:
            yield  # joins the unit already open in this task
            return
        async with self._write_turn():
            unit = _Unit(await self._begin_unit_off_loop())
            token = self._unit.set(unit)
            try:
                yield
            except BaseException:
                unit.open = False
                self._unit.reset(token)
                await self._in_thread(_end_unit, unit.connection, commit=False)
                raise
            unit.open = False
            self._unit.reset(token)
            await self._in_thread(_end_unit, unit.connection, commit=True)

    async def locked_write(self, decide: Callable[[], Callable[[], None] | None]) -> None:
        """Take this process's turn to write and the database's write lock, then `decide()`
        here, on the loop's thread, what to write: the work it returns runs in a storage
        thread, on the locked connection, and commits. A lock not had within the bound raises
        StorageUnavailable before `decide` runs, so a caller that decides only in `decide`
        has decided nothing; None from `decide` writes nothing."""
        async with self._write_turn():
            kept = self._kept
            begun_here = kept.begin_now() if kept is not None else None
            try:
                unit = _Unit(begun_here or await self._begin_unit_off_loop(), begun_here)
            except StorageUnavailable as refusal:
                self._refused = (time.monotonic(), refusal)
                raise
            finally:
                if kept is not None and kept.missing:
                    kept.open(self.engine)
            try:
                work = decide()
            except BaseException:
                unit.open = False
                if kept is not None and unit.kept is not None:
                    kept.end_now(unit.kept)
                else:
                    self._threads.submit(_end_unit, unit.connection, commit=False)
                raise
            if work is None:
                unit.open = False
                if kept is not None and unit.kept is not None:
                    kept.end_now(unit.kept)
                else:
                    await self._in_thread(_end_unit, unit.connection, commit=False)
                return
            token = self._unit.set(unit)  # the work's own `write()` joins the locked unit
            try:
                await self._work_in_thread(unit, work)
            except StorageUnavailable as refusal:
                self._refused = (time.monotonic(), refusal)
                raise
            finally:
                self._unit.reset(token)
        self._refused = None

    async def _work_in_thread(self, unit: _Unit, work: Callable[[], None]) -> None:
        context = contextvars.copy_context()  # the open unit of work goes along
        running = self._threads.submit(context.run, _work_then_end, unit, work)
        kept = self._kept if unit.kept is not None else None
        if kept is not None:
            kept.working(running)
        try:
            with self._bounded():
                await asyncio.wrap_future(running)
        except BaseException:
            if kept is not None:
                kept.let_go()  # failed, or abandoned to its thread
            raise

    async def _begin_unit_off_loop(self) -> Connection:
        beginning = asyncio.ensure_future(self._in_thread(self._begin_unit))
        try:
            return await asyncio.shield(beginning)
        except asyncio.CancelledError:
            # The thread goes on and may yet open the unit, holding the write lock: let go of
            # it then, as nobody will use it.
            beginning.add_done_callback(self._abandon_unit)
            raise

    def _abandon_unit(self, beginning: asyncio.Future[Connection]) -> None:
        if not beginning.cancelled() and beginning.exception() is None:
            self._threads.submit(_end_unit, beginning.result(), commit=False)

    def _begin_unit(self) -> Connection:
        connection = self.engine.connect()
        try:
            connection.begin()
            if self._sqlite:
                # The write lock now, in a storage thread: a unit's statements may run on the
                # loop's thread (a synchronous store method), and must not wait for it there.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            connection.close()
            raise
        return connection

    # -- readiness ---------------------------------------------------------------------------

    async def ping(self) -> None:
        """Raises StorageUnavailable unless the database would take a write now; answers
        within about PROBE_BOUND seconds whatever the database does."""
        bound = min(PROBE_BOUND, self.timeout)
        try:
            await asyncio.wait_for(self._in_thread(self._probe, bound), bound + 0.5)
        except TimeoutError:
            raise StorageUnavailable(f"the database did not answer within {bound:g} s") from None
        refused = self._refused
        if not self._sqlite and refused and time.monotonic() - refused[0] < RECENT_REFUSAL:
            raise refused[1]

    def _probe(self, bound: float) -> None:
        with self.engine.connect() as c:
            if not self._sqlite:
                c.execute(select(1))
                return
            # Take the write lock and let it go at once: a lock another process holds shows
            # here within `bound`, where a read (WAL) would go through.
            c.exec_driver_sql(f"PRAGMA busy_timeout={round(bound * 1000)}")
            try:
                c.exec_driver_sql("BEGIN IMMEDIATE")
                c.exec_driver_sql("ROLLBACK")
            finally:
                c.exec_driver_sql(f"PRAGMA busy_timeout={round(self.timeout * 1000)}")

    # -- statements --------------------------------------------------------------------------

    def upsert(
        self,
        table: Table,
        index: tuple[str, ...],
        columns: Iterable[str],
        *,
        update: Iterable[str] | None = None,
    ) -> Insert:
        return upsert_statement(self.engine.dialect.name, table, index, columns, update=update)

    def insert_or_ignore(self, table: Table) -> Insert:
        """`INSERT … ON CONFLICT DO NOTHING`."""
        return self._insert(table).on_conflict_do_nothing()


def _work_then_end(unit: _Unit, work: Callable[[], None]) -> None:
    """Run `work` in the open unit, then commit it (or roll it back if the work failed)."""
    keep = unit.kept is not None
    try:
        work()
    except BaseException:
        unit.open = False
        _end_unit(unit.connection, commit=False, close=not keep)
        raise
    unit.open = False
    _end_unit(unit.connection, commit=True, close=not keep)


def _end_unit(connection: Connection, *, commit: bool, close: bool = True) -> None:
    try:
        if commit:
            connection.commit()
        else:
            connection.rollback()
    finally:
        if close:
            connection.close()


class OnConnections(Protocol):
    """A store: its methods' SQL goes through `_db`."""

    @property
    def _db(self) -> Connections: ...


S = TypeVar("S", bound=OnConnections)


def reads(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A store method that only reads, made awaitable: its body runs in a storage thread."""

    @functools.wraps(method)
    async def off_loop(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._db.reading(method, self, *args, **kwargs)

    return off_loop


def writes(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A store method that writes, made awaitable: its body runs in a storage thread, in this
    process's turn to write."""

    @functools.wraps(method)
    async def off_loop(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._db.writing(method, self, *args, **kwargs)

    return off_loop


_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Insert] = {}


def upsert_statement(
    dialect: str,
    table: Table,
    index: tuple[str, ...],
    columns: Iterable[str],
    *,
    update: Iterable[str] | None = None,
) -> Insert:
    """`INSERT … ON CONFLICT (index) DO UPDATE` of `update` (default: every column not in the
    index) in the dialect's spelling, built once per column set and executed with the values
    as parameters. Built with the values inside, the statement cost SQLAlchemy a coercion and
    a cache key per value on every write: once the largest share of the server's CPU per call
    (docs/BENCHMARKS.md)."""
    names = tuple(columns)
    changed = tuple(update) if update is not None else tuple(n for n in names if n not in index)
    key = (dialect, table.name, names, changed)
    statement = _UPSERTS.get(key)
    if statement is None:
        base = _DIALECT_INSERTS[dialect](table)
        statement = base.on_conflict_do_update(
            index_elements=list(index), set_={name: base.excluded[name] for name in changed}
        )
        _UPSERTS[key] = statement
    return statement
