"""The supervisor's pages and socket route: agentbar's own pages, for admins, never framed.

The pages hold no data and need no token to load; they ask the admin for the token, which
then authenticates the socket (first frame) and the REST calls (bearer header). Their charts
are drawn by uPlot, which `scripts/setup` installs from npm into the checkout's `.vendor/`.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response, WebSocket
from fastapi.responses import FileResponse

from agentbar.web.deps import AdminGuardDep, ClockDep, SocketBudgetDep, SupervisionDep
from agentbar.web.security import own_page_headers
from agentbar.web.supervisor_socket import SOCKET_PATH, SupervisorSocket

router = APIRouter()

PAGE_PATH = "/supervisor"
REPORTS_PATH = "/supervisor/reports"
STATIC_PATH = "/supervisor/static"

CHART_DIR = Path(__file__).resolve().parents[3] / ".vendor" / "node_modules" / "uplot" / "dist"
"""Where `scripts/setup` puts uPlot: the checkout agentbar is installed from (editable)."""

CHART_FILES = {
    "uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "uPlot.min.css": "text/css; charset=utf-8",
}
"""The files of uPlot the pages load, and their media types."""


@cache
def _page(name: str) -> str:
    return (files("agentbar") / "static" / "supervisor" / name).read_text("utf-8")


def _own_page(name: str) -> Response:
    return Response(
        _page(name), media_type="text/html; charset=utf-8", headers=own_page_headers(framed_by=[])
    )


@router.api_route(PAGE_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def supervisor_page(request: Request) -> Response:
    return _own_page("supervisor.html")


@router.api_route(REPORTS_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def reports_page(request: Request) -> Response:
    return _own_page("reports.html")


# Declared before the static mount of STATIC_PATH, so it answers these paths first.
@router.get(f"{STATIC_PATH}/vendor/{{name}}", include_in_schema=False)
async def chart_library(name: str) -> Response:
    """uPlot's script and style sheet, from the npm package `scripts/setup` installs."""
    media_type = CHART_FILES.get(name)
    path = CHART_DIR / name
    if media_type is None or not path.is_file():
        raise HTTPException(
            404, f"no file '{name}': the charts need uPlot, which scripts/setup installs"
        )
    return FileResponse(path, media_type=media_type)


@router.websocket(SOCKET_PATH)
async def supervisor_socket(
    ws: WebSocket,
    supervision: SupervisionDep,
    clock: ClockDep,
    admin_guard: AdminGuardDep,
    budget: SocketBudgetDep,
) -> None:
    await SupervisorSocket(ws, supervision, clock, admin_guard, budget).run()
