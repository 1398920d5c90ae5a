"""The supervisor page and its socket route: agentbar's own page, for admins, never framed.

The page itself holds no data and needs no token to load; it asks the admin for the token,
which then authenticates its socket (first frame) and its REST calls (bearer header).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request, Response, WebSocket

from agentbar.web.deps import AdminGuardDep, ClockDep, SocketBudgetDep, SupervisionDep
from agentbar.web.security import own_page_headers
from agentbar.web.supervisor_socket import SOCKET_PATH, SupervisorSocket

router = APIRouter()

PAGE_PATH = "/supervisor"
STATIC_PATH = "/supervisor/static"


@cache
def _page() -> str:
    return (files("agentbar") / "static" / "supervisor" / "supervisor.html").read_text("utf-8")


@router.api_route(PAGE_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def supervisor_page(request: Request) -> Response:
    return Response(
        _page(), media_type="text/html; charset=utf-8", headers=own_page_headers(framed_by=[])
    )


@router.websocket(SOCKET_PATH)
async def supervisor_socket(
    ws: WebSocket,
    supervision: SupervisionDep,
    clock: ClockDep,
    admin_guard: AdminGuardDep,
    budget: SocketBudgetDep,
) -> None:
    await SupervisorSocket(ws, supervision, clock, admin_guard, budget).run()
