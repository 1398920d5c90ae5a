"""create_app: the ASGI application around the services it is given."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from agentbar import __version__
from agentbar.ports import StorageUnavailable
from agentbar.services.runtime import OwnerBusy, OwnerUnreachable
from agentbar.services.sandbox import CallNotTaken
from agentbar.web import pages, supervisor_page
from agentbar.web.admin_guard import AdminGuard
from agentbar.web.admission import Admission, AdmissionCollector, AdmissionGate
from agentbar.web.api import (
    agents,
    audit,
    break_reasons,
    calls,
    campaigns,
    cluster,
    configuration,
    crm_settings,
    do_not_call,
    events,
    extensions,
    ivrs,
    lead_lists,
    queues,
    reports,
    simulator,
    webhooks,
)
from agentbar.web.app_services import AppServices
from agentbar.web.deps import MetricsDep, ReadinessDep, require_admin
from agentbar.web.edge import Edge
from agentbar.web.security import FramingPolicy
from agentbar.web.socket import ToolbarServices, ToolbarSocket
from agentbar.web.standby import StandbyGate


def create_app(services: AppServices, on_started: Callable[[], None] | None = None) -> FastAPI:
    admission = Admission(services.admission)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        admission.start()
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            await admission.stop()
            await services.stop()

    docs = services.edge.api_docs
    app = FastAPI(
        title="agentbar",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.services = services
    app.state.admin_guard = guard = AdminGuard(services.admin_token)
    app.add_middleware(FramingPolicy)
    app.add_middleware(
        StandbyGate,
        serving=lambda: services.cluster.serving,
        retry_after=services.cluster.lease_seconds,
    )
    # After the edge's checks (a request it refuses costs nothing), before anything else.
    app.add_middleware(AdmissionGate, admission=admission)
    admission_figures = CollectorRegistry()  # the web layer's own, beside the services'
    admission_figures.register(AdmissionCollector(admission, lambda: services.runtime.owner_gate))
    # Added last, so it runs first: before routing, before any body is read.
    app.add_middleware(Edge, policy=services.edge, guard=guard)
    for not_now in (OwnerBusy, OwnerUnreachable, StorageUnavailable, CallNotTaken):
        app.add_exception_handler(not_now, _not_now)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(pages.router)
    app.include_router(simulator.router)
    app.include_router(lead_lists.router)
    app.include_router(events.router)
    for resource in (agents, extensions, campaigns, break_reasons):
        app.include_router(resource.router)
    app.include_router(webhooks.router)
    app.include_router(audit.router)
    app.include_router(calls.router)
    app.include_router(reports.router)
    app.include_router(cluster.router)
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
    app.include_router(do_not_call.router)
    app.mount(
        "/ameyowebaccess/toolbar/static",
        StaticFiles(packages=[("agentbar", "static/toolbar")]),
        name="toolbar-static",
    )

    toolbar_services = ToolbarServices(
        sessions=services.sessions,
        crm_settings=services.crm_settings,
        desk=services.desk,
        runtime=services.runtime,
        event_replay=services.event_replay,
        unseen_events=services.unseen_events,
        bus=services.bus,
        browser_phones=services.browser_phones,
        budget=services.sockets,
        # Looked up as each frame is written, as the routes look a service up per request:
        # an app is built from whatever services it is given, however few it uses.
        sent=lambda envelope: services.metrics.sent(envelope),
    )

    @app.websocket("/api/v1/socket")
    async def toolbar_socket(ws: WebSocket) -> None:
        await ToolbarSocket(ws, toolbar_services).run()

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(readiness: ReadinessDep) -> JSONResponse:
        """Ready for agents: this node serves the floor, the database and the bus answer."""
        problems = await readiness.problems()
        status = 503 if problems else 200
        return JSONResponse(
            {"status": "ok" if not problems else "not ready", "problems": problems},
            status_code=status,
        )

    metrics_guard = [] if services.edge.public_metrics else [Depends(require_admin)]

    @app.get("/metrics", tags=["operations"], include_in_schema=False, dependencies=metrics_guard)
    async def metrics(metrics: MetricsDep) -> Response:
        exposition = metrics.exposition() + generate_latest(admission_figures)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    return app


async def _invalid_request(request: Request, error: Exception) -> Response:
    """422 naming where and why a body is wrong, without echoing what was sent: a password,
    a multi-megabyte string or a `NaN` (which JSON cannot carry back) stays out of the answer."""
    assert isinstance(error, RequestValidationError)
    detail = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


async def _not_now(request: Request, error: Exception) -> Response:
    """503 with Retry-After and the refusal's code: `storage_unavailable` (the database did
    not answer within its bound: nothing was written), `call_not_taken` (a simulated call not
    stored: not placed), `busy` (the floor's owner, on another node, refused new work while
    behind: nothing done), all safe to send again; `floor_unavailable` (a node passed the
    request to the floor's owner and none answered in time, a failover: not done, unless the
    owner stopped while doing it, see `OwnerUnreachable`)."""
    assert isinstance(error, StorageUnavailable | OwnerBusy | OwnerUnreachable | CallNotTaken)
    return JSONResponse(
        {"detail": error.message, "code": error.code},
        status_code=503,
        headers={"Retry-After": "1"},
    )
