"""The HTTP edge: what every request and socket handshake must pass before the application
sees it, checked on the headers alone, before a byte of the body is read.

- The `Host` must be one this server answers to: an IP literal, `localhost`, the public URL's
  host, or one of the allowed hosts. A page on an attacker's domain whose name was re-pointed
  at this server (DNS rebinding) sends its own name, and is refused (HTTP 421; a socket
  handshake is closed before it is accepted, which the client sees as 403).
- Admin routes (the `/api/v1/` REST API, and `/metrics` unless public) need the admin bearer
  token first: an unauthenticated upload is answered 401 without being read. Wrong tokens are
  throttled per client address (see `AdminGuard`). The routes keep their own check as well.
- A body larger than its route's limit is answered 413: at once when `Content-Length` says so,
  and as soon as the limit is crossed when it arrives in chunks; the application is never
  handed more than the limit.

Pure ASGI rather than `BaseHTTPMiddleware`: it must see WebSocket handshakes, and it must
not buffer bodies.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentbar.web.admin_guard import AdminGuard, Verdict

ADMIN_PREFIX = "/api/v1/"
"""Every HTTP route under it is an admin route (the sockets under it are WebSocket scopes)."""
METRICS_PATH = "/metrics"
UPLOAD_ROUTES = (
    re.compile(r"/api/v1/campaigns/[^/]+/leads"),  # a campaign's lead list
    re.compile(r"/api/v1/config"),  # the whole configuration
    re.compile(r"/api/v1/do-not-call/import"),  # a do-not-call list
)
"""Routes that take whole files, and so `max_upload_bytes` rather than `max_body_bytes`."""
TOKEN_REQUIRED = "admin token required: send 'Authorization: Bearer <AGENTBAR_ADMIN_TOKEN>'"
_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_PORT = re.compile(r"[0-9]{1,5}")
_LENGTH = re.compile(r"[0-9]{1,19}")


@dataclass(frozen=True)
class HostRule:
    """A host this server answers to: `name` (or every subdomain of it, for `*.name`), at
    `port` or, when None, at any port."""

    name: str
    port: int | None = None
    subdomains: bool = False

    def matches(self, name: str, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.subdomains:
            return name.endswith(f".{self.name}")
        return name == self.name


def split_host(value: str) -> tuple[str, int | None] | None:
    """A `Host` header's name (lowercased, IPv6 without brackets) and port; None when it is
    not a host name, an IPv4 literal or a bracketed IPv6 literal with an optional port."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            return None
        if not bracket:
            return None
    else:
        name, colon, port_text = value.partition(":")
        rest = colon + port_text
        name = name.removesuffix(".")  # "example.com." is the fully qualified "example.com"
        if not _NAME.fullmatch(name):
            return None
    if not rest:
        return name, None
    if rest[0] != ":" or not _PORT.fullmatch(rest[1:]) or int(rest[1:]) > 65535:
        return None
    return name, int(rest[1:])


def host_rule(entry: str) -> HostRule:
    """An `AGENTBAR_ALLOWED_HOSTS` entry: `name`, `name:port` or `*.name`."""
    subdomains = entry.strip().startswith("*.")
    parsed = split_host(entry.strip().removeprefix("*."))
    if parsed is None:
        raise ValueError(
            f"AGENTBAR_ALLOWED_HOSTS: '{entry}' is not a host name, host:port or *.domain"
        )
    return HostRule(parsed[0], parsed[1], subdomains)


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class EdgePolicy:
    """The edge's settings (see `agentbar.config.Settings` for each)."""

    hosts: tuple[HostRule, ...] = ()
    """Names besides IP literals and `localhost`."""
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 33_554_432
    public_metrics: bool = False
    api_docs: bool = False

    @classmethod
    def of(
        cls,
        *,
        public_url: str | None,
        allowed_hosts: Iterable[str],
        listen_host: str | None = None,
        max_body_bytes: int = 1_048_576,
        max_upload_bytes: int = 33_554_432,
        public_metrics: bool = False,
        api_docs: bool = False,
    ) -> EdgePolicy:
        hosts = [host_rule(entry) for entry in allowed_hosts]
        public_host = urlsplit(public_url).hostname if public_url else None
        for name in (public_host, listen_host):
            if name and not is_ip_literal(name):
                hosts.append(HostRule(name.lower()))
        return cls(tuple(hosts), max_body_bytes, max_upload_bytes, public_metrics, api_docs)

    def allows_host(self, value: str | None) -> bool:
        parsed = split_host(value) if value is not None else None
        if parsed is None:
            return False
        name, port = parsed
        # Rebinding needs a name to re-point: an address typed as such cannot be rebound.
        if name == "localhost" or is_ip_literal(name):
            return True
        return any(rule.matches(name, port) for rule in self.hosts)

    def body_limit(self, path: str) -> int:
        if any(route.fullmatch(path) for route in UPLOAD_ROUTES):
            return self.max_upload_bytes
        return self.max_body_bytes

    def is_admin_path(self, path: str) -> bool:
        return path.startswith(ADMIN_PREFIX) or (path == METRICS_PATH and not self.public_metrics)


