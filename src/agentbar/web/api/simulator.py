"""The sandbox simulator API: place simulated customer calls, hang them up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.model.errors import UnknownCall, UnknownCampaign
from agentbar.services.sandbox import CallNotTaken, InvalidPhone, SandboxCalls, WrongCampaignKind
from agentbar.web.api.answers import ERRORS, NOT_FOUND, Answers, Problem
from agentbar.web.deps import SandboxDep, require_admin

router = APIRouter(
    prefix="/api/v1/simulator",
    tags=["simulator"],
    dependencies=[Depends(require_admin)],
    responses={**ERRORS, **NOT_FOUND},
)


class PlaceCall(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: Annotated[str, Field(alias="from", min_length=1, max_length=40)]
    campaign: Annotated[str, Field(min_length=1, max_length=200)]


class PlacedCall(BaseModel):
    callId: str


def _sandbox(sandbox: SandboxCalls | None) -> SandboxCalls:
    if sandbox is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the simulator API needs AGENTBAR_TELEPHONY=simulator"
        )
    return sandbox


NOT_TAKEN: Answers = {503: {"model": Problem, "description": "the call was not stored; try again"}}


@router.post(
    "/calls", status_code=status.HTTP_201_CREATED, response_model=PlacedCall, responses=NOT_TAKEN
)
async def place_call(body: PlaceCall, sandbox: SandboxDep) -> PlacedCall:
    """A simulated customer calls from `from` into the inbound campaign `campaign`; answered
    once the call is stored, so an acknowledged call survives a crash."""
    try:
        return PlacedCall(callId=await _sandbox(sandbox).place_inbound(body.from_, body.campaign))
    except CallNotTaken as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, error.message, headers={"Retry-After": "1"}
        ) from None
    except UnknownCampaign as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, error.message) from None
    except (InvalidPhone, WrongCampaignKind) as error:
        raise HTTPException(422, error.message) from None


@router.post("/calls/{call_id}/hangup", status_code=status.HTTP_204_NO_CONTENT)
async def hang_up(call_id: str, sandbox: SandboxDep) -> None:
    """The simulated customer of this call hangs up."""
    try:
        await _sandbox(sandbox).hang_up(call_id)
    except UnknownCall as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, error.message) from None
