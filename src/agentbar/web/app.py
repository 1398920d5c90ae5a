"""create_app: the ASGI application around one wired Container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response, WebSocket
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

from agentbar import __version__
from agentbar.bootstrap import Container
from agentbar.web import pages, supervisor_page
from agentbar.web.api import (
    agents,
    audit,
    campaigns,
    configuration,
    crm_settings,
    events,
    ivrs,
    provisioning,
    queues,
    simulator,
    webhooks,
)
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
    app.include_router(events.router)
    app.include_router(provisioning.router)
    app.include_router(webhooks.router)
    app.include_router(agents.router)
    app.include_router(audit.router)
    app.include_router(supervisor_page.router)
    app.mount(
        supervisor_page.STATIC_PATH,
        StaticFiles(packages=[("agentbar", "static/supervisor")]),
        name="supervisor-static",
    )
    app.include_router(ivrs.router)
    app.include_router(queues.router)
    app.include_router(crm_settings.router)
    app.include_router(configuration.router)
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
        """The process answers (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Ready for agents: the runtime runs and the database answers."""
        problems = []
        if not container.runtime.started:
            problems.append("the runtime has not started")
        try:
            await container.storage.ping()
        except Exception as error:  # any database failure means: not ready
            problems.append(f"database: {error}")
        status = 503 if problems else 200
        return JSONResponse(
            {"status": "ok" if not problems else "not ready", "problems": problems},
            status_code=status,
        )

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(container.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app
