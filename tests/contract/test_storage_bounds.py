"""A database that another process holds locked keeps nobody waiting past the storage's bound:
the write is refused with StorageUnavailable (nothing stored), the readiness probe says so,
and the event loop goes on meanwhile. Once the lock is gone, the same write goes through."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.ports import Envelope, StorageUnavailable, StoredMove
from examples.services.postgres import PostgresServer

BOUND = 0.5
"""The storage timeout these tests give the driver (seconds)."""

SLACK = 0.5
"""What a refusal may take beyond the bound: a thread hop, a rollback, a loaded machine."""


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Another connection holds the database's write lock (as another process would)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SqlDatabase]:
    database = SqlDatabase(f"sqlite:///{tmp_path / 'bounded.db'}", timeout=BOUND)
    database.migrate()
    yield database
    database.close()


async def longest_stall_while(work: asyncio.Task[object]) -> float:
    """The longest the loop went without running this task's next step while `work` ran."""
    longest = 0.0
    last = time.monotonic()
    while not work.done():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        longest = max(longest, now - last)
        last = now
    return longest


async def test_a_write_to_a_locked_database_is_refused_within_the_bound(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        write = asyncio.create_task(storage.dialogs.save("dialog-1", {"state": "early"}))
        stall = await longest_stall_while(write)
        with pytest.raises(StorageUnavailable, match="database is locked"):
            await write
        assert BOUND * 0.8 <= time.monotonic() - started < BOUND + SLACK
        assert stall < 0.2  # the wait was in a storage thread, not on the loop
    assert await storage.dialogs.load_all() == {}  # nothing was stored
    await storage.dialogs.save("dialog-1", {"state": "early"})  # the lock is gone: it goes in
    assert await storage.dialogs.load_all() == {"dialog-1": {"state": "early"}}


async def test_a_unit_of_work_on_a_locked_database_is_refused_within_the_bound(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            async with storage.transaction():
                await storage.dialogs.save("dialog-1", {})
        assert time.monotonic() - started < BOUND + SLACK
    async with storage.transaction():
        await storage.dialogs.save("dialog-1", {})
    assert list(await storage.dialogs.load_all()) == ["dialog-1"]


def test_a_synchronous_write_to_a_locked_database_is_refused_within_the_bound_too(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    """The ports' synchronous methods (configuration) run on their caller's thread: bounded
    the same, and refused as StorageUnavailable (HTTP 503), not as a driver's error."""
    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            storage.settings.put_setting("greeting", "hello")
        assert time.monotonic() - started < BOUND + SLACK
    assert storage.settings.setting("greeting") is None


async def test_a_unit_of_work_given_up_while_it_waits_leaves_no_lock_behind(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    async def unit() -> None:
        async with storage.transaction():
            await storage.dialogs.save("never", {})

    with sqlite_write_lock(tmp_path / "bounded.db"):
        waiting = asyncio.create_task(unit())
        for _ in range(3):  # until its storage thread waits for the lock
            await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    # The thread got the lock once it was let go; it must not keep it for nobody.
    await storage.dialogs.save("dialog-1", {})
    assert list(await storage.dialogs.load_all()) == ["dialog-1"]


async def test_reads_go_on_while_the_database_is_locked_for_writing(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    await storage.dialogs.save("dialog-1", {"state": "early"})
    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        assert await storage.dialogs.load_all() == {"dialog-1": {"state": "early"}}
        assert time.monotonic() - started < BOUND / 2


async def test_the_readiness_probe_tells_a_locked_database_within_its_bound(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    await storage.ping()
    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="database is locked"):
            await storage.ping()
        assert time.monotonic() - started < 1.0 + SLACK
    await storage.ping()


@pytest.mark.postgres
async def test_a_write_waiting_on_a_postgresql_lock_is_refused_within_the_bound(
    postgres: PostgresServer,
) -> None:
    url = postgres.new_database()
    storage = SqlDatabase(url, timeout=BOUND)
    storage.migrate()
    holder = create_engine(url)
    try:
        with holder.connect() as other:
            other.execute(text("LOCK TABLE sip_dialogs IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(StorageUnavailable):
                await storage.dialogs.save("dialog-1", {})
            assert time.monotonic() - started < BOUND + SLACK
            with pytest.raises(StorageUnavailable):  # a refused write: not ready for a while
                await storage.ping()
            other.rollback()
        await storage.dialogs.save("dialog-1", {})
        await storage.ping()  # a write went through since
    finally:
        holder.dispose()
        storage.close()


async def test_a_decided_write_on_a_locked_database_is_refused_before_anything_is_decided(
    storage: SqlDatabase, tmp_path: Path
) -> None:
    decided: list[int] = []

    def decide() -> list[StoredMove]:
        decided.append(len(decided) + 1)
        return [StoredMove([Envelope(len(decided), "agent.ready", 1.0, "a1", None, {})])]

    with sqlite_write_lock(tmp_path / "bounded.db"):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="database is locked"):
            await storage.events.record_decided(decide)
        assert BOUND * 0.8 <= time.monotonic() - started < BOUND + SLACK
    assert decided == []  # the floor in memory would still be what storage holds
    assert await storage.events.last_seq() == 0
    await storage.events.record_decided(decide)  # the lock is gone: decided, then stored
    assert decided == [1]
    assert await storage.events.last_seq() == 1
