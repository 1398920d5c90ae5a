"""The DoNotCallStore port on SQL: one row per listed number (each method's SQL in a storage
thread, off the event loop)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads, writes
from agentbar.ports.do_not_call import DoNotCallEntry

_COLUMNS = ("phone", "note", "added_at")


class SqlDoNotCallStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def put_number(self, entry: DoNotCallEntry) -> bool:
        row = _row(entry)
        with self._db.write() as c:
            known = c.execute(
                select(t.do_not_call.c.phone).where(t.do_not_call.c.phone == entry.phone)
            ).first()
            # An upsert, not an insert after the look: another node may list it meanwhile.
            c.execute(self._db.upsert(t.do_not_call, ("phone",), _COLUMNS, update=("note",)), row)
            return known is None

    @writes
    def add_numbers(self, entries: Sequence[DoNotCallEntry]) -> int:
        if not entries:
            return 0
        with self._db.write() as c:
            before = _count(c)
            c.execute(self._db.insert_or_ignore(t.do_not_call), [_row(e) for e in entries])
            # Counted, not taken from rowcount, which a many-row statement need not report.
            return _count(c) - before

    @writes
    def remove_number(self, phone: str) -> bool:
        with self._db.write() as c:
            deleted = c.execute(t.do_not_call.delete().where(t.do_not_call.c.phone == phone))
            return deleted.rowcount == 1

    @reads
    def number(self, phone: str) -> DoNotCallEntry | None:
        with self._db.read() as c:
            row = c.execute(select(t.do_not_call).where(t.do_not_call.c.phone == phone)).first()
            return None if row is None else DoNotCallEntry(row.phone, row.note, row.added_at)

    @reads
    def listed(self, after: str | None, limit: int) -> list[DoNotCallEntry]:
        query = select(t.do_not_call).order_by(t.do_not_call.c.phone).limit(limit)
        if after is not None:
            query = query.where(t.do_not_call.c.phone > after)
        with self._db.read() as c:
            return [DoNotCallEntry(r.phone, r.note, r.added_at) for r in c.execute(query)]

    @reads
    def numbers(self) -> frozenset[str]:
        with self._db.read() as c:
            return frozenset(c.execute(select(t.do_not_call.c.phone)).scalars())


def _row(entry: DoNotCallEntry) -> dict[str, object]:
    return {"phone": entry.phone, "note": entry.note, "added_at": entry.added_at}


def _count(c: Connection) -> int:
    return int(c.execute(select(func.count()).select_from(t.do_not_call)).scalar_one())
