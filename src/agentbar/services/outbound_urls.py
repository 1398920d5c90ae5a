"""Outbound URLs (webhook receivers, the CRM SSO endpoint) that cannot reach inside.

An administrator names the URL, but the server makes the request, from inside the network it
runs in. Left unchecked, a webhook aimed at 169.254.169.254 (cloud metadata) or at
127.0.0.1:6379, with its delivery log showing what answered, scans that network for whoever
holds the admin token. So, unless `AGENTBAR_ALLOW_PRIVATE_TARGETS` is set, a URL is refused
when its host is, or resolves to, an address that is not public: loopback, link-local,
private, shared (CGNAT), unspecified, multicast, reserved or broadcast — IPv4-mapped and
6to4/Teredo IPv6 forms of those too — however the address is spelled (`2130706433`,
`0x7f000001`, `0177.0.0.1` and `127.1` are all 127.0.0.1 to the C resolver).

The classification (`internal_reason`, `literal_address`, `literal_refusal`) is pure; the
check of a name (`OutboundTargets`) resolves it, bounded in time, and refuses it if any
address it has is internal. The check is made when the URL is configured and again before
each request, since DNS answers change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from agentbar.domain.model.errors import DomainError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

RESOLVE_TIMEOUT = 2.0
"""Seconds a name is given to resolve before the check gives up on it."""

PRIVATE_TARGET = "target resolves to a private address"
"""The start of every refusal, as the delivery log and the admin API show it."""

Resolver = Callable[[str, int | None], Awaitable[list[str]]]
"""(host, port) -> the addresses the host resolves to, as text."""

_NUMERIC_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
"""What the C resolver's `inet_aton` reads as an IPv4 address (decimal, octal or hex parts,
one to four of them); anything else is a name. Checked first because `inet_aton` itself also
accepts trailing text after a space."""


class PrivateTarget(DomainError):
    """An outbound URL that would reach an internal address (nothing was stored or sent)."""

    code = "private_target"


def internal_reason(address: Address) -> str | None:
    """Why the address is not a public one (e.g. 'loopback'), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address inside are judged by it; `is_global` of the
        # IPv6 form misses 6to4 and Teredo.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            inner = internal_reason(embedded)
            if inner is not None:
                return f"{inner} (inside {address})"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not public", not address.is_global),
    )
    return next((reason for reason, hit in checks if hit), None)


def literal_address(host: str) -> Address | None:
    """The address a URL's host spells, in any form the C resolver would accept (IPv6, dotted
    quad, or integer/hex/octal IPv4 such as '2130706433', '0x7f000001', '0177.0.0.1',
    '127.1'); None when the host is a name."""
    host = host.strip().rstrip(".").strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_IPV4.match(host) is None:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None  # e.g. a part out of range: no resolver reads it as an address either


def host_of(url: str) -> str:
    """The URL's host (without brackets); a URL with none has no target to check."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        host = None
    if not host:
        raise PrivateTarget(f"'{url}' names no host")
    return host


def literal_refusal(url: str) -> str | None:
    """Why the URL's host, when it is an address, is internal; None for a public address or
    a name (a name needs resolving: `OutboundTargets`)."""
    address = literal_address(host_of(url))
    if address is None:
        return None
    reason = internal_reason(address)
    return None if reason is None else f"{PRIVATE_TARGET} ({address}: {reason})"


async def system_resolver(host: str, port: int | None) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class OutboundTargets:
    """Decides whether the server may send a request to a URL."""

    def __init__(
        self,
        allow_private: bool,
        *,
        resolve: Resolver = system_resolver,
        timeout: float = RESOLVE_TIMEOUT,
    ) -> None:
        self.allow_private = allow_private
        self._resolve = resolve
        self._timeout = timeout

    async def refusal(self, url: str, *, strict: bool) -> str | None:
        """Why no request may go to `url`, or None. `strict` (before a request): a name that
        cannot be resolved in time is refused too, for the request would resolve it again and
        might get another answer. Not strict (when configuring): such a name is accepted, its
        requests are checked one by one."""
        if self.allow_private:
            return None
        try:
            host = host_of(url)
        except PrivateTarget as error:
            return error.message
        found = literal_refusal(url)
        if found is not None or literal_address(host) is not None:
            return found
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await self._resolve(host, urlsplit(url.strip()).port)
        except (OSError, TimeoutError, ValueError) as error:
            if not strict:
                return None
            return f"host '{host}' could not be resolved ({type(error).__name__}: {error})"
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            reason = internal_reason(address)
            if reason is not None:
                return f"{PRIVATE_TARGET} ('{host}' is {address}: {reason})"
        return None

    async def check(self, url: str, *, strict: bool = False) -> None:
        """Raise PrivateTarget with the reason when `refusal` finds one."""
        reason = await self.refusal(url, strict=strict)
        if reason is not None:
            raise PrivateTarget(reason)