@dataclass
class _Headers:
    values: dict[bytes, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, scope: Scope) -> _Headers:
        headers = cls()
        for name, value in scope.get("headers", []):
            headers.values.setdefault(name.lower(), []).append(value.decode("latin-1"))
        return headers

    def only(self, name: bytes) -> str | None:
        """The header's value when it is sent exactly once."""
        found = self.values.get(name, [])
        return found[0] if len(found) == 1 else None

    def has(self, name: bytes) -> bool:
        return name in self.values


class Edge:
    def __init__(self, app: ASGIApp, policy: EdgePolicy, guard: AdminGuard) -> None:
        self._app = app
        self._policy = policy
        self._guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        headers = _Headers.of(scope)
        host = headers.only(b"host")
        if not self._policy.allows_host(host):
            await self._refuse_host(scope, send, host)
            return
        if scope["type"] == "websocket":
            # The socket lives for hours: the parsed headers are not kept alive with it.
            del headers
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        has_body = headers.has(b"content-length") or headers.has(b"transfer-encoding")
        if self._policy.is_admin_path(path):
            refused = self._admin_refusal(scope, headers)
            if refused is not None:
                status, detail, extra = refused
                await _answer(send, status, detail, extra, close=has_body)
                return
        limit = self._policy.body_limit(path)
        declared = headers.values.get(b"content-length", [])
        if declared:
            if len(set(declared)) != 1 or not _LENGTH.fullmatch(declared[0].strip()):
                await _answer(send, 400, "Content-Length is not one whole number", close=True)
                return
            if int(declared[0]) > limit:
                detail = f"the request body is larger than {limit} bytes"
                await _answer(send, 413, detail, close=True)
                return
        await self._pass_counting(scope, receive, send, limit)

    async def _pass_counting(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """The request to the application, its body counted as it is read: the chunk that
        crosses `limit` is not handed on. The application is told the client left instead
        (so it stops reading, whatever middleware it has), and whatever it answers to that is
        replaced by the 413."""
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the application's answer to a "client" that never left
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counting_receive, watching_send)
        except Exception:
            # Reading a body cut short may raise (a disconnect); that is the 413's doing.
            if not exceeded or started:
                raise
        if exceeded and not started:
            detail = f"the request body is larger than {limit} bytes"
            await _answer(send, 413, detail, close=True)

    def _admin_refusal(
        self, scope: Scope, headers: _Headers
    ) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        scheme, _, token = (headers.only(b"authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return 401, TOKEN_REQUIRED, [(b"www-authenticate", b"Bearer")]
        client = scope.get("client")
        check = self._guard.check(token.strip(), client[0] if client else None)
        if check.verdict is Verdict.THROTTLED:
            detail = (
                f"too many wrong admin tokens from this address; retry in {check.retry_after} s"
            )
            return 429, detail, [(b"retry-after", str(check.retry_after).encode())]
        if check.verdict is Verdict.WRONG:
            return 403, "admin token is not valid", []
        return None

    async def _refuse_host(self, scope: Scope, send: Send, host: str | None) -> None:
        named = "no Host header" if host is None else f"the host '{host[:255]}'"
        detail = (
            f"this server does not answer to {named} (a guard against DNS rebinding): set "
            "AGENTBAR_PUBLIC_URL to the URL agents use, or add the host to "
            "AGENTBAR_ALLOWED_HOSTS"
        )
        if scope["type"] == "websocket":
            # Closing before accepting refuses the handshake: the client is answered 403.
            await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})
        else:
            await _answer(send, 421, detail, close=True)


async def _answer(
    send: Send,
    status: int,
    detail: str,
    extra: list[tuple[bytes, bytes]] | None = None,
    *,
    close: bool = False,
) -> None:
    """A JSON answer given before the body is read; `close` ends the connection after it, so a
    client that sends its body anyway is not read to its end."""
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", b"frame-ancestors 'none'"),
        *(extra or []),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
