"""create_app: the ASGI application around one wired Container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket
from fastapi.staticfiles import StaticFiles

from agentbar import __version__
from agentbar.bootstrap import Container
from agentbar.web import pages
from agentbar.web.api import agents, audit, campaigns, simulator
from agentbar.web.security import framing_policy
from agentbar.web.socket import ToolbarSocket


def create_app(
    container: Container, on_started: Callable[[Container], None] | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        if on_started is not None:
            on_started(container)
        try:
            yield
        finally:
            await container.stop()

    app = FastAPI(title="agentbar", version=__version__, lifespan=lifespan)
    app.state.container = container
    app.middleware("http")(framing_policy)
    app.include_router(pages.router)
    app.include_router(simulator.router)
    app.include_router(campaigns.router)
    app.include_router(agents.router)
    app.include_router(audit.router)
    app.mount(
        "/ameyowebaccess/toolbar/static",
        StaticFiles(packages=[("agentbar", "static/toolbar")]),
        name="toolbar-static",
    )

    @app.websocket("/api/v1/socket")
    async def toolbar_socket(ws: WebSocket) -> None:
        await ToolbarSocket(ws, container).run()

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
