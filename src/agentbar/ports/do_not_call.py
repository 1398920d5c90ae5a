"""The do-not-call list: numbers that must never be dialled, in any mode, each with an optional
note and the time it was listed. Numbers cross this port in E.164 form only; the service
normalises what an administrator typed before it gets here.

Every method is awaited: a driver runs its SQL off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DoNotCallEntry:
    phone: str
    """E.164, e.g. "+14085551212"."""
    note: str | None
    added_at: float
    """When the number was first listed (seconds since the epoch)."""


class DoNotCallStore(Protocol):
    async def put_number(self, entry: DoNotCallEntry) -> bool:
        """List the entry's number with its note. A number listed already keeps the time it
        was first listed and takes the new note. True if it was not listed before."""
        ...

    async def add_numbers(self, entries: Sequence[DoNotCallEntry]) -> int:
        """List every entry whose number is not listed yet, all in one transaction (all or
        none); numbers listed already are left as they are. How many were newly listed.
        `entries` holds each number once."""
        ...

    async def remove_number(self, phone: str) -> bool:
        """Take the number off the list; False if it was not listed."""
        ...

    async def number(self, phone: str) -> DoNotCallEntry | None:
        """The number's entry, or None if it is not listed."""
        ...

    async def listed(self, after: str | None, limit: int) -> list[DoNotCallEntry]:
        """Up to `limit` entries in the order of their numbers, those after the number
        `after` (from the first when None)."""
        ...

    async def numbers(self) -> frozenset[str]:
        """Every listed number."""
        ...
