"""Which node decides for the floor: the one holding the floor's lease.

Every node runs this: it notes a heartbeat, and while it does not hold the lease it tries to
take it — every third of a lease, and just after the holder's lease runs out; once it holds
it, it renews it every third of its length. Taking the lease gives the
node a new epoch — the fencing token every write of the floor carries — and only then does the
node take the floor back from storage (`take`, the container's start of serving).

Losing it is final for the process (`lose`: the container restarts the process as a node that
stands by). An owner loses the lease when a renewal is refused (another node holds it), when a
write comes back fenced, or — the case that makes failover safe — when it has not renewed
within `LEAD` of the lease's length: it stops deciding at its own clock's 80% of the lease,
before any other node may take it at 100%. So two nodes never decide at once, as long as
their clocks agree to within a fifth of the lease; and if they do not, the fencing token still
refuses the deposed owner's writes, and nothing it decided after that is published or carried
out (the runtime stores before it publishes or acts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from agentbar.ports import Clock, FloorLease

log = logging.getLogger(__name__)

LEAD = 0.8
"""The share of the lease an owner trusts its last renewal for."""

RETRY_FLOOR = 0.02
"""Seconds past a lease's end a waiting node tries again (and the shortest pause between)."""


class FloorOwnership:
    def __init__(
        self,
        lease: FloorLease,
        clock: Clock,
        node_id: str,
        seconds: float,
        *,
        take: Callable[[int], Awaitable[None]],
        lose: Callable[[str], None],
        sockets: Callable[[], int],
        nodes_gone: Callable[[str], None] = lambda node: None,
    ) -> None:
        self._lease = lease
        self._clock = clock
        self.node_id = node_id
        self.seconds = seconds
        self._take = take
        self._lose = lose
        self._sockets = sockets
        self._nodes_gone = nodes_gone
        self._heard: set[str] = set()
        """The other nodes heard from lately (while this node owns the floor)."""
        self.epoch: int | None = None
        """The lease's epoch while this node holds it; None while it stands by."""
        self.serving = False
        """True once the node has taken the floor and serves it."""
        self._trusted_until = 0.0
        self._runs_out_at: float | None = None
        """When the lease another node holds runs out, as last read: the next try then."""
        self._task: asyncio.Task[None] | None = None
        self._lost = False
        self.alone = False
        """This process uses the storage alone (it said so at start): whoever holds the lease
        is dead, and the lease is taken without waiting it out."""

    @property
    def period(self) -> float:
        return self.seconds / 3

    def next_step_in(self) -> float:
        """Seconds to the next round: a third of a lease, or — for a node without the lease —
        just after the holder's lease runs out, so a dead owner's floor is taken at once."""
        if self.epoch is not None or self._runs_out_at is None:
            return self.period
        return max(
            RETRY_FLOOR, min(self.period, self._runs_out_at + RETRY_FLOOR - self._clock.now())
        )

    async def step(self) -> None:
        """One round: a heartbeat, then take or renew the lease (or give up on it)."""
        now = self._clock.now()
        try:
            await self._lease.beat(self.node_id, now, self._sockets())
            if self.epoch is None:
                await self._try_to_take(now)
            elif await self._lease.renew(self.node_id, self.epoch, now, self.seconds):
                self._trusted_until = now + self.seconds * LEAD
                await self._note_nodes_gone(now)
            else:
                self.lost("another node holds the floor's lease")
        except Exception as error:  # the database is away: try again next round
            log.warning("floor lease: %s", error)
        # A process alone on its storage holds the database's lock: no other may take the
        # lease while it lives, so a database locked or slow for a while (a backup, another
        # process's long transaction) is waited out, not a reason to give the floor up.
        if self.epoch is not None and not self.alone and self._clock.now() > self._trusted_until:
            self.lost("the floor's lease could not be renewed in time")

    async def _note_nodes_gone(self, now: float) -> None:
        """A node not heard from for two leases has stopped: its sockets are gone with it."""
        heard = {n.node_id for n in await self._lease.nodes(now - 2 * self.seconds)}
        heard.discard(self.node_id)
        for node in self._heard - heard:
            log.warning("node %s stopped (no heartbeat for %.0f s)", node, 2 * self.seconds)
            self._nodes_gone(node)
        self._heard = heard

    async def _try_to_take(self, now: float) -> None:
        epoch = await self._lease.acquire(
            self.node_id, now, self.seconds, holder_is_dead=self.alone
        )
        if epoch is None:
            held = await self._lease.lease()
            self._runs_out_at = held.expires_at if held.owner is not None else None
            return
        self.epoch = epoch
        self._trusted_until = now + self.seconds * LEAD
        log.info("node %s owns the floor (epoch %d)", self.node_id, epoch)
        await self._take(epoch)
        self.serving = True

    def lost(self, why: str) -> None:
        """Stop deciding for the floor, for good (a fenced write calls this too)."""
        if self._lost or self.epoch is None:
            return
        self._lost = True
        self.serving = False
        log.error("node %s no longer owns the floor: %s", self.node_id, why)
        self._lose(why)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="floor-lease")

    async def _run(self) -> None:
        while not self._lost:
            await asyncio.sleep(self.next_step_in())
            await self.step()

    async def stop(self) -> None:
        """Stop taking part; an owner gives the lease up so another node need not wait it
        out (the caller has stopped deciding first)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.epoch is not None and not self._lost:
            try:
                await self._lease.release(self.node_id, self.epoch)
            except Exception as error:
                log.warning("floor lease not released (it will run out): %s", error)
