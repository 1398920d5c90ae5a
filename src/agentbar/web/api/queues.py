"""Agent queues, read-only: each inbound campaign's queue, its routing and ring settings and
how it stands right now.

A queue is not a resource of its own. In agentbar an agent queue *is* an inbound campaign's
queue: a queue transfer targets an inbound campaign, calls wait in the campaign's queue and
are routed by the campaign's settings. A separate queue resource would hold the same
settings twice, so they are changed where they live, with `PUT /api/v1/campaigns/{name}`
(`routing`, `ringTimeout`, `maxMisses`, `agents`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel

from agentbar.domain.model.campaign import Routing
from agentbar.services.configuration import READABLE
from agentbar.services.provisioning import QueueState
from agentbar.web.api.answers import ERRORS, NOT_FOUND
from agentbar.web.deps import ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/queues",
    tags=["queues"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)


class QueueView(BaseModel):
    name: str
    """The inbound campaign's name (what a queue transfer names)."""
    campaignId: str
    routing: Routing
    ringTimeout: float | None
    maxMisses: int | None
    agents: list[str]
    """The agents assigned to the campaign."""
    readyAgents: int
    """Agents ready for the campaign's calls now."""
    waitingCalls: int
    """Calls waiting in the queue now."""


def _view(queue: QueueState) -> QueueView:
    campaign = queue.campaign
    return QueueView(
        name=campaign.name,
        campaignId=campaign.campaign_id,
        routing=campaign.routing,
        ringTimeout=campaign.ring_timeout,
        maxMisses=campaign.max_misses,
        agents=queue.agent_ids,
        readyAgents=queue.ready_agents,
        waitingCalls=queue.waiting_calls,
    )


@router.get("")
async def list_queues(provisioning: ProvisioningDep) -> list[QueueView]:
    """Every inbound campaign's agent queue."""
    return [_view(queue) for queue in provisioning.queues()]


@router.get("/{name}", responses=NOT_FOUND)
async def get_queue(
    name: Annotated[str, Path(min_length=1, max_length=200, pattern=READABLE)],
    provisioning: ProvisioningDep,
) -> QueueView:
    """One queue, by its campaign's name (case-insensitive)."""
    for queue in provisioning.queues():
        if queue.campaign.name.casefold() == name.strip().casefold():
            return _view(queue)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent queue '{name}' (an inbound campaign)")
