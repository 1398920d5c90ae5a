"""Campaign lead lists through the admin API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.errors import UnknownCampaign
from agentbar.phones import InvalidPhone
from agentbar.services.leads import LeadEntry, LeadIntake, NotOutbound
from agentbar.web.security import require_admin

router = APIRouter(
    prefix="/api/v1/campaigns", tags=["campaigns"], dependencies=[Depends(require_admin)]
)


class NewLead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(max_length=200)] | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class NewLeads(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leads: Annotated[list[NewLead], Field(min_length=1, max_length=10_000)]


class AddedLeads(BaseModel):
    leadIds: list[str]


@router.post("/{campaign_name}/leads", status_code=status.HTTP_201_CREATED)
async def add_leads(campaign_name: str, body: NewLeads, request: Request) -> AddedLeads:
    """Append leads to an outbound campaign's list (all or none)."""
    intake: LeadIntake = request.app.state.container.leads
    entries = [LeadEntry(lead.phone, lead.name, lead.data) for lead in body.leads]
    try:
        return AddedLeads(leadIds=await intake.add(campaign_name, entries))
    except UnknownCampaign as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, error.message) from None
    except (InvalidPhone, NotOutbound) as error:
        raise HTTPException(422, error.message) from None
