"""The admin API for provisioning: agents, extensions, campaigns, break reasons.

PUT creates or replaces a resource by its natural key (idempotent); validation errors answer
422 with what is wrong, and change nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.agent import BreakReason
from agentbar.domain.campaign import Campaign, CampaignKind, DialMode, Routing
from agentbar.services.provisioning import (
    CampaignSpec,
    InUse,
    InvalidConfiguration,
    Provisioning,
    plan_of,
)
from agentbar.web.security import require_admin

router = APIRouter(prefix="/api/v1", tags=["provisioning"], dependencies=[Depends(require_admin)])

Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentBody(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    """None: the agent logs in by CRM single sign-on or a login token only."""
    campaigns: list[Name] = Field(default_factory=list)


class AgentView(BaseModel):
    id: str
    name: str
    hasPassword: bool
    campaigns: list[str]


class ExtensionBody(_Body):
    phone: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z*#+._-]+$")]


class DispositionClassBody(_Body):
    dispositionClass: Name
    dispositionCodes: Annotated[list[Name], Field(min_length=1)]


class CampaignBody(_Body):
    kind: CampaignKind
    dispositions: Annotated[list[DispositionClassBody], Field(min_length=1)]
    agents: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    routing: Routing = Routing.LONGEST_IDLE
    ringTimeout: float | None = None
    maxMisses: int | None = None
    wrapUpTimeout: float | None = None
    defaultDisposition: Name | None = None
    callbackInDisposeDial: bool = False
    dialMode: DialMode = DialMode.MANUAL


class BreakReasonBody(_Body):
    name: Name
    productive: bool = False


def _provisioning(request: Request) -> Provisioning:
    provisioning: Provisioning = request.app.state.container.provisioning
    return provisioning


def _invalid(error: InvalidConfiguration | InUse) -> HTTPException:
    code = 409 if isinstance(error, InUse) else 422
    return HTTPException(code, error.message)


@router.get("/agents")
async def list_agents(request: Request) -> list[AgentView]:
    summaries = await request.app.state.container.storage.agent_summaries()
    return [AgentView(id=a, name=n, hasPassword=p, campaigns=c) for a, n, p, c in summaries]


@router.put("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def put_agent(
    agent_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")],
    body: AgentBody,
    request: Request,
) -> None:
    """Create or update an agent; its campaigns are exactly the ones named (from next login)."""
    try:
        await _provisioning(request).put_agent(agent_id, body.name, body.password, body.campaigns)
    except InvalidConfiguration as error:
        raise _invalid(error) from None


@router.get("/extensions")
async def list_extensions(request: Request) -> list[dict[str, str]]:
    found = await request.app.state.container.storage.extensions()
    return [{"name": name, "phone": phone} for name, phone in found]


@router.put("/extensions/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_extension(
    name: Annotated[str, Path(min_length=1, max_length=100)], body: ExtensionBody, request: Request
) -> None:
    try:
        await _provisioning(request).put_extension(name, body.phone)
    except InvalidConfiguration as error:
        raise _invalid(error) from None


@router.delete("/extensions/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_extension(name: str, request: Request) -> Response:
    try:
        deleted = await _provisioning(request).delete_extension(name)
    except InUse as error:
        raise _invalid(error) from None
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _campaign_view(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.campaign_id,
        "name": campaign.name,
        "kind": campaign.kind.value,
        "routing": campaign.routing.value,
        "ringTimeout": campaign.ring_timeout,
        "maxMisses": campaign.max_misses,
        "wrapUpTimeout": campaign.wrap_up_timeout,
        "defaultDisposition": campaign.default_disposition,
        "callbackInDisposeDial": campaign.callback_in_dispose_dial,
        "dialMode": campaign.dial_mode.value,
        "dispositions": [
            {"dispositionClass": k.name, "dispositionCodes": list(k.codes)}
            for k in campaign.plan.classes
        ],
    }


@router.get("/campaigns")
async def list_campaigns(request: Request) -> list[dict[str, Any]]:
    center = request.app.state.container.runtime.center
    return [_campaign_view(c) for c in center.campaigns.values()]


@router.put("/campaigns/{name}")
async def put_campaign(
    name: Annotated[str, Path(min_length=1, max_length=200)], body: CampaignBody, request: Request
) -> dict[str, Any]:
    """Create or update a campaign (it applies to the live floor at once)."""
    spec = CampaignSpec(
        name=name,
        kind=body.kind,
        plan=plan_of([(d.dispositionClass, d.dispositionCodes) for d in body.dispositions]),
        agent_ids=tuple(body.agents),
        routing=body.routing,
        ring_timeout=body.ringTimeout,
        max_misses=body.maxMisses,
        wrap_up_timeout=body.wrapUpTimeout,
        default_disposition=body.defaultDisposition,
        callback_in_dispose_dial=body.callbackInDisposeDial,
        dial_mode=body.dialMode,
    )
    known = {a for a, *_ in await request.app.state.container.storage.agent_summaries()}
    unknown = [a for a in body.agents if a not in known]
    if unknown:
        raise HTTPException(422, f"no agent {', '.join(map(repr, unknown))}")
    try:
        return _campaign_view(await _provisioning(request).put_campaign(spec))
    except InvalidConfiguration as error:
        raise _invalid(error) from None


@router.get("/break-reasons")
async def list_break_reasons(request: Request) -> list[BreakReasonBody]:
    reasons = await request.app.state.container.storage.break_reasons()
    return [BreakReasonBody(name=r.name, productive=r.productive) for r in reasons]


@router.put("/break-reasons", status_code=status.HTTP_204_NO_CONTENT)
async def put_break_reasons(body: list[BreakReasonBody], request: Request) -> None:
    """Replace the break reasons, in display order."""
    try:
        await _provisioning(request).put_break_reasons(
            [BreakReason(r.name, r.productive) for r in body]
        )
    except InvalidConfiguration as error:
        raise _invalid(error) from None
