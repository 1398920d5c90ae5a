"""Extensions through the admin API: the phones agents work from, by name.

PUT creates or replaces an extension by its name (idempotent); every change is audited. An
extension's kind says what answers its calls: `phone` (a SIP desk phone or softphone of the
agent's own, the default) or `browser` (the toolbar's own phone).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.domain.model.agent import Extension, ExtensionKind
from agentbar.services.configuration import READABLE
from agentbar.services.provisioning import InUse, InvalidConfiguration
from agentbar.web.api.answers import CONFLICT, ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, require_admin

router = APIRouter(
    prefix="/api/v1/extensions",
    tags=["provisioning"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

ExtensionName = Annotated[str, Path(min_length=1, max_length=100, pattern=READABLE)]
Kind = Literal["phone", "browser"]


class ExtensionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z*#+._-]+$")]
    kind: Kind = "phone"


class ExtensionView(BaseModel):
    name: str
    phone: str
    kind: Kind

    @classmethod
    def of(cls, extension: Extension) -> ExtensionView:
        return cls(name=extension.name, phone=extension.phone, kind=extension.kind.value)


@router.get("")
async def list_extensions(provisioning: ProvisioningDep) -> list[ExtensionView]:
    return [ExtensionView.of(e) for e in await provisioning.extensions()]


@router.get("/{name}", responses=NOT_FOUND)
async def get_extension(name: ExtensionName, provisioning: ProvisioningDep) -> ExtensionView:
    found = await provisioning.extension(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension '{name}'")
    return ExtensionView.of(found)


@router.put("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_extension(
    name: ExtensionName, body: ExtensionBody, provisioning: ProvisioningDep, client: ClientDep
) -> None:
    try:
        await provisioning.put_extension(name, body.phone, ExtensionKind(body.kind), client=client)
    except InvalidConfiguration as error:
        raise refused(error) from None


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **CONFLICT},
)
async def delete_extension(
    name: ExtensionName, provisioning: ProvisioningDep, client: ClientDep
) -> Response:
    """Delete an extension; 409 while a logged-in agent works from it."""
    try:
        deleted = await provisioning.delete_extension(name, client=client)
    except InUse as error:
        raise refused(error) from None
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no extension '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
