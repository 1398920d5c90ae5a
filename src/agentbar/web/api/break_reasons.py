"""Break reasons through the admin API: the list agents choose from, replaced whole."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.model.agent import BreakReason
from agentbar.services.configuration import READABLE
from agentbar.services.provisioning import InvalidConfiguration
from agentbar.web.api.answers import ERRORS, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/break-reasons",
    tags=["provisioning"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)


class BreakReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=READABLE)]
    productive: bool = False


@router.get("")
async def list_break_reasons(provisioning: ProvisioningDep) -> list[BreakReasonBody]:
    reasons = await provisioning.break_reasons()
    return [BreakReasonBody(name=r.name, productive=r.productive) for r in reasons]


@router.put("", status_code=status.HTTP_204_NO_CONTENT)
async def put_break_reasons(
    body: list[BreakReasonBody], provisioning: ProvisioningDep, client: ClientDep
) -> None:
    """Replace the break reasons, in display order."""
    try:
        await provisioning.put_break_reasons(
            [BreakReason(r.name, r.productive) for r in body], client=client
        )
    except InvalidConfiguration as error:
        raise refused(error) from None
