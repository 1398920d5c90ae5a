"""The CRM-facing settings an administrator changes while the server runs: the CRM origin
allow-list and the CRM single sign-on endpoint.

Rules kept here:
- The environment is the base. `AGENTBAR_ALLOWED_ORIGINS` is always allowed; the stored list
  adds to it (the union, the environment's first). A stored SSO endpoint replaces the one
  from `AGENTBAR_CRM_SSO_URL`/`_FORMAT` until it is removed again.
- A change is checked whole, stored, then put in force in memory: the next toolbar load or
  socket handshake sees the new allow-list, the next login the new endpoint. Nothing restarts.
- The endpoint may not point inside the network the server runs in (loopback, link-local,
  private addresses, however spelled, or a name resolving to one) unless
  `AGENTBAR_ALLOW_PRIVATE_TARGETS` is set: checked when it is set and before each request
  (`outbound_urls`).
- An administrator's change is audited with the client that asked for it; the `store_*`
  steps are not, for a larger change (a configuration import) audits itself as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from agentbar.auth.crm_sso import CrmSso, SsoSettings
from agentbar.auth.sso_wire import SsoFormat
from agentbar.config import Settings
from agentbar.domain.model.errors import DomainError
from agentbar.origins import parse_allowed_origin
from agentbar.ports import SettingsStore
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT, Audit
from agentbar.services.outbound_urls import OutboundTargets, PrivateTarget, literal_refusal

SSO_SETTING = "crm_sso"


class InvalidSetting(DomainError):
    code = "invalid_setting"


@dataclass(frozen=True)
class SsoEndpoint:
    url: str
    format: SsoFormat
    source: Literal["stored", "environment"]


def parse_sso_url(text: str) -> str:
    """A CRM SSO endpoint: an absolute http(s) URL with a host, no credentials, no fragment."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise InvalidSetting(f"'{text}' is not a URL") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidSetting(f"the SSO URL must be http:// or https://, not '{text}'")
    if not parts.hostname:
        raise InvalidSetting(f"the SSO URL '{text}' has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidSetting("the SSO URL must not carry credentials (user:password@)")
    if parts.fragment:
        raise InvalidSetting("the SSO URL must not have a #fragment")
    return text.strip()


def parse_origins(texts: Sequence[str]) -> list[str]:
    """Each entry a bare origin, none twice (after normalising); the first problem raises."""
    origins: list[str] = []
    for text in texts:
        try:
            origin = parse_allowed_origin(text)
        except ValueError as error:
            raise InvalidSetting(str(error)) from None
        if origin in origins:
            raise InvalidSetting(f"origin {origin} is listed twice")
        origins.append(origin)
    return origins


class CrmSettings:
    def __init__(
        self, storage: SettingsStore, settings: Settings, sso: CrmSso, audit: Audit
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._sso = sso
        self._audit = audit
        self._stored_origins: list[str] = []
        self._allowed: list[str] = list(settings.allowed_origins)
        self._targets = OutboundTargets(settings.allow_private_targets)
        # Each SSO request checks its target again: the name may resolve elsewhere by now.
        sso.guard = self._request_refusal

    async def _request_refusal(self, url: str) -> str | None:
        return await self._targets.refusal(url, strict=True)

    async def check_sso_target(self, url: str) -> None:
        """InvalidSetting when the endpoint's host is, or resolves to, an internal address
        (and private targets are not allowed)."""
        try:
            await self._targets.check(url)
        except PrivateTarget as error:
            raise InvalidSetting(f"the SSO URL is refused: {error.message}") from None

    def load(self) -> None:
        """Put the stored settings in force (at start, after migrations)."""
        self._set_origins(self._storage.allowed_origins())
        self._sso.settings = self._sso_settings(self._stored_sso())

    # -- the origin allow-list --------------------------------------------------------------

    @property
    def environment_origins(self) -> list[str]:
        return list(self._settings.allowed_origins)

    @property
    def stored_origins(self) -> list[str]:
        return list(self._stored_origins)

    def allowed_origins(self) -> list[str]:
        """Every origin allowed now: the environment's, then the stored ones."""
        return self._allowed

    async def put_origins(self, texts: Sequence[str], *, client: str | None) -> list[str]:
        """Replace the stored origins (audited)."""
        origins = self.store_origins(texts)
        await self._audit.change(ADMIN_PUT, client, "allowed origins")
        return origins

    def store_origins(self, texts: Sequence[str]) -> list[str]:
        origins = parse_origins(texts)
        self._storage.replace_allowed_origins(origins)
        self._set_origins(origins)
        return origins

    def _set_origins(self, stored: list[str]) -> None:
        self._stored_origins = stored
        base = list(self._settings.allowed_origins)
        self._allowed = base + [o for o in stored if o not in base]

    # -- the SSO endpoint -------------------------------------------------------------------

    def sso_endpoint(self) -> SsoEndpoint | None:
        stored = self._stored_sso()
        if stored is not None:
            return stored
        if self._settings.crm_sso_url:
            fmt = SsoFormat(self._settings.crm_sso_format)
            return SsoEndpoint(self._settings.crm_sso_url, fmt, "environment")
        return None

    async def put_sso(self, url: str, format_name: str, *, client: str | None) -> SsoEndpoint:
        """Store the endpoint and put it in force (audited)."""
        await self.check_sso_target(url.strip())
        endpoint = self.store_sso(url, format_name)
        await self._audit.change(ADMIN_PUT, client, "sso endpoint")
        return endpoint

    def store_sso(self, url: str, format_name: str) -> SsoEndpoint:
        try:
            fmt = SsoFormat(format_name)
        except ValueError:
            raise InvalidSetting(f"format must be json, form or xml, not '{format_name}'") from None
        endpoint = SsoEndpoint(parse_sso_url(url), fmt, "stored")
        # Only what needs no lookup here (this runs inside transactions); names are resolved by
        # `check_sso_target` before, and before every request.
        refusal = None if self._settings.allow_private_targets else literal_refusal(endpoint.url)
        if refusal is not None:
            raise InvalidSetting(f"the SSO URL is refused: {refusal}")
        self._storage.put_setting(SSO_SETTING, {"url": endpoint.url, "format": fmt.value})
        self._sso.settings = self._sso_settings(endpoint)
        return endpoint

    async def clear_sso(self, *, client: str | None) -> SsoEndpoint | None:
        """Forget the stored endpoint: the environment's (if any) is in force again (audited)."""
        self._storage.put_setting(SSO_SETTING, None)
        endpoint = self.sso_endpoint()
        self._sso.settings = self._sso_settings(endpoint)
        await self._audit.change(ADMIN_DELETE, client, "sso endpoint")
        return endpoint

    def _stored_sso(self) -> SsoEndpoint | None:
        stored = self._storage.setting(SSO_SETTING)
        if not isinstance(stored, dict):
            return None
        return SsoEndpoint(str(stored["url"]), SsoFormat(stored["format"]), "stored")

    def _sso_settings(self, endpoint: SsoEndpoint | None) -> SsoSettings | None:
        if endpoint is None:
            endpoint = self.sso_endpoint()
        if endpoint is None:
            return None
        return SsoSettings(
            url=endpoint.url,
            format=endpoint.format,
            connect_timeout=self._settings.crm_sso_connect_timeout,
            timeout=self._settings.crm_sso_timeout,
        )
