"""Lead lists through the admin API: an outbound campaign's list, under its campaign's path;
add leads, read the list, remove waiting ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.dialer.calling_hours import InvalidTimeZone
from agentbar.domain.model.errors import DomainError, IllegalTransition, NoLead, UnknownCampaign
from agentbar.domain.model.lead_book import LeadState
from agentbar.phones import InvalidPhone
from agentbar.services.configuration import READABLE
from agentbar.services.leads import LeadEntry, NotOutbound
from agentbar.web.api.answers import CONFLICT, ERRORS, NOT_FOUND
from agentbar.web.deps import ClientDep, LeadIntakeDep, require_admin

router = APIRouter(
    prefix="/api/v1/campaigns/{campaign_name}/leads",
    tags=["campaigns"],
    dependencies=[Depends(require_admin)],
    responses={**ERRORS, **NOT_FOUND},
)

CampaignName = Annotated[str, Path(min_length=1, max_length=200, pattern=READABLE)]


class NewLead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(max_length=200, pattern=READABLE)] | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    timeZone: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """The lead's own IANA zone for its calling hours (e.g. America/Chicago); none: its
    number's region's, else the campaign's."""


class NewLeads(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leads: Annotated[list[NewLead], Field(min_length=1, max_length=10_000)]


class AddedLeads(BaseModel):
    leadIds: list[str]


class AttemptView(BaseModel):
    callId: str
    dialledAt: float
    outcome: str
    """busy, no_answer, machine, failed, abandoned, or the disposition of a call that reached
    a person."""


class LeadView(BaseModel):
    id: str
    position: int
    """The lead's place in the list: pass the last one read as `after` for the next page."""
    phone: str
    name: str | None
    data: dict[str, Any]
    state: LeadState
    """new (waiting), presented (shown to an agent), dialled, skipped, removed, blocked (its
    number is on the do-not-call list: never dialled)."""
    agentId: str | None
    callId: str | None
    zones: list[str]
    """The zones its calling hours are kept in; empty: the campaign's zone."""
    attempts: list[AttemptView]
    """Every dial of the lead that has ended, oldest first."""
    nextTryAt: float | None
    """A lead waiting to be dialled again (state new) is not dialled before this time."""


class LeadPage(BaseModel):
    leads: list[LeadView]
    last: int
    """The position to ask after next (`after` again when the page was empty)."""


class RemovedLeads(BaseModel):
    removed: list[str]


def _refused(error: DomainError) -> HTTPException:
    if isinstance(error, UnknownCampaign | NoLead):
        return HTTPException(status.HTTP_404_NOT_FOUND, error.message)
    if isinstance(error, IllegalTransition):
        return HTTPException(status.HTTP_409_CONFLICT, error.message)
    return HTTPException(422, error.message)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_leads(
    campaign_name: CampaignName, body: NewLeads, intake: LeadIntakeDep
) -> AddedLeads:
    """Append leads to an outbound campaign's list (all or none)."""
    entries = [LeadEntry(lead.phone, lead.name, lead.data, lead.timeZone) for lead in body.leads]
    try:
        return AddedLeads(leadIds=await intake.add(campaign_name, entries))
    except (UnknownCampaign, InvalidPhone, InvalidTimeZone, NotOutbound) as error:
        raise _refused(error) from None


@router.get("")
async def list_leads(
    campaign_name: CampaignName,
    intake: LeadIntakeDep,
    state: Annotated[list[LeadState] | None, Query(description="only these states")] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LeadPage:
    """The campaign's leads in list order, a page at a time, each with its state."""
    try:
        found = intake.page(campaign_name, state or [], after, limit)
    except (UnknownCampaign, NotOutbound) as error:
        raise _refused(error) from None
    leads = [
        LeadView(
            id=lead.lead_id,
            position=position,
            phone=lead.phone,
            name=lead.name,
            data=lead.data,
            state=lead.state,
            agentId=lead.agent_id,
            callId=lead.call_id,
            zones=list(lead.zones),
            attempts=[
                AttemptView(callId=a.call_id, dialledAt=a.dialled_at, outcome=a.outcome)
                for a in lead.attempts
            ],
            nextTryAt=lead.next_try_at,
        )
        for position, lead in found
    ]
    return LeadPage(leads=leads, last=leads[-1].position if leads else after)


@router.delete("")
async def remove_waiting_leads(
    campaign_name: CampaignName, intake: LeadIntakeDep, client: ClientDep
) -> RemovedLeads:
    """Remove every lead still waiting (state new); one being shown to an agent stays.
    Removed leads are kept in the list's record with state `removed`."""
    try:
        removed = await intake.remove(campaign_name, client=client)
    except (UnknownCampaign, NotOutbound) as error:
        raise _refused(error) from None
    return RemovedLeads(removed=removed)


@router.delete("/{lead_id}", responses=CONFLICT)
async def remove_lead(
    campaign_name: CampaignName,
    lead_id: Annotated[str, Path(min_length=1, max_length=64)],
    intake: LeadIntakeDep,
    client: ClientDep,
) -> RemovedLeads:
    """Remove one waiting lead; 409 while it is shown to an agent, 404 once dialled."""
    try:
        removed = await intake.remove(campaign_name, [lead_id], client=client)
    except (UnknownCampaign, NotOutbound, NoLead, IllegalTransition) as error:
        raise _refused(error) from None
    return RemovedLeads(removed=removed)
