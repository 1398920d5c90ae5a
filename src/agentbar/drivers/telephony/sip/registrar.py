"""The registrar for the agents' extensions (RFC 3261 §10), with digest authentication
(RFC 2617 / RFC 7616 with MD5 and qop=auth, as desk phones and softphones speak it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from agentbar.drivers.telephony.sip.message import (
    SipMessage,
    param,
    response_to,
    split_commas,
    uri_of,
    user_of,
)

Address = tuple[str, int]
DEFAULT_EXPIRES = 3600
MAX_EXPIRES = 3600
NONCE_LIFETIME = 300.0


class Password(NamedTuple):
    """A password an extension may register with; `browser`: the browser phone's (the toolbar
    registering through Janus), whose dialogs outlive the page (see reattach.py)."""

    secret: str
    browser: bool = False


@dataclass(frozen=True)
class Binding:
    """Where an extension can be reached: its Contact URI and the address it registered from;
    `browser`: registered by a browser phone."""

    contact: str
    address: Address
    expires_at: float
    browser: bool = False


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def parse_digest(header: str) -> dict[str, str]:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return {}
    fields: dict[str, str] = {}
    for part in split_commas(rest):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip().strip('"')
    return fields


class Registrar:
    def __init__(
        self,
        realm: str,
        passwords_of: Callable[[str], Sequence[Password]],
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._realm = realm
        self._passwords_of = passwords_of
        """The passwords an extension may register with (its own, and a browser phone's); none:
        it may not register at all."""
        self._now = now
        self._key = secrets.token_bytes(16)
        self._bindings: dict[str, Binding] = {}
        self.on_bound: Callable[[str], None] | None = None
        """Told the extension each time a phone registers it anew (not a refresh)."""

    def lookup(self, extension: str) -> Binding | None:
        binding = self._bindings.get(extension)
        if binding is not None and binding.expires_at <= self._now():
            del self._bindings[extension]
            return None
        return binding

    def handle(self, request: SipMessage, source: Address) -> SipMessage:
        """Answer a REGISTER: challenge it, refuse it, or store (or remove) the binding."""
        extension = user_of(uri_of(request.require("To")))
        passwords = self._passwords_of(extension) if extension else ()
        if not passwords:
            return response_to(request, 404)
        credentials = parse_digest(request.get("Authorization") or "")
        if not credentials:
            return self._challenge(request, stale=False)
        if credentials.get("username") != extension:
            return response_to(request, 403)
        if not self._nonce_fresh(credentials.get("nonce", "")):
            return self._challenge(request, stale=True)
        matched = next(
            (p for p in passwords if self._response_matches(credentials, request.method, p.secret)),
            None,
        )
        if matched is None:
            return response_to(request, 403)
        contacts = request.get_all("Contact")
        expires = self._expires(request)
        if contacts and contacts[0].strip() != "*":
            contact_expires = param(contacts[0], "expires")
            if contact_expires is not None and contact_expires.isdigit():
                expires = min(int(contact_expires), MAX_EXPIRES)
            if expires == 0:
                self._bindings.pop(extension, None)
            else:
                contact = uri_of(contacts[0])
                # Reach the phone where its packets come from (it may sit behind a NAT).
                before = self._bindings.get(extension)
                self._bindings[extension] = Binding(
                    contact, source, self._now() + expires, matched.browser
                )
                if self.on_bound is not None and (before is None or before.contact != contact):
                    self.on_bound(extension)
        elif contacts and expires == 0:
            self._bindings.pop(extension, None)
        response = response_to(request, 200, to_tag=secrets.token_hex(6))
        binding = self._bindings.get(extension)
        if binding is not None:
            response.headers.append(("Contact", f"<{binding.contact}>;expires={expires}"))
        return response

    def _expires(self, request: SipMessage) -> int:
        value = request.get("Expires")
        if value is not None and value.strip().isdigit():
            return min(int(value), MAX_EXPIRES)
        return DEFAULT_EXPIRES

    def _challenge(self, request: SipMessage, *, stale: bool) -> SipMessage:
        response = response_to(request, 401, to_tag=secrets.token_hex(6))
        header = f'Digest realm="{self._realm}", nonce="{self._nonce()}", algorithm=MD5, qop="auth"'
        if stale:
            header += ", stale=true"
        response.headers.append(("WWW-Authenticate", header))
        return response

    def _nonce(self) -> str:
        stamp = f"{self._now():.3f}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{stamp}-{mac}"

    def _nonce_fresh(self, nonce: str) -> bool:
        stamp, _, mac = nonce.partition("-")
        expected = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(mac, expected):
            return False
        try:
            return self._now() - float(stamp) < NONCE_LIFETIME
        except ValueError:
            return False

    def _response_matches(self, fields: dict[str, str], method: str, password: str) -> bool:
        if fields.get("realm") != self._realm or fields.get("algorithm", "MD5").upper() != "MD5":
            return False
        ha1 = _md5(f"{fields.get('username')}:{self._realm}:{password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        if fields.get("qop"):
            expected = _md5(
                f"{ha1}:{fields.get('nonce')}:{fields.get('nc', '')}:"
                f"{fields.get('cnonce', '')}:{fields.get('qop')}:{ha2}"
            )
        else:
            expected = _md5(f"{ha1}:{fields.get('nonce')}:{ha2}")
        return hmac.compare_digest(expected, fields.get("response", ""))
