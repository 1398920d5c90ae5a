"""The admin token and the throttle on wrong guesses of it: one guard per application, used by
the HTTP edge (bearer header) and the supervisor socket (first frame).

A wrong token counts against the client address it came from; past `limit` wrong tokens in
`window` seconds that address is answered "too many" until the window ends. The right token
is never slowed, even from a throttled address (an admin behind the same NAT as a guesser
still gets in; a 128-bit token is not found by guessing anyway: the throttle keeps guessers
from costing the server work and from filling its logs).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from agentbar.web.security import AdminToken

WRONG_TOKENS_PER_WINDOW = 10
"""Wrong admin tokens one client address may send per window before it is throttled."""
THROTTLE_WINDOW = 60.0
"""Seconds of the window wrong tokens are counted in."""
TRACKED_ADDRESSES = 10_000
"""Addresses with recent wrong tokens remembered at most; the oldest are forgotten first, so
a flood from many addresses costs bounded memory."""


class Verdict(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class AdminCheck:
    verdict: Verdict
    retry_after: int = 0
    """Whole seconds until a throttled address may try again (0 unless THROTTLED)."""


@dataclass
class _Failures:
    window_start: float
    count: int


class AdminGuard:
    def __init__(
        self,
        token: AdminToken,
        *,
        limit: int = WRONG_TOKENS_PER_WINDOW,
        window: float = THROTTLE_WINDOW,
        tracked: int = TRACKED_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._limit = limit
        self._window = window
        self._tracked = tracked
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def check(self, given: str, address: str | None) -> AdminCheck:
        """Whether `given` is the admin token; a wrong one counts against `address`."""
        if self._token.accepts(given):
            return AdminCheck(Verdict.ACCEPTED)
        self.failed(address)
        wait = self.retry_after(address)
        if wait > 0:
            return AdminCheck(Verdict.THROTTLED, wait)
        return AdminCheck(Verdict.WRONG)

    def failed(self, address: str | None) -> None:
        """Count one wrong token from `address`."""
        key = address or "unknown"
        now = self._clock()
        failures = self._failures.pop(key, None)
        if failures is None or now - failures.window_start >= self._window:
            failures = _Failures(window_start=now, count=0)
        failures.count += 1
        self._failures[key] = failures  # (re)inserted last: the most recently active
        while len(self._failures) > self._tracked:
            self._failures.popitem(last=False)

    def retry_after(self, address: str | None) -> int:
        """Seconds until `address` may send wrong tokens again; 0: it is not throttled."""
        failures = self._failures.get(address or "unknown")
        if failures is None or failures.count <= self._limit:
            return 0
        left = failures.window_start + self._window - self._clock()
        return max(1, math.ceil(left)) if left > 0 else 0
