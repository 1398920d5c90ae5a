"""The CRM origin allow-list and the CRM single sign-on endpoint through the admin API.

Both are stored and in force at once; the environment stays the base (see
`services/crm_settings.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.auth.sso_wire import SsoFormat
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT
from agentbar.services.crm_settings import CrmSettings, InvalidSetting, SsoEndpoint
from agentbar.web.api.changes import ERRORS, audit_change, refused
from agentbar.web.security import require_admin

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


def _crm(request: Request) -> CrmSettings:
    settings: CrmSettings = request.app.state.container.crm_settings
    return settings


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
async def get_origins(request: Request) -> OriginsView:
    """The CRM origins allowed to embed the toolbar."""
    return _origins_view(_crm(request))


@router.put("/origins")
async def put_origins(body: OriginsBody, request: Request) -> OriginsView:
    """Replace the stored origins; new toolbar loads and socket logins use them at once."""
    settings = _crm(request)
    try:
        settings.put_origins(body.origins)
    except InvalidSetting as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, "allowed origins")
    return _origins_view(settings)


@router.get("/sso")
async def get_sso(request: Request) -> SsoView:
    """The CRM login/logout endpoint in force (AUTH_TYPE_CRM_HTTP), and where it comes from."""
    return _sso_view(_crm(request).sso_endpoint())


@router.put("/sso")
async def put_sso(body: SsoBody, request: Request) -> SsoView:
    """Store the endpoint and format; the next CRM login uses them."""
    try:
        endpoint = _crm(request).put_sso(body.url, body.format.value)
    except InvalidSetting as error:
        raise refused(error) from None
    await audit_change(request, ADMIN_PUT, "sso endpoint")
    return _sso_view(endpoint)


@router.delete("/sso", status_code=status.HTTP_200_OK)
async def delete_sso(request: Request) -> SsoView:
    """Forget the stored endpoint: the environment's applies again (or none)."""
    endpoint = _crm(request).clear_sso()
    await audit_change(request, ADMIN_DELETE, "sso endpoint")
    return _sso_view(endpoint)
