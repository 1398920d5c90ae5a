"""The floor of the screen pop's path: what a frame takes from a WebSocket server on loopback,
through a page of another origin framed by the CRM's origin, to the framing page, with no
agentbar in the way. agentbar's pop is reported beside it as a ratio.

The framed page (bench/pages/floor-child.html) opens a plain WebSocket to `FloorSocket`, a
`websockets` server on its own asyncio loop in a thread of the bench, and posts each frame to
its parent (bench/pages/floor.html, served by the CRM page server), which stamps it. The
bench stamps `time.time()`, then hands the server's loop the frame to send; latency = the
parent's stamp less the bench's. The hand-off to the loop is in the figure, and measured apart
(`handoff`: the loop's own `time.time()` just before it sends, less the bench's stamp).

The *stored* floor is the least a server that stores before it tells can do: the bench sends
an HTTP request (`GET /stored?n=`, a new loopback connection each time), the server commits one
row to SQLite (WAL, `synchronous=NORMAL`, in a thread, as agentbar's storage runs) and only then
sends the frame to the page, and answers. No agentbar is in it either: it is a reference for
how much of the pop's path durability alone costs, not the goal's floor.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
from playwright.sync_api import Browser, Page
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from tests.support.servers import PageServer, page_server

PAGES = Path(__file__).parent / "pages"
PARENT_PATH = "/floor"
"""Where the CRM page server serves the framing page (bench/pages/floor.html)."""
STORED_PATH = "/stored"
"""The stored floor's request: `?n=` the frame's number."""
CONNECT_TIMEOUT_S = 30.0
SEND_TIMEOUT_S = 5.0


def parent_page() -> str:
    return (PAGES / "floor.html").read_text()


class FloorSocket:
    """A plain WebSocket server on loopback, its loop in a thread of its own; it sends a frame
    to the one page connected when told (`send`, from any thread), or once it has stored it
    when asked over HTTP (`GET /stored?n=`)."""

    def __init__(self, database: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self._connection: ServerConnection | None = None
        self.connected = threading.Event()
        self._db = sqlite3.connect(database, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE frames (n INTEGER PRIMARY KEY, at REAL, data TEXT)")

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result()

    async def _serve(self) -> Server:
        # No compression: the floor is the plainest socket there is.
        return await serve(
            self._handle, "127.0.0.1", 0, compression=None, process_request=self._stored
        )

    async def _stored(self, connection: ServerConnection, request: Request) -> Response | None:
        """`GET /stored?n=N`: frame N stored, then sent to the page, then the request answered;
        any other request is a WebSocket handshake (None: go on with it)."""
        if not request.path.startswith(STORED_PATH):
            return None
        n = int(parse_qs(urlsplit(request.path).query)["n"][0])
        text = json.dumps({"event": "floor", "n": n})
        await asyncio.to_thread(self._store, n, text)
        assert self._connection is not None
        await self._connection.send(text)
        return connection.respond(HTTPStatus.OK, "stored\n")

    def _store(self, n: int, text: str) -> None:
        with self._db:  # one transaction, committed
            self._db.execute("INSERT INTO frames VALUES (?, ?, ?)", (n, time.time(), text))

    async def _handle(self, connection: ServerConnection) -> None:
        self._connection = connection
        self.connected.set()
        await connection.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def _port(self) -> int:
        assert self._server is not None
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    def send(self, text: str) -> Future[float]:
        """Send `text` on the page's socket; the future, done once it is written, gives when
        the loop began sending it."""
        return asyncio.run_coroutine_threadsafe(self._send(text), self._loop)

    async def _send(self, text: str) -> float:
        assert self._connection is not None
        began = time.time()
        await self._connection.send(text)
        return began

    def stop(self) -> None:
        if self._server is not None:
            server = self._server
            server.close()
            asyncio.run_coroutine_threadsafe(server.wait_closed(), self._loop).result(10.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10.0)
        self._loop.close()
        self._db.close()


@dataclass
class Floor:
    """The floor's page, loaded and connected; `sample` measures one frame."""

    page: Page
    socket: FloorSocket
    http: httpx.Client
    """The stored floor's client, made once (making one costs milliseconds)."""
    latencies: list[float] = field(default_factory=list)
    handoffs: list[float] = field(default_factory=list)
    stored: list[float] = field(default_factory=list)
    """The stored floor's latencies (`sample_stored`)."""
    frames: int = 0

    def sample(self) -> None:
        n = self._next()
        stamp = time.time()
        # Waited for before anything else: this thread going on into Playwright would hold
        # the GIL the server's loop needs to send, for up to a switch interval (5 ms).
        began = self.socket.send(json.dumps({"event": "floor", "n": n})).result(SEND_TIMEOUT_S)
        self.latencies.append(self._received(n) - stamp)
        self.handoffs.append(began - stamp)

    def sample_stored(self) -> None:
        n = self._next()
        stamp = time.time()
        # Answered once the frame is sent: the page's wait below starts after it, as above.
        answer = self.http.get(f"{STORED_PATH}?n={n}")
        answer.raise_for_status()
        self.stored.append(self._received(n) - stamp)

    def _next(self) -> int:
        self.frames += 1
        return self.frames - 1

    def _received(self, n: int) -> float:
        """When the parent page received frame `n` (seconds of the wall clock)."""
        self.page.wait_for_function("n => window.__floor.length >= n", arg=n + 1)
        received_ms: float = self.page.evaluate("n => window.__floor[n].wall", n)
        return received_ms / 1000


@contextmanager
def floor_page(browser: Browser, crm: PageServer) -> Iterator[Floor]:
    """The floor's socket server and framed page's server started, the framing page open on
    the CRM's origin (a browser context of its own) and its frame connected."""
    with (
        tempfile.TemporaryDirectory(prefix="agentbar-floor-") as folder,
        _started(FloorSocket(Path(folder) / "floor.db")) as socket,
    ):
        yield from _connected_page(browser, crm, socket)


@contextmanager
def _started(socket: FloorSocket) -> Iterator[FloorSocket]:
    socket.start()
    try:
        yield socket
    finally:
        socket.stop()


def _connected_page(browser: Browser, crm: PageServer, socket: FloorSocket) -> Iterator[Floor]:
    child_html = (PAGES / "floor-child.html").read_text()
    with page_server(lambda path: child_html if path.startswith("/child") else None) as child:
        query = urlencode({"socket": socket.url, "parent": crm.origin})
        child_url = child.url(f"/child?{query}")
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(crm.url(f"{PARENT_PATH}?child={quote(child_url, safe='')}"))
            if not socket.connected.wait(CONNECT_TIMEOUT_S):
                raise RuntimeError("the floor's framed page never opened its WebSocket")
            with httpx.Client(
                base_url=socket.http_url, timeout=SEND_TIMEOUT_S, trust_env=False
            ) as http:
                yield Floor(page, socket, http)
        finally:
            context.close()
