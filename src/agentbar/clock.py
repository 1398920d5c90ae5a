"""The real clock: wall time and timers on the running asyncio loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from agentbar.ports import Cancellable


class LoopClock:
    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable:
        return asyncio.get_running_loop().call_later(max(delay, 0.0), callback)
