"""The sample CRM (`examples/crm`) served by uvicorn in a thread, on its own origin."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from examples.crm.app import create_crm_app


@dataclass
class SampleCrm:
    port: int
    database: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sso_url(self) -> str:
        return f"{self.origin}/sso"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Read the CRM's own database file."""
        with closing(sqlite3.connect(self.database)) as db:
            db.row_factory = sqlite3.Row
            return list(db.execute(sql, params))


@contextmanager
def sample_crm(port: int, agentbar_url: str, database: Path) -> Iterator[SampleCrm]:
    """The CRM on `port` (chosen first, so agentbar can be told its SSO URL before either
    starts), embedding the toolbar of `agentbar_url`."""
    app = create_crm_app(agentbar_url, database)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    # uvicorn sets `started` once it listens and offers no other signal to wait on.
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sample CRM did not start")
        time.sleep(0.02)
    try:
        yield SampleCrm(port, database)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
