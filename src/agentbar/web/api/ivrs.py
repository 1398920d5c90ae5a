"""IVRs through the admin API: the menus a call can be transferred or conferenced to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.model.ivr import Ivr
from agentbar.services.configuration import READABLE
from agentbar.services.ivr_settings import (
    DigitCollectionEntry,
    digit_collection_entry,
    digit_collection_of,
)
from agentbar.services.provisioning import InUse, InvalidConfiguration
from agentbar.web.api.answers import CONFLICT, ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/ivrs", tags=["ivrs"], dependencies=[Depends(require_admin)], responses=ERRORS
)

IvrName = Annotated[str, Path(min_length=1, max_length=100, pattern=READABLE)]


class IvrBody(BaseModel):
    """The whole IVR: what is left out is not kept (no collectDigits: it collects nothing)."""

    model_config = ConfigDict(extra="forbid")
    description: Annotated[str, Field(max_length=200)] | None = None
    collectDigits: DigitCollectionEntry | None = None
    """The digits it asks callers for, reported as the event `call.ivr_digits`."""


class IvrView(BaseModel):
    name: str
    description: str | None
    collectDigits: DigitCollectionEntry | None


def _view(ivr: Ivr) -> IvrView:
    return IvrView(
        name=ivr.name,
        description=ivr.description,
        collectDigits=digit_collection_entry(ivr.collect),
    )


@router.get("")
async def list_ivrs(provisioning: ProvisioningDep) -> list[IvrView]:
    """The IVRs in the order the toolbar lists them."""
    return [_view(ivr) for ivr in provisioning.ivrs()]


@router.get("/{name}", responses=NOT_FOUND)
async def get_ivr(name: IvrName, provisioning: ProvisioningDep) -> IvrView:
    found = provisioning.ivr(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no IVR '{name}'")
    return _view(found)


@router.put("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_ivr(
    name: IvrName, body: IvrBody, provisioning: ProvisioningDep, client: ClientDep
) -> None:
    """Add an IVR (last in the list) or replace it in place: its description and the digits it
    collects, none if `collectDigits` is left out. Transfers and conferences to it work at
    once; the next caller to reach it is asked for those digits."""
    collect = digit_collection_of(body.collectDigits)
    try:
        await provisioning.put_ivr(name, body.description, collect, client=client)
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
