"""HTTP security: the admin bearer token and the framing policy of every response."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False)

TOOLBAR_PAGE_PATH = "/ameyowebaccess/toolbar-crm.htm"


async def require_admin(request: Request) -> None:
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    expected: str = request.app.state.container.admin_token
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "admin token required: send 'Authorization: Bearer <AGENTBAR_ADMIN_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin token is not valid")


def frame_ancestors(allowed_origins: list[str]) -> str:
    return " ".join(allowed_origins) if allowed_origins else "'none'"


def own_page_headers(framed_by: list[str]) -> dict[str, str]:
    """Headers for agentbar's own pages: only agentbar's scripts, styles and sockets; framed by
    `framed_by` origins alone (none: by no one); never cached, no referrer sent on."""
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
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
