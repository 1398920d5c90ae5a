"""Login attempts counted where the floor is decided.

A door checks credentials itself, but reserves each attempt on the owner's throttle first and
settles it there after: guesses spread over several nodes then count together, and an attacker
gets no more tries from three nodes than from one. The reservation is one ask, answered in one
step on the owner, so concurrent attempts from every node cannot slip past the limit together.
On the owner (or a single node) the same calls are answered in place.
"""

from __future__ import annotations

from typing import Any

from agentbar.auth.throttle import Attempt, LoginThrottle, Throttled
from agentbar.services.runtime import Runtime

THROTTLE = "sessions.throttle"
"""What a door asks the owner's throttle (`Runtime.on_owner`)."""


class FloorThrottle:
    def __init__(self, runtime: Runtime, throttle: LoginThrottle) -> None:
        self._runtime = runtime
        self._throttle = throttle
        runtime.provide(THROTTLE, self._asked)

    async def reserve(self, account: str, address: str) -> Attempt:
        """Count an attempt before its check; raise `Throttled` if it must wait instead."""
        answer = await self._runtime.on_owner(
            THROTTLE, {"op": "reserve", "account": account, "address": address}
        )
        if answer.get("retryAfter"):
            raise Throttled(float(answer["retryAfter"]), busy=bool(answer.get("busy")))
        return Attempt(str(answer["account"]), str(answer["address"]), float(answer["at"]))

    async def succeeded(self, attempt: Attempt) -> None:
        await self._runtime.on_owner(THROTTLE, _settle("succeeded", attempt))

    async def failed(self, attempt: Attempt) -> None:
        await self._runtime.on_owner(THROTTLE, _settle("failed", attempt))

    async def refund(self, attempt: Attempt) -> None:
        await self._runtime.on_owner(THROTTLE, _settle("refund", attempt))

    async def _asked(self, args: dict[str, Any]) -> dict[str, Any]:
        op = args["op"]
        if op == "reserve":
            try:
                attempt = self._throttle.reserve(str(args["account"]), str(args["address"]))
            except Throttled as throttled:
                return {"retryAfter": throttled.retry_after, "busy": throttled.busy}
            return {"account": attempt.account, "address": attempt.address, "at": attempt.at}
        attempt = Attempt(str(args["account"]), str(args["address"]), float(args["at"]))
        if op == "succeeded":
            self._throttle.succeeded(attempt)
        elif op == "failed":
            self._throttle.failed(attempt)
        elif op == "refund":
            self._throttle.refund(attempt)
        else:
            raise ValueError(f"no throttle operation {op!r}")
        return {}


def _settle(op: str, attempt: Attempt) -> dict[str, Any]:
    return {"op": op, "account": attempt.account, "address": attempt.address, "at": attempt.at}
