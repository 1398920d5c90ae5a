"""The CRM origin allow-list and the CRM single sign-on endpoint through the admin API.

Both are stored and in force at once; the environment stays the base (see
`services/crm_settings.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.auth.sso_wire import SsoFormat
from agentbar.services.crm_settings import CrmSettings, InvalidSetting, SsoEndpoint
from agentbar.web.api.answers import ERRORS, refused
from agentbar.web.deps import ClientDep, CrmSettingsDep, require_admin

router = APIRouter(
    prefix="/api/v1",
    tags=["crm settings"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)


class OriginsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origins: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=1000)]
    """Bare origins, scheme://host[:port]; replaces the stored list."""


class OriginsView(BaseModel):
    environment: list[str]
    """From AGENTBAR_ALLOWED_ORIGINS: always allowed, changed only by a restart."""
    stored: list[str]
    """Set through this API."""
    effective: list[str]
    """What toolbar pages and sockets allow now: the environment's, then the stored ones."""


class SsoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Field(min_length=1, max_length=1000)]
    format: SsoFormat = SsoFormat.JSON


class SsoView(BaseModel):
    url: str | None
    format: SsoFormat | None
    source: str
    """'stored' (this API), 'environment' (AGENTBAR_CRM_SSO_URL) or 'none' (CRM login off)."""


def _origins_view(settings: CrmSettings) -> OriginsView:
    return OriginsView(
        environment=settings.environment_origins,
        stored=settings.stored_origins,
        effective=settings.allowed_origins(),
    )


def _sso_view(endpoint: SsoEndpoint | None) -> SsoView:
    if endpoint is None:
        return SsoView(url=None, format=None, source="none")
    return SsoView(url=endpoint.url, format=endpoint.format, source=endpoint.source)


@router.get("/origins")
async def get_origins(settings: CrmSettingsDep) -> OriginsView:
    """The CRM origins allowed to embed the toolbar."""
    return _origins_view(settings)


@router.put("/origins")
async def put_origins(
    body: OriginsBody, settings: CrmSettingsDep, client: ClientDep
) -> OriginsView:
    """Replace the stored origins; new toolbar loads and socket logins use them at once."""
    try:
        await settings.put_origins(body.origins, client=client)
    except InvalidSetting as error:
        raise refused(error) from None
    return _origins_view(settings)


@router.get("/sso")
async def get_sso(settings: CrmSettingsDep) -> SsoView:
    """The CRM login/logout endpoint in force (AUTH_TYPE_CRM_HTTP), and where it comes from."""
    return _sso_view(settings.sso_endpoint())


@router.put("/sso")
async def put_sso(body: SsoBody, settings: CrmSettingsDep, client: ClientDep) -> SsoView:
    """Store the endpoint and format; the next CRM login uses them."""
    try:
        endpoint = await settings.put_sso(body.url, body.format.value, client=client)
    except InvalidSetting as error:
        raise refused(error) from None
    return _sso_view(endpoint)


@router.delete("/sso", status_code=status.HTTP_200_OK)
async def delete_sso(settings: CrmSettingsDep, client: ClientDep) -> SsoView:
    """Forget the stored endpoint: the environment's applies again (or none)."""
    endpoint = await settings.clear_sso(client=client)
    return _sso_view(endpoint)
