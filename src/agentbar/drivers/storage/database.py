"""The engine, its pragmas, migrations, upserts picked by dialect, and the ambient transaction.

Writes are small and run on the event loop's thread: with SQLite in WAL mode a commit costs
tens of microseconds, far less than handing work to a thread pool would.

Every store asks `Connections` for a connection. While a unit of work is open in the current
task, that is the unit's one connection (so its writes land together); otherwise each call
gets its own short transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

_MIGRATIONS = Path(__file__).parent / "migrations"

_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
"""Both dialects spell an upsert `INSERT … ON CONFLICT (…) DO UPDATE`; each has its own
builder for it."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class _Unit:
    """The connection of an open unit of work. `open` turns False when the unit ends, so a
    timer or task that copied the context while it was open does not use it afterwards."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.open = True


class Connections:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._insert = _DIALECT_INSERTS[self.engine.dialect.name]
        self._unit: ContextVar[_Unit | None] = ContextVar(f"unit-{id(self)}", default=None)

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    def _open_unit(self) -> _Unit | None:
        unit = self._unit.get()
        return unit if unit is not None and unit.open else None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection whose writes commit when the block ends (or with the open unit)."""
        unit = self._open_unit()
        if unit is not None:
            yield unit.connection
            return
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection to read through; inside a unit of work it sees the unit's writes."""
        unit = self._open_unit()
        if unit is not None:
            yield unit.connection
            return
        with self.engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._open_unit() is not None:
            yield  # joins the unit already open in this task
            return
        with self.engine.begin() as connection:
            unit = _Unit(connection)
            token = self._unit.set(unit)
            try:
                yield
            finally:
                unit.open = False
                self._unit.reset(token)

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
