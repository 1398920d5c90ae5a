"""Who is signed in to the CRM: a random cookie whose hash names a row in `sessions`.

A session ends when its user signs out, or when agentbar tells the SSO endpoint that the
toolbar session it shares has ended; the next request then finds no session.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from examples.crm.db import CrmDatabase, Session

COOKIE = "crm_session"


def database(request: Request) -> CrmDatabase:
    db: CrmDatabase = request.app.state.db
    return db


def current_session(request: Request) -> Session | None:
    token = request.cookies.get(COOKIE)
    return database(request).session_for_cookie(token) if token else None


def set_cookie(response: Response, token: str) -> None:
    # Lax: the CRM's own forms work, another site's cannot post with the cookie. Served over
    # HTTPS, as any real deployment is, add secure=True.
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/")


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
