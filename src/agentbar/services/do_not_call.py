"""The do-not-call list an administrator keeps: numbers checked and normalised to E.164 before
they are stored, one at a time or a whole CSV file at once (all or nothing), every change
audited, and whoever holds the list in force told after each change.

The CSV file: one number per line, optionally a note in a second column (quoted if it holds a
comma), optionally a header line `phone,note` first; blank lines are skipped. A bad line
refuses the whole file, naming the line and why.
"""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from agentbar.domain.model.errors import DomainError
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.ports import Clock, DoNotCallEntry, DoNotCallStore
from agentbar.services.audit import ADMIN_DELETE, ADMIN_IMPORT, ADMIN_PUT, Audit

NOTE_LIMIT = 200
"""Characters a note may hold (the column's size)."""
PAGE_LIMIT = 1000
"""Entries one page of the list may hold."""
IMPORT_LIMIT = 100_000
"""Numbers one file may list: the import is one write, which must end well within the
storage's bound on a wait (5 s by default) while the floor's moves queue behind it. Larger
lists are imported in parts."""


_NOT_IN_A_LINE = ("Cc", "Zl", "Zp")
"""Control characters and line or paragraph separators."""


class InvalidNote(DomainError):
    code = "invalid_note"


class MalformedCsv(DomainError):
    """A line of an imported file is not a number with an optional note; nothing was stored."""

    code = "malformed_csv"


@dataclass(frozen=True)
class CsvNumber:
    """A number read from a CSV line, as E.164, with the line it was on."""

    line: int
    phone: str
    note: str | None


@dataclass(frozen=True)
class Imported:
    added: int
    """Numbers newly listed."""
    already_listed: int
    """Lines whose number was listed already (before the import, or earlier in the file)."""


def checked_note(note: str | None) -> str | None:
    """The note as stored (surrounding blanks dropped, an empty one is none), or InvalidNote."""
    if note is None or not note.strip():
        return None
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidNote(f"a note holds at most {NOTE_LIMIT} characters, not {len(note)}")
    if any(unicodedata.category(ch) in _NOT_IN_A_LINE for ch in note):
        raise InvalidNote("a note is one line of text, without control characters")
    return note


def parse_csv(text: str) -> list[CsvNumber]:
    """Every number of the file in order, or MalformedCsv naming the first bad line."""
    found: list[CsvNumber] = []
    first_row = True
    for line, cells in _rows(text):
        if not any(cell.strip() for cell in cells):
            continue
        header, first_row = first_row and _is_header(cells), False
        if header:
            continue
        found.append(_number(line, cells))
        if len(found) > IMPORT_LIMIT:
            raise MalformedCsv(
                f"line {line}: a file lists at most {IMPORT_LIMIT} numbers; import it in parts"
            )
    return found


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted note may span lines)."""
    # Lines end at \n, \r or \r\n only (not at every Unicode line boundary, as with
    # str.splitlines), so line numbers are those an editor shows.
    lines = io.StringIO(text.removeprefix("\ufeff"), newline="")
    reader = csv.reader(lines, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise MalformedCsv(f"line {start}: not valid CSV ({error})") from None
        yield start, cells


def _is_header(cells: list[str]) -> bool:
    names = [cell.strip().lower() for cell in cells]
    return names in (["phone"], ["phone", "note"])


def _number(line: int, cells: list[str]) -> CsvNumber:
    if len(cells) > 2:
        raise MalformedCsv(
            f"line {line}: expected a number and an optional note, found {len(cells)} columns"
            " (quote a note that holds a comma)"
        )
    raw = cells[0].strip()
    if not raw:
        raise MalformedCsv(f"line {line}: no number before the note")
    try:
        phone = normalize_phone(raw)
        note = checked_note(cells[1] if len(cells) == 2 else None)
    except (InvalidPhone, InvalidNote) as error:
        raise MalformedCsv(f"line {line}: {error.message}") from None
    return CsvNumber(line, phone, note)


class DoNotCallList:
    """The list through the admin API. `changed` is awaited after every change that was
    stored (never after a refused one), before the change is audited: it puts the list in
    force on this node. The audit entry then tells the other nodes (see `Audit.changed`)."""

    def __init__(
        self,
        storage: DoNotCallStore,
        clock: Clock,
        audit: Audit,
        changed: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._audit = audit
        self.changed = changed
        """Puts the list in force on this node (the wiring sets it once it can)."""

    async def numbers(self) -> frozenset[str]:
        """Every listed number, E.164."""
        return await self._storage.numbers()

    async def page(
        self, after: str | None, limit: int
    ) -> tuple[Sequence[DoNotCallEntry], str | None]:
        """Up to `limit` entries in number order after the number `after`, and the number to
        ask after next (None when this page holds the last entry)."""
        limit = max(1, min(limit, PAGE_LIMIT))
        found = await self._storage.listed(after, limit + 1)
        if len(found) > limit:
            return found[:limit], found[limit - 1].phone
        return found, None

    async def entry(self, phone: str) -> DoNotCallEntry | None:
        """The number's entry (written any way phones.py accepts), or None if not listed;
        InvalidPhone if it is not a number."""
        return await self._storage.number(normalize_phone(phone))

    async def put(self, phone: str, note: str | None, *, client: str | None) -> DoNotCallEntry:
        """List the number (again: it keeps when it was first listed and takes the note).
        InvalidPhone or InvalidNote refuse it; nothing is stored then."""
        entry = DoNotCallEntry(normalize_phone(phone), checked_note(note), self._clock.now())
        await self._storage.put_number(entry)
        await self._stored(ADMIN_PUT, client, f"do-not-call '{entry.phone}'")
        stored = await self._storage.number(entry.phone)
        return stored or entry  # removed meanwhile by another admin: what was stored

    async def remove(self, phone: str, *, client: str | None) -> bool:
        """Take the number off the list; False if it was not listed (nothing is audited then).
        InvalidPhone if it is not a number."""
        normalized = normalize_phone(phone)
        if not await self._storage.remove_number(normalized):
            return False
        await self._stored(ADMIN_DELETE, client, f"do-not-call '{normalized}'")
        return True

    async def import_csv(self, text: str, *, client: str | None) -> Imported:
        """List every number of the CSV file not listed yet, all or nothing: MalformedCsv
        names the first bad line and nothing is stored. Numbers listed already keep their
        note."""
        # Parsed in a thread: a large file takes a second or more of parsing, which would
        # otherwise hold up every socket this process serves.
        found = await asyncio.to_thread(parse_csv, text)
        at = self._clock.now()
        first: dict[str, DoNotCallEntry] = {}
        for number in found:
            first.setdefault(number.phone, DoNotCallEntry(number.phone, number.note, at))
        added = await self._storage.add_numbers(list(first.values()))
        if added:
            what = f"do-not-call import: {added} number(s) added"
            await self._stored(ADMIN_IMPORT, client, what)
        return Imported(added, len(found) - added)

    async def _stored(self, action: str, client: str | None, what: str) -> None:
        if self.changed is not None:
            await self.changed()
        await self._audit.change(action, client, what)
