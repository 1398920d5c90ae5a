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

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from pydantic import BaseModel

from agentbar.domain.center import Center
from agentbar.domain.model.campaign import Campaign, CampaignKind, Routing
from agentbar.web.api.changes import ERRORS, NOT_FOUND
from agentbar.web.security import require_admin

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


def _view(center: Center, campaign: Campaign, agents: list[str]) -> QueueView:
    idle = center.idle.get(campaign.campaign_id)
    return QueueView(
        name=campaign.name,
        campaignId=campaign.campaign_id,
        routing=campaign.routing,
        ringTimeout=campaign.ring_timeout,
        maxMisses=campaign.max_misses,
        agents=agents,
        readyAgents=len(idle) if idle is not None else 0,
        waitingCalls=center.waiting_count(campaign.campaign_id),
    )


def _queues(request: Request) -> list[QueueView]:
    container = request.app.state.container
    center: Center = container.runtime.center
    assigned = container.storage.catalog.campaign_agent_ids()
    return [
        _view(center, c, assigned.get(c.campaign_id, []))
        for c in center.campaigns.values()
        if c.kind is CampaignKind.INBOUND
    ]


@router.get("")
async def list_queues(request: Request) -> list[QueueView]:
    """Every inbound campaign's agent queue."""
    return _queues(request)


@router.get("/{name}", responses=NOT_FOUND)
async def get_queue(
    name: Annotated[str, Path(min_length=1, max_length=200)], request: Request
) -> QueueView:
    """One queue, by its campaign's name (case-insensitive)."""
    for queue in _queues(request):
        if queue.name.casefold() == name.strip().casefold():
            return queue
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent queue '{name}' (an inbound campaign)")
