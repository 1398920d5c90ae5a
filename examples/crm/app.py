"""A small CRM page for the demo: the toolbar in `ameyoIframeDiv`, a screen pop, a wrap-up form.

It talks to agentbar only as any CRM would: the glue script and `window.ameyo.integration`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = Path(__file__).with_name("index.html")


def create_crm_app(agentbar_url: str) -> Starlette:
    template = PAGE.read_text(encoding="utf-8")

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(template.replace("{{AGENTBAR}}", agentbar_url.rstrip("/")))

    return Starlette(routes=[Route("/", index)])


def demo_app() -> Starlette:
    """Factory for `uvicorn --factory`: the agentbar URL comes from AGENTBAR_URL."""
    import os

    return create_crm_app(os.environ.get("AGENTBAR_URL", "http://127.0.0.1:8080"))
