"""The nodes sharing one database, for administrators: who owns the floor, and who is alive."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from agentbar.web.api.answers import ERRORS
from agentbar.web.deps import ClusterDep, require_admin

router = APIRouter(
    prefix="/api/v1/cluster",
    tags=["cluster"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)


class NodeView(BaseModel):
    id: str
    lastSeen: float
    """When its last heartbeat was noted (seconds since the epoch)."""
    sockets: int
    """Toolbar sockets open on it then."""


class ClusterView(BaseModel):
    node: str
    """The node that answers."""
    owner: str | None
    """The node that owns the floor now; null while none does (a failover in progress)."""
    epoch: int
    """The floor lease's epoch: one more with every new owner; every floor write carries it."""
    nodes: list[NodeView]


@router.get("")
async def read_cluster(cluster: ClusterDep) -> ClusterView:
    state = await cluster.state()
    return ClusterView(
        node=state.node,
        owner=state.owner,
        epoch=state.epoch,
        nodes=[
            NodeView(id=n.node_id, lastSeen=n.last_seen, sockets=n.sockets) for n in state.nodes
        ],
    )
