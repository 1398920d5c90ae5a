"""What one socket may ask of the server: how many frames a second, how many waiting.

A socket's frames are read by one task as they arrive and answered in order by another, so a
flood is counted while it happens (not after the server has worked through it) and what waits
for an answer is bounded. Each frame read spends a token of the socket's bucket (`rate` a
second, up to `burst` saved); a frame with no token left is refused without being run, and a socket
that keeps sending over budget is closed. The budget is about the transport's wall time, so the
clock is `time.monotonic`, injected for the tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from agentbar.web.open_sockets import OpenSockets

T = TypeVar("T")

CLOSE_POLICY = 1008
"""The close code for a socket that broke its budget (RFC 6455: policy violation)."""
TOO_MANY_WAITING = "too many frames waiting"
KEPT_OVER_BUDGET = "too many frames over the rate limit"


@dataclass(frozen=True)
class SocketLimits:
    """The numbers of `AGENTBAR_SOCKET_*` and `AGENTBAR_SOCKETS_*` (defaults as in config)."""

    rate: float = 20.0
    """Frames a second one socket may send, on average."""
    burst: int = 40
    """Frames one socket may send at once above its rate; as many refused in a row close it."""
    queue: int = 64
    """Frames one socket may have waiting for their answer; one more closes it."""
    auth_timeout: float = 10.0
    """Seconds a socket may stay open without authenticating."""
    per_address: int = 1_000
    """Open sockets (toolbar and supervisor together) from one client address."""
    total: int = 20_000
    """Open sockets in all."""


@dataclass(frozen=True)
class SocketBudget:
    """What every socket of one application is given: the limits, the one count of open
    sockets both socket routes share, and the clock the rate is measured by."""

    limits: SocketLimits = field(default_factory=SocketLimits)
    open_sockets: OpenSockets = field(
        default_factory=lambda: OpenSockets(SocketLimits.per_address, SocketLimits.total)
    )
    now: Callable[[], float] = time.monotonic

    @classmethod
    def of(cls, limits: SocketLimits) -> SocketBudget:
        return cls(limits, OpenSockets(limits.per_address, limits.total))

    def frames(self) -> FrameBudget:
        """A fresh budget for one socket's frames."""
        limits = self.limits
        return FrameBudget(TokenBucket(limits.rate, limits.burst, self.now), limits.burst)


class Overloaded(Exception):
    """The socket broke its budget and is to be closed with `CLOSE_POLICY` and `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved; a full bucket to start with."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a bucket needs a rate > 0 and a burst >= 1, not {rate}, {burst}")
        self._rate = rate
        self._burst = float(burst)
        self._now = now
        self._tokens = float(burst)
        self._at = now()

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = self._now()
        # max(): a clock that went backwards (it should not) adds nothing rather than debt.
        self._tokens = min(self._burst, self._tokens + max(0.0, now - self._at) * self._rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class FrameBudget:
    """One socket's frame budget: its bucket, and how many frames it had refused in a row."""

    def __init__(self, bucket: TokenBucket, refusals_to_close: int) -> None:
        self._bucket = bucket
        self._refusals_to_close = refusals_to_close
        self._refused_in_a_row = 0

    def admit(self) -> bool:
        """True: run the frame; False: refuse it (`rate_limited`). Raises Overloaded once the
        socket has sent as many frames over budget in a row as its burst: it is not slowing
        down, and answering refusals is work too."""
        if self._bucket.take():
            self._refused_in_a_row = 0
            return True
        self._refused_in_a_row += 1
        if self._refused_in_a_row >= self._refusals_to_close:
            raise Overloaded(KEPT_OVER_BUDGET)
        return False


class QueueClosed(Exception):
    """The socket stopped reading: what still waits is not answered."""


class InboundQueue(Generic[T]):
    """Frames read and not yet answered, in order; at most `size` of them."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a queue holds at least one frame, not {size}")
        self._size = size
        # A list and one reader's future, not a deque and an asyncio.Event: each of those holds
        # a block of ~0.6 KiB from the start, for every open socket (bench/run --memory); the
        # list holds at most `size` frames, so taking the first is cheap.
        self._items: list[T] = []
        self._reader: asyncio.Future[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        """Add a frame; raises Overloaded when `size` already wait (the socket is closed rather
        than the reading paused, so a flood cannot hold the server's memory or its reader)."""
        if self._closed:
            raise QueueClosed("the socket stopped reading")
        if len(self._items) >= self._size:
            raise Overloaded(TOO_MANY_WAITING)
        self._items.append(item)
        self._wake_reader()

    async def get(self) -> T:
        """The oldest waiting frame; raises QueueClosed once closed and nothing (more) is to be
        answered."""
        while True:
            if self._items:
                return self._items.pop(0)
            if self._closed:
                raise QueueClosed("the socket stopped reading")
            if self._reader is not None:
                raise RuntimeError("the queue has one reader, and it is already waiting")
            self._reader = asyncio.get_running_loop().create_future()
            try:
                await self._reader
            finally:
                self._reader = None

    def close(self, *, drop_waiting: bool) -> None:
        """No more frames: those waiting are still handed out, unless `drop_waiting`."""
        self._closed = True
        if drop_waiting:
            self._items.clear()
        self._wake_reader()

    def _wake_reader(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)
