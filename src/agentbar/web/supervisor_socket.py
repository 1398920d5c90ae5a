"""The supervisor socket: the floor's snapshot, then its changes, to an admin's page.

Rules kept here: the handshake must come from agentbar's own origin (the supervisor page is
served by agentbar; no other site may open it with a browser's credentials or an admin's
help); the admin token comes in the first frame, never in the URL (URLs end up in logs), and
a wrong or missing one closes the socket with a code and reason saying which; nothing is sent
before it. Then one snapshot, then frames of changes, each at most a few times a second. It
counts among the open sockets and keeps the toolbar socket's budget (`socket_budget`): a page
that floods it with frames, which it never needs to send after its token, is closed (1008).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from agentbar.origins import origin_of
from agentbar.ports import Clock
from agentbar.services.supervision import Feed, Supervision
from agentbar.web.admin_guard import AdminGuard, Verdict
from agentbar.web.open_sockets import serve_in_place
from agentbar.web.socket_budget import CLOSE_POLICY, Overloaded, SocketBudget

log = logging.getLogger(__name__)

SOCKET_PATH = "/api/v1/supervisor/socket"
CLOSE_NO_TOKEN = 4401
CLOSE_BAD_TOKEN = 4403
AUTH_FRAME_HINT = 'send {"cmd": "auth", "token": "<AGENTBAR_ADMIN_TOKEN>"} first'


class AuthFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cmd: Literal["auth"]
    token: Annotated[str, Field(min_length=1, max_length=4096)]


def own_origin(ws: WebSocket) -> str | None:
    scheme = "https" if ws.url.scheme == "wss" else "http"
    return origin_of(f"{scheme}://{ws.headers.get('host', '')}")


class SupervisorSocket:
    def __init__(
        self,
        ws: WebSocket,
        supervision: Supervision,
        clock: Clock,
        admin_guard: AdminGuard,
        budget: SocketBudget,
    ) -> None:
        self._ws = ws
        self._budget = budget
        self._supervision = supervision
        self._clock = clock
        self._admin_guard = admin_guard

    async def run(self) -> None:
        origin = self._ws.headers.get("origin")
        if origin is None or origin_of(origin) != own_origin(self._ws):
            log.warning("supervisor socket refused: Origin %r is not agentbar's own", origin)
            await self._ws.close(code=1008)
            return
        await serve_in_place(self._ws, self._budget.open_sockets, self._serve)

    async def _serve(self) -> None:
        if not await self._authenticated():
            return
        snapshot, feed = self._supervision.subscribe()
        sender: asyncio.Task[None] | None = None
        try:
            await self._ws.send_json(snapshot)
            sender = asyncio.create_task(self._send_changes(feed))
            await self._until_closed()
        except WebSocketDisconnect:
            pass
        finally:
            feed.close()
            if sender is not None:
                sender.cancel()
                await asyncio.gather(sender, return_exceptions=True)

    async def _authenticated(self) -> bool:
        try:
            text = await asyncio.wait_for(self._ws.receive_text(), self._budget.limits.auth_timeout)
        except TimeoutError:
            await self._close(CLOSE_NO_TOKEN, f"no admin token in time: {AUTH_FRAME_HINT}")
            return False
        except WebSocketDisconnect:
            return False
        except KeyError:  # a binary frame
            await self._close(CLOSE_NO_TOKEN, f"admin token required: {AUTH_FRAME_HINT}")
            return False
        try:
            frame = AuthFrame.model_validate_json(text)
        except ValidationError:
            await self._close(CLOSE_NO_TOKEN, f"admin token required: {AUTH_FRAME_HINT}")
            return False
        address = self._ws.client.host if self._ws.client else None
        check = self._admin_guard.check(frame.token, address)
        if check.verdict is not Verdict.ACCEPTED:
            log.warning("supervisor socket refused: wrong admin token from %s", address)
            throttled = f"too many wrong admin tokens; retry in {check.retry_after} s"
            reason = throttled if check.verdict is Verdict.THROTTLED else "admin token is not valid"
            await self._close(CLOSE_BAD_TOKEN, reason)
            return False
        return True

    async def _until_closed(self) -> None:
        """Nothing is expected from the page after its token; reading notices it leave, and
        counts what it sends anyway against its budget."""
        frames = self._budget.frames()
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                frames.admit()
            except Overloaded as over:
                log.warning("supervisor socket closed: %s", over.reason)
                await self._close(CLOSE_POLICY, over.reason)
                return

    async def _send_changes(self, feed: Feed) -> None:
        while True:
            frame = await feed.next_frame(self._clock.now())
            try:
                await self._ws.send_json(frame)
            except (WebSocketDisconnect, RuntimeError):
                return  # the page left while we wrote; the reader ends the socket

    async def _close(self, code: int, reason: str) -> None:
        if self._ws.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await self._ws.close(code=code, reason=reason[:120])
