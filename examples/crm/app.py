"""The sample CRM: a small Starlette app with its own users, contacts and SQLite database, and
agentbar's toolbar embedded in every signed-in page.

It talks to agentbar only as any CRM would: the glue script and `window.ameyo.integration` in
the browser (`static/crm.js`), and the single sign-on endpoint agentbar's server calls (`sso.py`).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from examples.crm import pages, records, sso
from examples.crm.db import CrmDatabase

HERE = Path(__file__).parent


def create_crm_app(agentbar_url: str, database: Path | str) -> Starlette:
    """The CRM, embedding the toolbar served by `agentbar_url`, keeping its data in `database`
    (a SQLite file, created and seeded on first use)."""
    db = CrmDatabase(database)
    db.seed()
    app = Starlette(
        routes=[
            Route("/", pages.home),
            Route("/login", pages.login_form, methods=["GET"]),
            Route("/login", pages.login, methods=["POST"]),
            Route("/logout", pages.logout, methods=["POST"]),
            Route("/leads", pages.lead_list),
            Route("/contacts/new", pages.new_contact_form, methods=["GET"]),
            Route("/contacts", pages.add_contact, methods=["POST"]),
            Route("/contacts/{contact_id:int}", pages.contact_page),
            Route("/contacts/{contact_id:int}/timeline", pages.timeline_fragment),
            Route("/api/calls", records.screen_pop, methods=["POST"]),
            Route("/api/calls/{call_id}/events", records.call_event, methods=["POST"]),
            Route("/api/next-lead", records.next_lead),
            Route("/sso", sso.endpoint, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=_closing(db),
    )
    app.state.db = db
    app.state.agentbar_url = agentbar_url.rstrip("/")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["clock"] = _clock
    app.state.templates = templates
    return app


def _closing(db: CrmDatabase) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        db.close()

    return lifespan


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def demo_app() -> Starlette:
    """Factory for `uvicorn --factory`: agentbar's URL from AGENTBAR_URL, the database file
    from CRM_DATABASE."""
    return create_crm_app(
        os.environ.get("AGENTBAR_URL", "http://127.0.0.1:8080"),
        os.environ.get("CRM_DATABASE", "crm.db"),
    )
