"""The browser phone: what a toolbar needs to be its agent's phone.

An extension of kind `browser` is a SIP phone that lives in the toolbar: the toolbar connects
to Janus and, through Janus's SIP plugin, registers the extension at agentbar's own registrar
like any desk phone, so every call flow of the SIP driver reaches it unchanged. This service
hands the agent working from such an extension a short-lived Janus token and the extension's
SIP credentials; nobody else gets them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentbar.auth.phone_secrets import AUDIOBRIDGE_PLUGIN, browser_sip_password, janus_token
from agentbar.domain.model.agent import ExtensionKind
from agentbar.domain.model.errors import DomainError
from agentbar.ports import Clock
from agentbar.services.runtime import Runtime
from agentbar.services.sandbox_voices import SandboxVoices

SCRIPTS = {
    "janus.js": Path("janus-gateway/janus.js"),
    "adapter.js": Path("webrtc-adapter/adapter.js"),
}
"""The scripts of Debian's libjs-janus-gateway and libjs-webrtc-adapter the phone runs on,
under the JavaScript folder (AGENTBAR_JANUS_JS_DIR)."""

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 12 * 3600.0
"""Seconds a Janus token stays good: a working day; a toolbar asks again when it reconnects."""


class PhoneUnavailable(DomainError):
    """This server has no browser phone (no Janus, or no SIP registrar to register at)."""

    code = "phone_unavailable"


class NoVoice(DomainError):
    """The agent's call has no room to join (not a sandbox call, or its room failed)."""

    code = "no_room"


class NotABrowserPhone(DomainError):
    """The agent's extension is a desk phone or softphone, not the toolbar's own."""

    code = "not_a_browser_phone"


@dataclass(frozen=True)
class BrowserPhoneSettings:
    janus_url: str
    secret: str
    """Janus's token_auth_secret, which also derives the SIP passwords."""
    registrar: Callable[[], str] | None
    """host:port of agentbar's SIP registrar, as Janus reaches it (known once it listens);
    None on the simulator, where the phone joins the sandbox's rooms instead."""


class BrowserPhones:
    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        settings: BrowserPhoneSettings | None,
        scripts: Path = Path("/usr/share/javascript"),
        voices: SandboxVoices | None = None,
    ) -> None:
        self._runtime = runtime
        self._clock = clock
        self._settings = settings
        self._scripts = scripts
        self._voices = voices

    @property
    def janus_url(self) -> str | None:
        """The Janus the toolbars connect to (their pages must be allowed to), if any."""
        return None if self._settings is None else self._settings.janus_url

    def script(self, name: str) -> Path | None:
        """The file of a script the phone runs on, if it is one and is installed."""
        relative = SCRIPTS.get(name)
        if relative is None or self._settings is None:
            return None
        path = self._scripts / relative
        return path if path.is_file() else None

    def credentials(self, agent_id: str) -> dict[str, Any]:
        """Where and how the agent's toolbar registers its browser phone (`mode` "sip"), or,
        on the simulator, joins its calls' rooms (`mode` "rooms")."""
        settings = self._settings
        if settings is None:
            raise PhoneUnavailable("this server has no browser phone: it needs AGENTBAR_JANUS_URL")
        agent = self._runtime.center.agent(agent_id)
        extension = agent.extension
        if extension is None or extension.kind is not ExtensionKind.BROWSER:
            raise NotABrowserPhone(
                "choose a browser extension to use the phone in the toolbar"
                if extension is None
                else f"extension '{extension.name}' is a desk phone, not a browser phone"
            )
        expires_at = self._clock.now() + TOKEN_LIFETIME
        if settings.registrar is None:
            return {
                "mode": "rooms",
                "janusUrl": settings.janus_url,
                "janusToken": janus_token(settings.secret, expires_at, (AUDIOBRIDGE_PLUGIN,)),
                "expiresAt": expires_at,
                "displayName": agent.profile.name,
            }
        registrar = settings.registrar()
        return {
            "mode": "sip",
            "janusUrl": settings.janus_url,
            "janusToken": janus_token(settings.secret, expires_at),
            "expiresAt": expires_at,
            "identity": f"sip:{extension.phone}@{registrar}",
            "proxy": f"sip:{registrar}",
            "username": extension.phone,
            "secret": browser_sip_password(settings.secret, extension.phone),
            "displayName": agent.profile.name,
        }

    def problem(self, agent_id: str, code: str, detail: str) -> None:
        """An agent's browser phone cannot work: said where operators look (the log)."""
        log.warning("browser phone of %s: %s %s", agent_id, code, detail)

    async def room(self, agent_id: str) -> dict[str, Any]:
        """The room of the agent's current sandbox call, for its browser phone to join."""
        agent = self._runtime.center.agent(agent_id)
        voice = None
        if agent.call_id is not None and self._voices is not None:
            voice = await self._voices.room_of(agent.call_id)
        if voice is None:
            raise NoVoice("the agent's call has no room to join")
        return {"room": voice.room, "pin": voice.pin}
