"""The sandbox simulator API: place simulated customer calls, hang them up, script how a
number treats outbound calls, read the abandon messages played."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.model.errors import UnknownCall, UnknownCampaign
from agentbar.ports import CustomerBehaviour
from agentbar.services.sandbox import (
    InvalidPhone,
    InvalidScript,
    SandboxCalls,
    WrongCampaignKind,
)
from agentbar.web.api.answers import ERRORS, NOT_FOUND, Answers, Unavailable
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


SCRIPT_SECONDS_LIMIT = 3600.0
"""The longest ring or talk a script may ask for: an hour is more than any test waits."""
Seconds = Annotated[float, Field(ge=0.0, le=SCRIPT_SECONDS_LIMIT, allow_inf_nan=False)]


class CustomerScriptBody(BaseModel):
    """How the customer at a number treats outbound calls to it."""

    model_config = ConfigDict(extra="forbid")

    answerAfter: Seconds | None = 0.0
    """Seconds of ringing before the line is picked up; null: never (no answer). Left out:
    at once, or never if `busy`."""
    busy: bool = False
    """The line is busy at once."""
    machine: bool = False
    """An answering machine picks up (after `answerAfter`); detection hangs up on it."""
    hangUpAfter: Seconds | None = None
    """Seconds after picking up that the person hangs up; null: they wait for the other side."""
    ivrKeys: Annotated[str, Field(max_length=64, pattern=r"^[0-9*#A-Da-d]*$")] = ""
    """The keys they press when an IVR asks them for digits (on any call of theirs, inbound
    too), one every 0.2 s; empty: none, the IVR's collection times out."""


class PlayedMessageView(BaseModel):
    callId: str
    message: str


class PlayedMessages(BaseModel):
    played: list[PlayedMessageView]
    """Oldest first, since the node owning the floor started."""


Phone = Annotated[
    str, Path(min_length=1, max_length=40, description="the number, URL-encoded; any notation")
]


def _sandbox(sandbox: SandboxCalls | None) -> SandboxCalls:
    if sandbox is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the simulator API needs AGENTBAR_TELEPHONY=simulator"
        )
    return sandbox


NOT_TAKEN: Answers = {
    503: {
        "model": Unavailable,
        "description": "the call was not stored (`call_not_taken`), or "
        "the server could not take it now; `code` says whether to send it again",
    }
}


@router.post(
    "/calls", status_code=status.HTTP_201_CREATED, response_model=PlacedCall, responses=NOT_TAKEN
)
async def place_call(body: PlaceCall, sandbox: SandboxDep) -> PlacedCall:
    """A simulated customer calls from `from` into the inbound campaign `campaign`; answered
    once the call is stored, so an acknowledged call survives a crash (a call not stored is
    answered `503` with `call_not_taken`: see `create_app`)."""
    try:
        return PlacedCall(callId=await _sandbox(sandbox).place_inbound(body.from_, body.campaign))
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


@router.put("/customers/{phone}", status_code=status.HTTP_204_NO_CONTENT)
async def script_customer(phone: Phone, body: CustomerScriptBody, sandbox: SandboxDep) -> None:
    """From now on the simulated customer at `phone` treats outbound calls (dialled from an
    agent's phone or by the dialer) as the body says; calls already ringing are not changed."""
    # answerAfter left out means "at once", but a busy line is never picked up at all.
    left_out = "answerAfter" not in body.model_fields_set
    behaviour = CustomerBehaviour(
        answer_after=None if body.busy and left_out else body.answerAfter,
        busy=body.busy,
        machine=body.machine,
        hang_up_after=body.hangUpAfter,
        ivr_keys=body.ivrKeys.upper(),
    )
    try:
        await _sandbox(sandbox).script_customer(phone, behaviour)
    except (InvalidPhone, InvalidScript) as error:
        raise HTTPException(422, error.message) from None


@router.get("/abandon-messages")
async def abandon_messages(sandbox: SandboxDep) -> PlayedMessages:
    """The message each abandoned call heard: what the law requires they hear, as the
    simulated network played it."""
    played = await _sandbox(sandbox).abandon_messages()
    return PlayedMessages(
        played=[PlayedMessageView(callId=p.call_id, message=p.message) for p in played]
    )
