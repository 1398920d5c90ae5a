"""HTTP security: the admin token and the framing policy of every response."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Request, Response

TOOLBAR_PAGE_PATH = "/ameyowebaccess/toolbar-crm.htm"


@dataclass(frozen=True)
class AdminToken:
    """The token administrators present: the API's bearer header, the supervisor socket's
    first frame."""

    value: str = field(repr=False)

    def accepts(self, given: str) -> bool:
        # Constant time: how long a comparison takes must not tell how much of a guess is right.
        return secrets.compare_digest(given.encode(), self.value.encode())


def frame_ancestors(allowed_origins: list[str]) -> str:
    return " ".join(allowed_origins) if allowed_origins else "'none'"


def own_page_headers(framed_by: list[str], connects_to: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers for agentbar's own pages: only agentbar's scripts, styles and sockets (and the
    `connects_to` URLs: the browser phone's Janus); framed by `framed_by` origins alone (none:
    by no one); never cached, no referrer sent on."""
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            " ".join(("connect-src 'self'", *connects_to)),
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {frame_ancestors(framed_by)}",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }


async def framing_policy(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Only the toolbar page may be framed (by allowed CRMs); every other page by no one."""
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if "content-security-policy" not in response.headers:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response
