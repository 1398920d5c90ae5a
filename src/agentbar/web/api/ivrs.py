"""IVRs through the admin API: the menus a call can be transferred or conferenced to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT
from agentbar.services.provisioning import InUse, InvalidConfiguration, Provisioning
from agentbar.web.api.changes import CONFLICT, ERRORS, NOT_FOUND, audit_change, refused
from agentbar.web.security import require_admin

router = APIRouter(
    prefix="/api/v1/ivrs", tags=["ivrs"], dependencies=[Depends(require_admin)], responses=ERRORS
)

IvrName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class IvrBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Annotated[str, Field(max_length=200)] | None = None


class IvrView(BaseModel):
    name: str
    description: str | None


def _provisioning(request: Request) -> Provisioning:
    provisioning: Provisioning = request.app.state.container.provisioning
    return provisioning


@router.get("")
async def list_ivrs(request: Request) -> list[IvrView]:
    """The IVRs in the order the toolbar lists them."""
    found = request.app.state.container.storage.catalog.ivr_details()
    return [IvrView(name=name, description=description) for name, description in found]


@router.get("/{name}", responses=NOT_FOUND)
async def get_ivr(name: IvrName, request: Request) -> IvrView:
    for found, description in request.app.state.container.storage.catalog.ivr_details():
        if found == name:
            return IvrView(name=found, description=description)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no IVR '{name}'")


@router.put("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_ivr(name: IvrName, body: IvrBody, request: Request) -> None:
    """Add an IVR (last in the list) or change its description; transfers and conferences
    to it work at once."""
    try:
        await _provisioning(request).put_ivr(name, body.description)
    except InvalidConfiguration as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, f"ivr '{name}'")


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT}
)
async def delete_ivr(name: IvrName, request: Request) -> Response:
    """Delete an IVR; 409 while a caller is in it."""
    try:
        deleted = await _provisioning(request).delete_ivr(name)
    except InUse as error:
        raise refused(error) from None
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no IVR '{name}'")
    await audit_change(request, ADMIN_DELETE, f"ivr '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
