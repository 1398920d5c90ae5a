"""The admin API for provisioning: agents, extensions, campaigns, break reasons.

PUT creates or replaces a resource by its natural key (idempotent); validation errors answer
422 with what is wrong, and change nothing. Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.auth.policy import AgentLogin
from agentbar.domain.model.agent import BreakReason
from agentbar.domain.model.campaign import Campaign, CampaignKind, DialMode, Routing
from agentbar.ports import AgentSummary
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT
from agentbar.services.configuration import CampaignSettings, campaign_entry, campaign_spec
from agentbar.services.provisioning import InUse, InvalidConfiguration, Provisioning
from agentbar.web.api.changes import CONFLICT, ERRORS, NOT_FOUND, audit_change, refused
from agentbar.web.security import require_admin

router = APIRouter(
    prefix="/api/v1",
    tags=["provisioning"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

Name = Annotated[str, Field(min_length=1, max_length=100)]
AgentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
ExtensionName = Annotated[str, Path(min_length=1, max_length=100)]
CampaignName = Annotated[str, Path(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentBody(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    """None (and no passwordHash): the agent logs in by CRM single sign-on or a login token."""
    passwordHash: Annotated[str, Field(max_length=255)] | None = None
    """An argon2id hash, as exported; instead of `password`."""
    authPolicy: AgentLogin = AgentLogin.ANY
    """Which login policies the agent may use: any (the default), password, or sso."""
    campaigns: list[Name] = Field(default_factory=list)


class AgentView(BaseModel):
    id: str
    name: str
    hasPassword: bool
    authPolicy: AgentLogin
    campaigns: list[str]


class ExtensionBody(_Body):
    phone: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z*#+._-]+$")]


class ExtensionView(BaseModel):
    name: str
    phone: str


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
    dispositions: list[DispositionClassView]


class BreakReasonBody(_Body):
    name: Name
    productive: bool = False


def _provisioning(request: Request) -> Provisioning:
    provisioning: Provisioning = request.app.state.container.provisioning
    return provisioning


def agent_view(a: AgentSummary) -> AgentView:
    return AgentView(
        id=a.agent_id,
        name=a.name,
        hasPassword=a.password_hash is not None,
        authPolicy=AgentLogin(a.auth_policy),
        campaigns=a.campaigns,
    )


@router.get("/agents")
async def list_agents(request: Request) -> list[AgentView]:
    summaries = await request.app.state.container.storage.catalog.agent_summaries()
    return [agent_view(a) for a in summaries]


@router.get("/agents/{agent_id}", responses=NOT_FOUND)
async def get_agent(agent_id: AgentId, request: Request) -> AgentView:
    for summary in await request.app.state.container.storage.catalog.agent_summaries():
        if summary.agent_id == agent_id:
            return agent_view(summary)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent '{agent_id}'")


@router.put("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def put_agent(agent_id: AgentId, body: AgentBody, request: Request) -> None:
    """Create or update an agent; its campaigns are exactly the ones named (from next login).

    `authPolicy` `password` needs a password; `sso` has none (CRM login or login token only);
    `any` (the default) lets the CRM page choose, as long as the credentials verify.
    """
    try:
        await _provisioning(request).put_agent(
            agent_id,
            body.name,
            body.password,
            body.campaigns,
            body.authPolicy,
            body.passwordHash,
        )
    except InvalidConfiguration as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, f"agent '{agent_id}'")


@router.get("/extensions")
async def list_extensions(request: Request) -> list[ExtensionView]:
    found = await request.app.state.container.storage.catalog.extensions()
    return [ExtensionView(name=name, phone=phone) for name, phone in found]


@router.get("/extensions/{name}", responses=NOT_FOUND)
async def get_extension(name: ExtensionName, request: Request) -> ExtensionView:
    for found, phone in await request.app.state.container.storage.catalog.extensions():
        if found == name:
            return ExtensionView(name=found, phone=phone)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension '{name}'")


@router.put("/extensions/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_extension(name: ExtensionName, body: ExtensionBody, request: Request) -> None:
    try:
        await _provisioning(request).put_extension(name, body.phone)
    except InvalidConfiguration as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, f"extension '{name}'")


@router.delete(
    "/extensions/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_extension(name: ExtensionName, request: Request) -> Response:
    """Delete an extension; 409 while a logged-in agent works from it."""
    try:
        deleted = await _provisioning(request).delete_extension(name)
    except InUse as error:
        raise refused(error) from None
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension '{name}'")
    await audit_change(request, ADMIN_DELETE, f"extension '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def campaign_view(campaign: Campaign) -> CampaignView:
    return CampaignView(id=campaign.campaign_id, **campaign_entry(campaign).model_dump())


@router.get("/campaigns")
async def list_campaigns(request: Request) -> list[CampaignView]:
    center = request.app.state.container.runtime.center
    return [campaign_view(c) for c in center.campaigns.values()]


@router.get("/campaigns/{name}", responses=NOT_FOUND)
async def get_campaign(name: CampaignName, request: Request) -> CampaignView:
    """A campaign by name (case-insensitive)."""
    campaign = request.app.state.container.runtime.center.campaign_named(name)
    if campaign is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign named '{name}'")
    return campaign_view(campaign)


@router.put("/campaigns/{name}")
async def put_campaign(name: CampaignName, body: CampaignBody, request: Request) -> CampaignView:
    """Create or update a campaign (it applies to the live floor at once)."""
    spec = campaign_spec(name, body, tuple(body.agents))
    known = {
        a.agent_id for a in await request.app.state.container.storage.catalog.agent_summaries()
    }
    unknown = [a for a in body.agents if a not in known]
    if unknown:
        raise HTTPException(422, f"no agent {', '.join(map(repr, unknown))}")
    try:
        campaign = await _provisioning(request).put_campaign(spec)
    except InvalidConfiguration as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, f"campaign '{name}'")
    return campaign_view(campaign)


@router.get("/break-reasons")
async def list_break_reasons(request: Request) -> list[BreakReasonBody]:
    reasons = await request.app.state.container.storage.catalog.break_reasons()
    return [BreakReasonBody(name=r.name, productive=r.productive) for r in reasons]


@router.put("/break-reasons", status_code=status.HTTP_204_NO_CONTENT)
async def put_break_reasons(body: list[BreakReasonBody], request: Request) -> None:
    """Replace the break reasons, in display order."""
    try:
        await _provisioning(request).put_break_reasons(
            [BreakReason(r.name, r.productive) for r in body]
        )
    except InvalidConfiguration as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, "break reasons")
