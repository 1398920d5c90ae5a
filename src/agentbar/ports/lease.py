"""The floor's lease: which one node decides for the floor, and the fencing token that makes
a deposed owner's late writes fail. Kept in the database every node shares, since that is
what the floor's writes go to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentbar.ports.values import LeaseState, NodeSeen


class FloorLease(Protocol):
    async def acquire(
        self, node_id: str, now: float, seconds: float, *, holder_is_dead: bool = False
    ) -> int | None:
        """Take the lease if nobody holds it or its holder let it run out — or whoever holds
        it, when the caller knows the holder is dead (`holder_is_dead`: it uses the storage
        alone): a new epoch, one above every earlier one, held until `now + seconds`. Else None
        (even for a node of the same id: a process never takes over a lease it did not renew
        on a guess)."""
        ...

    async def renew(self, node_id: str, epoch: int, now: float, seconds: float) -> bool:
        """Hold on to the lease until `now + seconds`; False if it is no longer this epoch's."""
        ...

    async def release(self, node_id: str, epoch: int) -> None:
        """Give the lease up at once (a clean stop), so another node need not wait it out."""
        ...

    async def lease(self) -> LeaseState: ...

    async def beat(self, node_id: str, now: float, sockets: int) -> None:
        """Note that the node is alive now, with this many toolbar sockets open."""
        ...

    async def nodes(self, since: float) -> Sequence[NodeSeen]:
        """Every node heard from at `since` or later, by id."""
        ...
