"""The FloorLease port in memory, with the same rules as the SQL driver's one row."""

from __future__ import annotations

from collections.abc import Sequence

from agentbar.ports import Fenced, LeaseState, NodeSeen
from tests.support.memory_tables import Tables


def check_fence(tables: Tables, epoch: int) -> None:
    if tables.lease.epoch != epoch:
        raise Fenced(f"the floor's lease is no longer at epoch {epoch}")


class MemoryFloorLease:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def acquire(
        self, node_id: str, now: float, seconds: float, *, holder_is_dead: bool = False
    ) -> int | None:
        held = self._t.lease
        if not holder_is_dead and held.owner is not None and held.expires_at >= now:
            return None
        self._t.lease = LeaseState(node_id, held.epoch + 1, now + seconds)
        return self._t.lease.epoch

    async def renew(self, node_id: str, epoch: int, now: float, seconds: float) -> bool:
        held = self._t.lease
        if (held.owner, held.epoch) != (node_id, epoch):
            return False
        self._t.lease = LeaseState(node_id, epoch, now + seconds)
        return True

    async def release(self, node_id: str, epoch: int) -> None:
        if (self._t.lease.owner, self._t.lease.epoch) == (node_id, epoch):
            self._t.lease = LeaseState(None, epoch, 0.0)

    async def lease(self) -> LeaseState:
        return self._t.lease

    async def beat(self, node_id: str, now: float, sockets: int) -> None:
        self._t.nodes[node_id] = NodeSeen(node_id, now, sockets)

    async def nodes(self, since: float) -> Sequence[NodeSeen]:
        return [n for _, n in sorted(self._t.nodes.items()) if n.last_seen >= since]
