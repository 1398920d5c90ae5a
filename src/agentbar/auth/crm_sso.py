"""The CRM single sign-on client: the server (never the browser) asks the CRM.

Rules kept here:
- One request is bounded in every way: a connect time-out, a total time-out, a capped answer
  read by streaming, no redirects (a redirect is a failure), TLS verified.
- Any failure of the exchange — time-out, refused connection, non-2xx status, redirect,
  oversized or malformed answer — is `SsoUnavailable`; its reason goes to the log, never to
  the browser. Only a well-formed answer comes back, and of it only `message` may travel on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from agentbar.auth.sso_wire import (
    MalformedAnswer,
    SsoAnswer,
    SsoFormat,
    encode_request,
    parse_answer,
)

ANSWER_LIMIT = 64 * 1024
"""Bytes of a CRM answer read at most; a longer answer is refused."""


class SsoUnavailable(Exception):
    """The CRM could not be asked or did not answer usefully (the reason is for the log)."""


@dataclass(frozen=True)
class SsoSettings:
    url: str
    format: SsoFormat
    connect_timeout: float
    timeout: float


TargetGuard = Callable[[str], Awaitable[str | None]]
"""Why no request may go to a URL now (e.g. it resolves to a private address), or None."""

SsoObserver = Callable[[str, str, float], None]
"""Told of each request: (command, outcome 'success' | 'failed' | 'unavailable', seconds)."""


class CrmSso:
    def __init__(
        self,
        settings: SsoSettings | None,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        """The endpoint in force; the admin API replaces it, and the next request uses it."""
        self.observe: SsoObserver | None = None
        self.guard: TargetGuard | None = None
        """Asked before each request; a refusal makes it SsoUnavailable, nothing sent."""
        self._transport = transport
        self._monotonic = monotonic

    @property
    def configured(self) -> bool:
        return self.settings is not None

    async def login(self, user_id: str, password: str) -> SsoAnswer:
        return await self._ask({"userId": user_id, "password": password, "command": "login"})

    async def logout(self, crm_session_id: str) -> SsoAnswer:
        return await self._ask({"command": "logout", "crmSessionId": crm_session_id})

    async def _ask(self, fields: dict[str, str]) -> SsoAnswer:
        s = self.settings
        if s is None:
            raise SsoUnavailable("CRM single sign-on is not configured")
        started = self._monotonic()
        outcome = "unavailable"
        try:
            answer = await self._exchange(s, fields)
            outcome = "success" if answer.success else "failed"
            return answer
        finally:
            if self.observe is not None:
                self.observe(fields["command"], outcome, self._monotonic() - started)

    async def _exchange(self, s: SsoSettings, fields: dict[str, str]) -> SsoAnswer:
        refusal = await self.guard(s.url) if self.guard is not None else None
        if refusal is not None:
            raise SsoUnavailable(f"not asked: {refusal}")
        try:
            async with asyncio.timeout(s.timeout):
                body = await self._post(s, fields)
        except TimeoutError:
            raise SsoUnavailable(f"no answer within {s.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise SsoUnavailable(f"{type(error).__name__}: {error}") from None
        try:
            return parse_answer(s.format, body)
        except MalformedAnswer as error:
            raise SsoUnavailable(str(error)) from None

    async def _post(self, s: SsoSettings, fields: dict[str, str]) -> bytes:
        request = encode_request(s.format, fields)
        # The total time-out above bounds the whole exchange; these bound each phase in it.
        timeout = httpx.Timeout(s.timeout, connect=s.connect_timeout)
        async with (
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=True, transport=self._transport
            ) as client,
            client.stream(
                "POST",
                s.url,
                content=request.body,
                # identity: the cap counts the bytes as sent, so no compressed answer can expand.
                headers={"Content-Type": request.content_type, "Accept-Encoding": "identity"},
            ) as response,
        ):
            if response.is_redirect:
                raise SsoUnavailable(f"the CRM redirected ({response.status_code}); not followed")
            if not response.is_success:
                raise SsoUnavailable(f"the CRM answered HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > ANSWER_LIMIT:
                raise SsoUnavailable(f"the CRM's answer is {declared} bytes, over the limit")
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > ANSWER_LIMIT:
                    raise SsoUnavailable(f"the CRM's answer is over {ANSWER_LIMIT} bytes")
            return bytes(body)
