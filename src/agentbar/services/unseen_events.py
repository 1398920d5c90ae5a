"""Stored events this node's sockets may never have been handed.

An owner stores a move's events, then publishes them. If it dies in between (or its publishing
fails), storage holds events the bus never carried, and a toolbar on another node would miss
them for good: its socket stays open, so it never resumes from storage. A node finds such a
range when it reloads the floor from storage — a door's copy reloaded after a new owner's first
move or a gap, or the floor taken over by this node: the events stored after the last one it
followed, up to what storage holds.

Each range found counts in `found`. A socket that sees `found` move reads its agent's events
in the ranges from storage and sends those it has not sent, before anything newer — so nothing
stored is lost, and nothing comes out of order. The events are also handed to this node's
subscribers (`deliver_here`), so a socket with nothing else coming wakes up to them.
"""

from __future__ import annotations

import asyncio
import logging

from agentbar.ports import EventBus, EventLog

log = logging.getLogger(__name__)

WAKE_LIMIT = 1000
"""At most this many events of a range are handed to the subscribers; a socket that sees the
range reads its own agent's from storage anyway."""


class UnseenEvents:
    def __init__(self, storage: EventLog, bus: EventBus) -> None:
        self._storage = storage
        self._bus = bus
        self._ranges: list[tuple[int, int]] = []
        """Every range found, in order: events after the first seq, up to the second."""
        self._wakes: set[asyncio.Task[None]] = set()

    @property
    def found(self) -> int:
        return len(self._ranges)

    def since(self, seen: int) -> tuple[int, int] | None:
        """The events a socket that saw `seen` ranges may have missed, as one range (after,
        up to), or None."""
        newer = self._ranges[seen:]
        if not newer:
            return None
        return min(after for after, _ in newer), max(up_to for _, up_to in newer)

    def reloaded(self, followed_up_to: int, stored_up_to: int) -> None:
        """The floor here was (re)loaded from storage, which holds events up to
        `stored_up_to`, while this node had followed them up to `followed_up_to`. Called before
        the reloaded floor is read, so a socket that waits for it sees the range."""
        if stored_up_to <= followed_up_to:
            return
        self._ranges.append((followed_up_to, stored_up_to))
        log.info("events %d to %d may not have reached this node's sockets: sending them from "
                 "storage", followed_up_to + 1, stored_up_to)  # fmt: skip
        wake = asyncio.get_running_loop().create_task(
            self._wake(followed_up_to, stored_up_to), name="unseen-events"
        )
        self._wakes.add(wake)
        wake.add_done_callback(self._wakes.discard)

    async def _wake(self, after: int, up_to: int) -> None:
        try:
            for envelope in await self._storage.events_since(after, WAKE_LIMIT):
                if envelope.seq > up_to:
                    break
                self._bus.deliver_here(envelope)
        except Exception:  # the sockets still find the range on their next event
            log.exception("handing events %d to %d to this node's sockets failed", after, up_to)
