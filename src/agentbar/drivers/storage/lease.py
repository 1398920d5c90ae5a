"""The FloorLease port on SQL: the lease is one row that every acquire, renewal and fenced
write updates, so the database orders them — on PostgreSQL the row lock makes two nodes racing
for an expired lease resolve to one winner, and a fenced write wait for an acquire in flight."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select, true, update
from sqlalchemy.engine import Connection

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads, writes
from agentbar.ports.values import Fenced, LeaseState, NodeSeen

_LEASE = t.floor_lease
_THE_LEASE = _LEASE.c.name == "floor"


_FENCE = (
    update(_LEASE)
    .where(_THE_LEASE, _LEASE.c.epoch == bindparam("held"))
    .values(epoch=bindparam("held"))
)
"""The fenced write's check, built once with the epoch as a parameter: built per write with
the epoch inside, it cost SQLAlchemy a cache key and a coercion per value on every write of
the floor: most of the check's time, which was 9% of the server's busy samples at 50 agents
and 5 calls/s (py-spy). Built once, the server's CPU per call there went from 19.9 to 17.9 ms
(one run each)."""


def check_fence(c: Connection, epoch: int) -> None:
    """Inside a write: go on only while `epoch` is still the lease's (the row stays locked to
    the end of the transaction, so no acquire slips in between)."""
    held = c.execute(_FENCE, {"held": epoch})
    if held.rowcount != 1:
        raise Fenced(f"the floor's lease is no longer at epoch {epoch}")


class SqlFloorLease:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def acquire(
        self, node_id: str, now: float, seconds: float, *, holder_is_dead: bool = False
    ) -> int | None:
        free = _LEASE.c.owner.is_(None) | (_LEASE.c.expires_at < now)
        with self._db.write() as c:
            taken = c.execute(
                update(_LEASE)
                .where(_THE_LEASE, true() if holder_is_dead else free)
                .values(owner=node_id, epoch=_LEASE.c.epoch + 1, expires_at=now + seconds)
            )
            if taken.rowcount != 1:
                return None
            epoch: int = c.execute(select(_LEASE.c.epoch).where(_THE_LEASE)).scalar_one()
            return epoch

    @writes
    def renew(self, node_id: str, epoch: int, now: float, seconds: float) -> bool:
        with self._db.write() as c:
            renewed = c.execute(
                update(_LEASE)
                .where(_THE_LEASE, _LEASE.c.owner == node_id, _LEASE.c.epoch == epoch)
                .values(expires_at=now + seconds)
            )
            return renewed.rowcount == 1

    @writes
    def release(self, node_id: str, epoch: int) -> None:
        with self._db.write() as c:
            c.execute(
                update(_LEASE)
                .where(_THE_LEASE, _LEASE.c.owner == node_id, _LEASE.c.epoch == epoch)
                .values(owner=None, expires_at=0.0)
            )

    @reads
    def lease(self) -> LeaseState:
        with self._db.read() as c:
            row = c.execute(select(_LEASE).where(_THE_LEASE)).one()
        return LeaseState(row.owner, row.epoch, row.expires_at)

    @writes
    def beat(self, node_id: str, now: float, sockets: int) -> None:
        values = {"node_id": node_id, "last_seen": now, "sockets": sockets}
        with self._db.write() as c:
            c.execute(self._db.upsert(t.cluster_nodes, ("node_id",), values), values)

    @reads
    def nodes(self, since: float) -> Sequence[NodeSeen]:
        nodes = t.cluster_nodes
        with self._db.read() as c:
            rows = c.execute(
                select(nodes).where(nodes.c.last_seen >= since).order_by(nodes.c.node_id)
            )
            return [NodeSeen(r.node_id, r.last_seen, r.sockets) for r in rows]
