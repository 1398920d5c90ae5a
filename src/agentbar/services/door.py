"""A door: a node that serves sockets and the API while another node owns the floor.

It keeps a copy of the floor to read from — the owner's center, mirrored move by move from the
floor link — and never decides on it: the runtime sends what this node's clients ask for to the
owner. The copy starts from storage and is reloaded from storage whenever the feed of moves
may have lost one (a gap in the numbers, a new owner, a broken feed); the moves that arrived
while it loaded are applied after it, which `FloorState.follow` makes safe.

A door's client reads its own writes: the owner's answer names the last move it had published,
and `caught_up_with` waits until the copy holds that move (or was reloaded after it). A reload
set off by a move holds that move (it was stored before it was told), so the copy knows it holds
it even before the next move comes: after a failover, the first move of the new owner is often
the answer to this very door's ask.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from agentbar.domain.center import Center
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.lead_book import Lead
from agentbar.ports import Envelope, FloorStore, SubscriptionClosed
from agentbar.ports.floor_link import FloorAnswer, FloorLink, FloorMove

log = logging.getLogger(__name__)

CATCH_UP_PATIENCE = 5.0
"""Seconds a door waits for its copy to show what the owner answered, before it goes on."""


class Door:
    def __init__(
        self,
        center: Center,
        link: FloorLink,
        floor: FloorStore,
        *,
        configure: Callable[[], Awaitable[None]],
        pending_leads: Callable[[], Awaitable[Sequence[Lead]]],
        last_seq: Callable[[], Awaitable[int]],
        see: Callable[[Envelope], None],
        loaded: Callable[[], None],
        reloaded: Callable[[int, int], None],
    ) -> None:
        self._center = center
        self._link = link
        self._floor = floor
        self._configure = configure
        self._pending_leads = pending_leads
        self._last_seq = last_seq
        self._see = see
        self._loaded_hook = loaded
        self._reloaded = reloaded
        self._seq = 0
        """The copy holds every event up to this `seq` (and what its move changed)."""
        self._held: tuple[int, int] | None = None
        """The last move (epoch, number) the copy is known to hold, if any."""
        self._chained = False
        """Whether the copy holds every move of `_held`'s epoch up to it, so the next move must
        be the one after it; after a load, any move may come next (older ones replay safely)."""
        self._loads_begun = 0
        self._loaded = 0
        """Which load (by `_loads_begun` count) the copy last finished."""
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self.synced = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="floor-copy")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def followed_up_to(self) -> int:
        """The copy holds every event up to this `seq`."""
        return self._seq

    def mark(self) -> int:
        """Taken when an answer arrives: a load begun after it includes what was answered."""
        return self._loads_begun

    async def caught_up_with(self, answer: FloorAnswer, mark: int) -> None:
        def holds() -> bool:
            if self._loaded > mark or answer.moved_to == 0:  # 0: the owner has told no move
                return True
            return self._held is not None and self._held >= (answer.epoch, answer.moved_to)

        await self._until(holds, f"move {answer.moved_to} of epoch {answer.epoch}")

    async def holds(self, seq: int) -> None:
        """Until the copy holds the move of event `seq`: the bus may bring an event to this
        node's sockets before the link brings its move, and a socket's view of the agent is
        read from the copy."""
        if self._seq < seq:
            await self._until(lambda: self._seq >= seq, f"event {seq}")

    async def _until(self, holds: Callable[[], bool], what: str) -> None:
        """Until the copy `holds`, or CATCH_UP_PATIENCE has passed (then the reader goes on
        with the copy as it is)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(holds), CATCH_UP_PATIENCE)
            except TimeoutError:
                log.warning("the floor's copy did not reach %s in time", what)

    async def _follow(self) -> None:
        pause = 0.0
        missed: FloorMove | None = None
        while True:
            feed = self._link.follow()  # first: what is stored after the load arrives here
            try:
                await self._load(after=missed)
                pause = 0.0
                missed = None
                while True:
                    move = await feed.get()
                    if not self._continues(move):
                        log.info("the floor's copy missed moves: reloading it from storage")
                        missed = move
                        break
                    await self._apply(move)
            except SubscriptionClosed:
                log.info("the floor link broke: reloading the floor's copy from storage")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("following the floor failed: reloading its copy")
                pause = min(max(pause * 2, 0.1), 2.0)
            finally:
                feed.close()
            await asyncio.sleep(pause)

    def _continues(self, move: FloorMove) -> bool:
        if not self._chained or self._held is None:
            return True
        return (move.epoch, move.number) == (self._held[0], self._held[1] + 1)

    async def _load(self, after: FloorMove | None) -> None:
        """Load the copy from storage; `after` is the move that showed moves were missed,
        which storage holds already (a move is stored before it is told)."""
        self._loads_begun += 1
        begun = self._loads_begun
        await self._configure()
        stored_up_to = await self._last_seq()  # before the floor: the image holds all of it
        image = await self._floor.load_floor()
        leads = await self._pending_leads()
        self._center.forget_floor()
        self._center.follow(
            FloorChanges(
                agents=image.agents, calls=image.calls, queues=image.queues, dialers=image.dialers
            ),
            leads,
        )
        if begun > 1:  # before the first load this node has no socket to have missed events
            # Before `_seq` moves: a socket waiting for the copy must find the range then.
            self._reloaded(self._seq, stored_up_to)
        async with self._changed:
            self._held = None if after is None else (after.epoch, after.number)
            self._chained = False
            self._loaded = begun
            self._seq = max(self._seq, stored_up_to)
            self._changed.notify_all()
        self.synced.set()
        self._loaded_hook()

    async def _apply(self, move: FloorMove) -> None:
        if move.reconfigured:
            await self._configure()
        self._center.follow(move.changes, move.leads)
        async with self._changed:
            self._held = (move.epoch, move.number)
            self._chained = True
            self._seq = max([self._seq, *(e.seq for e in move.events)])
            self._changed.notify_all()
        for envelope in move.events:
            self._see(envelope)
