"""Real servers for tests: agentbar as its own process, and plain HTTP servers for CRM pages."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.ports import Catalog
from agentbar.testing.server import (
    PORT_ATTEMPTS,
    PORT_IN_USE,
    SERVING_ANNOUNCEMENT,
    stop_process,
)
from agentbar.try_again import TryAgainClient
from examples.services.ports import free_port

ADMIN_TOKEN = "test-admin-token-of-128-bits-at-least"
BUSY_FOR = 10.0
"""Seconds a request refused as busy goes on being sent (each time after its Retry-After)."""


@dataclass
class AgentbarServer:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/socket"

    def admin(self, *, retry_busy: bool = True) -> httpx.Client:
        """An HTTP client with the admin token. It sends a request again after its
        Retry-After when the server's admission gate refused it (503 `busy`: nothing was done),
        as a well-behaved client does: a test's machine, busy with browsers and other servers,
        can leave the server's loop late enough to shed. `retry_busy=False` for the tests of
        that refusal."""
        token = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        if not retry_busy:
            return httpx.Client(base_url=self.base_url, headers=token)
        # Only `busy`: the tests of a locked database want to see its refusal.
        return TryAgainClient(
            try_for=BUSY_FOR, codes=frozenset({"busy"}), base_url=self.base_url, headers=token
        )

    def scrape_metrics(self) -> str:
        """/metrics as a scraper with the admin token reads it (it is not public by default)."""
        with self.admin() as client:
            response = client.get("/metrics")
        response.raise_for_status()
        return response.text

    def place_call(self, phone: str = "+14085551212", campaign: str = "Inbound Support") -> str:
        with self.admin() as client:
            response = client.post(
                "/api/v1/simulator/calls", json={"from": phone, "campaign": campaign}
            )
        response.raise_for_status()
        call_id: str = response.json()["callId"]
        return call_id

    def customer_hangs_up(self, call_id: str) -> None:
        with self.admin() as client:
            client.post(f"/api/v1/simulator/calls/{call_id}/hangup").raise_for_status()

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Read the server's own database file, as an operator would."""
        with closing(sqlite3.connect(self.data_dir / "agentbar.db")) as db:
            db.row_factory = sqlite3.Row
            return list(db.execute(sql, params))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ready(self) -> bool:
        """Whether the server says it is ready (/readyz answers 200)."""
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_for_log(self, text: str, timeout: float) -> float:
        """Until the server's log says `text`; returns when that was seen (time.monotonic).
        Polled: a log file gives no other signal that it grew."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return time.monotonic()
            time.sleep(0.02)
        raise TimeoutError(f"the log never said {text!r}:\n{self.log()[-3000:]}")


@contextmanager
def agentbar_server(
    data_dir: Path,
    allowed_origins: list[str],
    extra_env: dict[str, str] | None = None,
    provision: Callable[[Catalog], None] | None = None,
    *,
    port: int | None = None,
    ready: bool = True,
) -> Iterator[AgentbarServer]:
    """`agentbar serve --demo` as a separate process, ready when /readyz answers.

    `provision` adds to the database before the server starts, as an operator would (there is
    no provisioning API yet); the demo data is seeded on top of it. With `ready=False` it is
    yielded once it answers /healthz (a node that is to wait, not to serve at once).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if provision is not None:
        storage = SqlDatabase(f"sqlite:///{data_dir / 'agentbar.db'}")
        storage.migrate()
        provision(storage.catalog)
        storage.close()
    env = {
        **os.environ,
        "AGENTBAR_ALLOWED_ORIGINS": ",".join(allowed_origins),
        "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN,
        # The tests' CRMs and webhook receivers listen on loopback; the schema fuzz reads
        # the OpenAPI description.
        "AGENTBAR_ALLOW_PRIVATE_TARGETS": "true",
        "AGENTBAR_API_DOCS": "true",
        **(extra_env or {}),
    }
    log_path = data_dir / "server.log"
    args = ["--data-dir", str(data_dir), "--demo"]
    ready_path = "/readyz" if ready else "/healthz"
    with serving(args, env, log_path, port, ready_path=ready_path) as served:
        yield AgentbarServer(served.process, served.port, data_dir, log_path)


class PortTaken(RuntimeError):
    """`agentbar serve` exited because something else listens on its port."""


@dataclass
class Serving:
    """An `agentbar serve` process, and the port it listens on."""

    process: subprocess.Popen[bytes]
    port: int


@contextmanager
def serving(
    args: list[str],
    env: dict[str, str],
    log_path: Path,
    port: int | None = None,
    ready_timeout: float = 30.0,
    stop_timeout: float = 10.0,
    ready_path: str = "/readyz",
) -> Iterator[Serving]:
    """`agentbar serve <args> --port <port>` as its own process, logging to `log_path`, yielded
    once `ready_path` answers (/readyz: it serves the floor); terminated (killed if it lingers)
    on the way out. With no `port`, a free one, and another if something takes it first (a
    page server of a test running beside this one may bind the same port in between)."""
    attempts = PORT_ATTEMPTS if port is None else 1
    for attempt in range(1, attempts + 1):
        chosen = port or free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "agentbar", "serve", *args, "--port", str(chosen)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            url = f"http://127.0.0.1:{chosen}{ready_path}"
            _wait_healthy(process, url, log_path, ready_timeout)
        except PortTaken:
            if attempt == attempts:
                raise
            continue
        except BaseException:
            stop_process(process, stop_timeout)
            raise
        break
    try:
        yield Serving(process, chosen)
    finally:
        stop_process(process, stop_timeout)


def _wait_healthy(
    process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float
) -> None:
    """Until `url` answers 200 and the server's log says it serves: only then is the port its
    own (it binds before anything else, and exits when it cannot)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = process.poll()
        if status == PORT_IN_USE:
            raise PortTaken(f"agentbar could not listen:\n{log_path.read_text(errors='replace')}")
        if status is not None:
            raise RuntimeError(f"agentbar exited early:\n{log_path.read_text(errors='replace')}")
        try:
            answered = httpx.get(url, timeout=1.0).status_code == 200
        except httpx.TransportError:
            answered = False
        if answered and SERVING_ANNOUNCEMENT in log_path.read_text(errors="replace"):
            return
        # Polling readiness: the server process gives no other signal that it listens.
        time.sleep(0.05)
    raise RuntimeError(f"agentbar did not become healthy:\n{log_path.read_text(errors='replace')}")


@dataclass
class PageServer:
    """A plain HTTP server on its own port (so its own origin) serving rendered pages."""

    port: int
    httpd: ThreadingHTTPServer

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"


@contextmanager
def page_server(pages: Callable[[str], str | None]) -> Iterator[PageServer]:
    """Serve `pages(path)` as HTML (404 when it returns None) from a thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield PageServer(httpd.server_address[1], httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
