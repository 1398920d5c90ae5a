"""What the nodes sharing one database look like from this one: who owns the floor, under
which epoch, and every node heard from lately with its toolbar sockets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentbar.ports import Clock, FloorLease, NodeSeen
from agentbar.services.ownership import FloorOwnership

SEEN_WITHIN_LEASES = 3
"""A node is listed while its last heartbeat is at most this many leases old."""


@dataclass(frozen=True)
class ClusterState:
    node: str
    owner: str | None
    """The node holding the floor's lease; None when nobody does (released, or run out)."""
    epoch: int
    nodes: list[NodeSeen]


class Cluster:
    def __init__(
        self,
        ownership: FloorOwnership,
        lease: FloorLease,
        clock: Clock,
        serving: Callable[[], bool] | None = None,
    ) -> None:
        self._ownership = ownership
        self._lease = lease
        self._clock = clock
        self._serving = serving or (lambda: ownership.serving)

    @property
    def node_id(self) -> str:
        return self._ownership.node_id

    @property
    def lease_seconds(self) -> float:
        return self._ownership.seconds

    @property
    def serving(self) -> bool:
        """Whether this node serves its clients: it owns the floor and has taken it back, or
        it has loaded its copy of the owner's floor."""
        return self._serving()

    async def state(self) -> ClusterState:
        now = self._clock.now()
        lease = await self._lease.lease()
        owner = lease.owner if lease.owner is not None and lease.expires_at >= now else None
        since = now - SEEN_WITHIN_LEASES * self._ownership.seconds
        nodes = list(await self._lease.nodes(since))
        return ClusterState(self.node_id, owner, lease.epoch, nodes)
