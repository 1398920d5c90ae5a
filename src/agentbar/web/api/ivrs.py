"""IVRs through the admin API: the menus a call can be transferred or conferenced to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.services.configuration import READABLE
from agentbar.services.provisioning import InUse, InvalidConfiguration
from agentbar.web.api.answers import CONFLICT, ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/ivrs", tags=["ivrs"], dependencies=[Depends(require_admin)], responses=ERRORS
)

IvrName = Annotated[str, Path(min_length=1, max_length=100, pattern=READABLE)]


class IvrBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Annotated[str, Field(max_length=200)] | None = None


class IvrView(BaseModel):
    name: str
    description: str | None


@router.get("")
async def list_ivrs(provisioning: ProvisioningDep) -> list[IvrView]:
    """The IVRs in the order the toolbar lists them."""
    return [
        IvrView(name=name, description=description) for name, description in provisioning.ivrs()
    ]


@router.get("/{name}", responses=NOT_FOUND)
async def get_ivr(name: IvrName, provisioning: ProvisioningDep) -> IvrView:
    found = provisioning.ivr(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no IVR '{name}'")
    return IvrView(name=found[0], description=found[1])


@router.put("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_ivr(
    name: IvrName, body: IvrBody, provisioning: ProvisioningDep, client: ClientDep
) -> None:
    """Add an IVR (last in the list) or change its description; transfers and conferences
    to it work at once."""
    try:
        await provisioning.put_ivr(name, body.description, client=client)
    except InvalidConfiguration as error:
        raise refused(error) from None


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT}
)
async def delete_ivr(name: IvrName, provisioning: ProvisioningDep, client: ClientDep) -> Response:
    """Delete an IVR; 409 while a caller is in it."""
    try:
        deleted = await provisioning.delete_ivr(name, client=client)
    except InUse as error:
        raise refused(error) from None
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no IVR '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
