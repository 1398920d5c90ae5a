"""A telephony driver's own dialogs with the phones, kept so that a process started after one
that died can still act on the calls the network kept up (hang up, hold, transfer). Written by
the driver itself, not with the floor's moves: a dialog changes on the wire (a re-INVITE), not
only when the floor does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class DialogStore(Protocol):
    """One document per dialog, by the driver's key for it (for SIP, the dialog's Call-ID).
    What a document holds is the driver's business; it must be plain JSON (strings, numbers,
    booleans, None, lists and string-keyed objects) and comes back equal to what was saved."""

    async def save(self, key: str, data: Mapping[str, Any]) -> None:
        """Keep `data` as the dialog's state, replacing what was kept under `key`."""
        ...

    async def forget(self, key: str) -> None:
        """The dialog ended: drop what was kept under `key` (nothing happens if nothing was)."""
        ...

    async def load_all(self) -> dict[str, dict[str, Any]]:
        """Every dialog kept, by key."""
        ...
