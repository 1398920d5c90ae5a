"""SQLite in a file: the floor writer takes the database's write lock on the loop's thread when
it is free, through a connection it keeps, and waits for it in a storage thread, within its
bound, when another process holds it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from agentbar.drivers.storage.database import Connections
from agentbar.ports import StorageUnavailable

MOST_WRITES = 200
"""Writes tried before the kept connection must be in use: it is opened in a storage thread
beside the first write, so one of the next few finds it."""


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Connections]:
    connections = Connections(f"sqlite:///{tmp_path / 'floor.db'}", timeout=0.5)
    with connections.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE marks (n INTEGER)")
    yield connections
    connections.close()


class Begins(list[str]):
    """The threads each `BEGIN IMMEDIATE` ran on, in order, from now on; `in_storage` is set
    when one runs in a storage thread."""

    def __init__(self, db: Connections) -> None:
        super().__init__()
        self.in_storage = asyncio.Event()
        loop = asyncio.get_running_loop()

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement == "BEGIN IMMEDIATE":
                self.append(threading.current_thread().name)
                if self[-1].startswith("storage"):
                    loop.call_soon_threadsafe(self.in_storage.set)

        event.listen(db.engine, "before_cursor_execute", seen)


def mark(db: Connections, n: int) -> Callable[[], Callable[[], None]]:
    def decide() -> Callable[[], None]:
        def work() -> None:
            with db.write() as c:
                c.exec_driver_sql(f"INSERT INTO marks VALUES ({n})")

        return work

    return decide


def marks(db: Connections) -> list[int]:
    with db.engine.connect() as c:
        return [row[0] for row in c.exec_driver_sql("SELECT n FROM marks ORDER BY n")]


async def write_until_begun_on_the_loop(db: Connections, begins: Begins) -> int:
    """Write until a write took the lock on the loop's thread; how many writes that took."""
    loop_thread = threading.current_thread().name
    for n in range(MOST_WRITES):
        await db.locked_write(mark(db, n))
        if begins[-1] == loop_thread:
            return n + 1
    raise AssertionError(f"no write took the lock on the loop's thread: {begins}")


async def test_once_kept_the_lock_is_taken_on_the_loops_thread(db: Connections) -> None:
    begins = Begins(db)
    writes = await write_until_begun_on_the_loop(db, begins)
    assert begins[0].startswith("storage")  # the first: nothing kept yet
    await db.locked_write(mark(db, 1000))
    assert begins[-1] == threading.current_thread().name  # and every one after
    assert marks(db) == [*range(writes), 1000]


async def test_a_lock_held_elsewhere_is_waited_for_in_a_storage_thread(
    db: Connections, tmp_path: Path
) -> None:
    begins = Begins(db)
    writes = await write_until_begun_on_the_loop(db, begins)
    other = sqlite3.connect(tmp_path / "floor.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write, in progress
    begins.in_storage.clear()
    writing = asyncio.create_task(db.locked_write(mark(db, 1000)))
    await begins.in_storage.wait()  # the writer gave up on the loop's thread, and waits
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await writing
    assert marks(db) == [*range(writes), 1000]
    await db.locked_write(mark(db, 1001))  # the kept connection is used again
    assert begins[-1] == threading.current_thread().name


async def test_a_lock_never_had_refuses_the_write_within_its_bound(
    db: Connections, tmp_path: Path
) -> None:
    begins = Begins(db)
    await write_until_begun_on_the_loop(db, begins)
    other = sqlite3.connect(tmp_path / "floor.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    decided: list[int] = []

    def decide() -> None:
        decided.append(1)

    with pytest.raises(StorageUnavailable):
        await db.locked_write(decide)
    assert decided == []  # refused before anything was decided
    other.execute("ROLLBACK")
    other.close()


async def test_work_that_fails_lets_the_kept_connection_go_and_writes_go_on(
    db: Connections,
) -> None:
    begins = Begins(db)
    writes = await write_until_begun_on_the_loop(db, begins)

    def failing() -> Callable[[], None]:
        def work() -> None:
            with db.write() as c:
                c.exec_driver_sql("INSERT INTO marks VALUES (999)")
                c.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

        return work

    with pytest.raises(Exception, match="no_such_table"):
        await db.locked_write(failing)
    await db.locked_write(mark(db, 1000))
    assert begins[-1].startswith("storage")  # a new connection is opened to be kept
    more = await write_until_begun_on_the_loop(db, begins)
    assert marks(db) == sorted([*range(writes), 1000, *range(more)])


async def test_a_kept_connection_gone_bad_is_let_go_and_writes_go_on(db: Connections) -> None:
    begins = Begins(db)
    writes = await write_until_begun_on_the_loop(db, begins)
    # The driver's connection closed under it, as a connection broken some other way would
    # be: the next write finds it unusable.
    kept = db._kept
    assert kept is not None
    assert kept._connection is not None
    raw = kept._connection.connection.dbapi_connection
    assert raw is not None
    raw.close()

    await db.locked_write(mark(db, 1000))
    assert begins[-1].startswith("storage")  # that write took the lock in a thread
    more = await write_until_begun_on_the_loop(db, begins)  # and a new one is kept
    assert marks(db) == sorted([*range(writes), 1000, *range(more)])
