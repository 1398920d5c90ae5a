"""CRM origins: what `new URL(x).origin` gives in a browser, computed the same way here."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """The origin (scheme://host[:port]) of an absolute http(s) URL, or None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def parse_allowed_origin(text: str) -> str:
    """An allow-list entry must be a bare origin; anything else is a configuration error."""
    origin = origin_of(text)
    parts = urlsplit(text.strip())
    bare = parts.path in ("", "/") and not (parts.query or parts.fragment or parts.username)
    if origin is None or not bare:
        raise ValueError(
            f"'{text}' is not an origin: write scheme://host[:port] with no path, "
            "e.g. https://crm.example.com"
        )
    return origin
