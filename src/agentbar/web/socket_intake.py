"""A socket's frames read as they come and answered in order, within the socket's budget.

One task reads: each frame spends from the socket's budget (see `socket_budget`) and waits in
its bounded queue, or is refused at once; the caller's `answer` runs the waiting frames one
after another in a second task, so answers keep the frames' order while reading goes on and a
flood is counted as it arrives. A refusal may overtake answers still to come: clients match
answers to frames by id (`re`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from agentbar.web.socket_budget import (
    CLOSE_POLICY,
    InboundQueue,
    Overloaded,
    QueueClosed,
    SocketBudget,
)

log = logging.getLogger(__name__)

Frame = str | None
"""A text frame as read, or None for a binary one (answered with an error)."""

RATE_LIMITED = "rate_limited"
ID_READ_UP_TO = 4096
"""A refused frame's id is read only from a frame this small: a refusal must cost less than the
frame that earned it, and the toolbar's frames are far smaller."""


def rate_limited_answer(frame: Frame, rate: float) -> dict[str, Any]:
    """The answer to a frame refused for the socket's rate, naming the frame's id if it has one."""
    message = f"too many frames: at most {rate:g} a second; this one was not run"
    return {
        "re": _frame_id(frame),
        "ok": False,
        "error": {"code": RATE_LIMITED, "message": message},
    }


def _frame_id(frame: Frame) -> int | str | None:
    if frame is None or len(frame) > ID_READ_UP_TO:
        return None
    try:
        raw = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    frame_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(frame_id, bool) or not isinstance(frame_id, int | str):
        return None
    return frame_id


class LoginDeadline:
    """A socket that does not authenticate within its deadline is closed (1008, "<what>
    within N s"): one that never does still holds memory and a file descriptor. The frame
    being answered when the time runs out is let finish first, so a login sent just before
    it is answered rather than cut off."""

    def __init__(self) -> None:
        # A flag and the one waiter's future, not an asyncio.Event: an Event's deque of waiters
        # holds ~0.6 KiB for as long as the socket is open (bench/run --memory).
        self._met = False
        self._waiter: asyncio.Future[None] | None = None
        self.answering = asyncio.Lock()
        """Held while a frame is answered."""

    def met(self) -> None:
        self._met = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def run(
        self, seconds: float, close: Callable[[int, str], Awaitable[None]], what: str
    ) -> None:
        if self._met:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self._waiter, seconds)
        except TimeoutError:
            async with self.answering:
                if not self._met:
                    await close(CLOSE_POLICY, f"{what} within {seconds:g} s")


async def read_and_answer(
    ws: WebSocket,
    budget: SocketBudget,
    answer: Callable[[Frame], Awaitable[bool]],
    refuse: Callable[[Frame], Awaitable[None]],
    close: Callable[[int, str], Awaitable[None]],
) -> None:
    """Read `ws` until the client leaves or breaks the budget (then `close` it with 1008 and
    the reason). `answer` returns False once the socket answers nothing more (it closed)."""
    frames = budget.frames()
    waiting: InboundQueue[Frame] = InboundQueue(budget.limits.queue)
    answering = asyncio.create_task(_answer_in_order(waiting, answer))
    drop_waiting = True
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                # Frames sent before leaving are answered (to nobody) as they were before
                # reading moved to its own task: a logout sent just before closing still counts.
                drop_waiting = False
                return
            frame: Frame = message.get("text")
            if frames.admit():
                waiting.put(frame)
            else:
                await refuse(frame)
    except Overloaded as over:
        client = ws.client.host if ws.client else "?"
        log.warning("socket from %s closed: %s", client, over.reason)
        await close(CLOSE_POLICY, over.reason)
    except (WebSocketDisconnect, QueueClosed):
        pass
    except asyncio.CancelledError:
        answering.cancel()
        raise
    finally:
        waiting.close(drop_waiting=drop_waiting)
        await asyncio.gather(answering, return_exceptions=True)


async def _answer_in_order(
    waiting: InboundQueue[Frame], answer: Callable[[Frame], Awaitable[bool]]
) -> None:
    while True:
        try:
            frame = await waiting.get()
        except QueueClosed:
            return
        try:
            if not await answer(frame):
                return
        except Exception:  # a socket's own failure, not the server's: say so, answer no more
            log.exception("socket stopped answering")
            return
