"""The secrets of the browser phone: the Janus token a toolbar presents to the media server and
the SIP password its extension registers with, both derived from one operator secret.

Janus checks HMAC-signed tokens itself (`token_auth_secret`): `<expiry>,janus,<plugin>:<base64
HMAC-SHA1 of what precedes the colon>`, valid until the expiry (Unix seconds) and only for the
plugins it names. The SIP password is an HMAC of the extension's phone number: the registrar
recomputes it, so nothing is stored, and only an agent working from that extension is given it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

JANUS_REALM = "janus"
SIP_PLUGIN = "janus.plugin.sip"
AUDIOBRIDGE_PLUGIN = "janus.plugin.audiobridge"


def janus_token(secret: str, expires_at: float, plugins: tuple[str, ...] = (SIP_PLUGIN,)) -> str:
    """A token Janus accepts until `expires_at` (Unix seconds), for `plugins` only."""
    data = ",".join((str(int(expires_at)), JANUS_REALM, *plugins))
    mac = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(mac).decode()}"


def browser_sip_password(secret: str, phone: str) -> str:
    """The digest password of a browser phone registering as `phone`."""
    mac = hmac.new(secret.encode(), f"browser-phone:{phone}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
