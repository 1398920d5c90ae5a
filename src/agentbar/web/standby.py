"""A node that cannot serve the floor yet serves only what needs no floor: until it has
taken the floor (owner) or loaded its copy of the owner's floor (door).

Pages, the glue script, static files, `/healthz`, `/readyz`, `/metrics` and `/api/v1/cluster`
answer as on any node. Everything else under `/api/v1/` — the toolbar and supervisor sockets
included — is refused at once: `503` with `Retry-After`, and a
socket handshake is refused before it is accepted. A load balancer checking `/readyz` sends
nothing here; a client that comes anyway is told to try again, not left waiting.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

ALWAYS_SERVED = ("/api/v1/cluster",)


class StandbyGate:
    def __init__(self, app: ASGIApp, serving: Callable[[], bool], retry_after: float) -> None:
        self._app = app
        self._serving = serving
        self._retry_after = str(max(1, round(retry_after)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._serving():
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        gated = path.startswith("/api/v1/") and not path.startswith(ALWAYS_SERVED)
        if not gated:
            await self._app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013, "reason": "standby"})
        else:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": "this node is starting: it has no floor to serve yet; try again",
                "code": "starting",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", self._retry_after.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
