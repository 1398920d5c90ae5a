"""Campaigns through the admin API: their settings and disposition plans, applied to the live
floor at once. (A campaign's lead list has its own resource, `lead_lists`.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field

from agentbar.domain.model.campaign import Campaign, CampaignKind, DialMode, Routing
from agentbar.services.configuration import (
    READABLE,
    CampaignSettings,
    campaign_entry,
    campaign_spec,
)
from agentbar.services.provisioning import InvalidConfiguration
from agentbar.services.report_settings import WallboardEntry
from agentbar.web.api.answers import ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/campaigns",
    tags=["provisioning"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

CampaignName = Annotated[str, Path(min_length=1, max_length=200, pattern=READABLE)]


class CampaignBody(CampaignSettings):
    agents: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    """Agent ids to add to the campaign (agents already on it stay)."""


class DispositionClassView(BaseModel):
    dispositionClass: str
    dispositionCodes: list[str]


class CampaignView(BaseModel):
    id: str
    name: str
    kind: CampaignKind
    routing: Routing
    ringTimeout: float | None
    maxMisses: int | None
    wrapUpTimeout: float | None
    defaultDisposition: str | None
    callbackInDisposeDial: bool
    dialMode: DialMode
    abandonLimit: float
    """A percentage: 3 is 3%."""
    abandonWindow: str
    minRingSeconds: int
    callingHours: str
    timeZone: str | None
    abandonMessage: str | None
    maxAttempts: int
    retryDelays: dict[str, int]
    retryDispositions: dict[str, int]
    serviceLevelSeconds: int
    shortAbandonSeconds: int
    wallboard: WallboardEntry
    dispositions: list[DispositionClassView]


def campaign_view(campaign: Campaign) -> CampaignView:
    return CampaignView(id=campaign.campaign_id, **campaign_entry(campaign).model_dump())


@router.get("")
async def list_campaigns(provisioning: ProvisioningDep) -> list[CampaignView]:
    return [campaign_view(c) for c in provisioning.campaigns()]


@router.get("/{name}", responses=NOT_FOUND)
async def get_campaign(name: CampaignName, provisioning: ProvisioningDep) -> CampaignView:
    """A campaign by name (case-insensitive)."""
    campaign = provisioning.campaign_named(name)
    if campaign is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign named '{name}'")
    return campaign_view(campaign)


@router.put("/{name}")
async def put_campaign(
    name: CampaignName, body: CampaignBody, provisioning: ProvisioningDep, client: ClientDep
) -> CampaignView:
    """Create or update a campaign (it applies to the live floor at once)."""
    try:
        spec = campaign_spec(name, body, tuple(body.agents))
        campaign = await provisioning.put_campaign(spec, client=client)
    except InvalidConfiguration as error:
        raise refused(error) from None
    return campaign_view(campaign)
