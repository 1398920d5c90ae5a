"""How many sockets are open, per client address and in all: one count for the toolbar and the
supervisor sockets of one application, so a client cannot hold the server's memory and file
descriptors by opening sockets it never uses."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

log = logging.getLogger(__name__)

TRY_LATER_SECONDS = 5
"""The Retry-After of a handshake refused because too many sockets are open."""


class TooManySockets(Exception):
    """No room for another socket; `message` says which cap it reached."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OpenSockets:
    """The open sockets, counted. `claim` before accepting a socket, `release` once it ends."""

    def __init__(self, per_address: int, total: int) -> None:
        if per_address < 1 or total < 1:
            raise ValueError(f"socket caps must be >= 1, not {per_address} and {total}")
        self._per_address = per_address
        self._total = total
        self._by_address: Counter[str] = Counter()
        self._open = 0

    @property
    def open(self) -> int:
        return self._open

    def claim(self, address: str) -> None:
        """Count one more socket from `address`; raises TooManySockets (and counts nothing)
        when a cap is reached."""
        if self._open >= self._total:
            raise TooManySockets(f"the server has its {self._total} sockets open")
        if self._by_address[address] >= self._per_address:
            raise TooManySockets(
                f"{address} has {self._per_address} sockets open, the most one address may"
            )
        self._by_address[address] += 1
        self._open += 1

    def release(self, address: str) -> None:
        """Count one socket from `address` fewer (one `claim` each)."""
        if self._by_address[address] <= 0:
            raise ValueError(f"no socket from {address} is counted open")
        self._by_address[address] -= 1
        if self._by_address[address] == 0:
            del self._by_address[address]
        self._open -= 1


def client_address(ws: WebSocket) -> str:
    """The client's address as uvicorn reports it. Behind a reverse proxy that is the proxy's,
    unless uvicorn trusts its X-Forwarded-For (FORWARDED_ALLOW_IPS=<proxy address>)."""
    return ws.client.host if ws.client else ""


async def refuse_handshake(ws: WebSocket, full: TooManySockets) -> None:
    """Refuse the handshake with HTTP 503 and Retry-After (the socket is never accepted). A
    server without the ASGI denial-response extension gets a close before accepting, which
    reaches the client as HTTP 403."""
    response = PlainTextResponse(
        f"{full.message}; try again later",
        status_code=503,
        headers={"Retry-After": str(TRY_LATER_SECONDS)},
    )
    try:
        await ws.send_denial_response(response)
    except RuntimeError:
        await ws.close(code=1013, reason="try again later")


async def serve_in_place(
    ws: WebSocket, open_sockets: OpenSockets, serve: Callable[[], Awaitable[None]]
) -> None:
    """Accept `ws` and `serve` it while it counts among the open sockets; refuse its handshake
    when there is no room for it."""
    address = client_address(ws)
    try:
        open_sockets.claim(address)
    except TooManySockets as full:
        log.warning("socket refused: %s", full.message)
        await refuse_handshake(ws, full)
        return
    try:
        await ws.accept()
        await serve()
    finally:
        open_sockets.release(address)
