"""Failed logins counted where the floor is decided.

A door checks credentials itself, but asks the owner's throttle before and after: guesses
spread over several nodes then count together, and an attacker gets no more tries from three
nodes than from one. On the owner (or a single node) the same calls are answered in place.
"""

from __future__ import annotations

from typing import Any

from agentbar.auth.throttle import LoginThrottle, Throttled
from agentbar.services.runtime import Runtime

THROTTLE = "sessions.throttle"
"""What a door asks the owner's throttle (`Runtime.on_owner`)."""


class FloorThrottle:
    def __init__(self, runtime: Runtime, throttle: LoginThrottle) -> None:
        self._runtime = runtime
        self._throttle = throttle
        runtime.provide(THROTTLE, self._asked)

    async def check(self, account: str, address: str) -> None:
        """Raise `Throttled` if the account or the address must wait."""
        answer = await self._runtime.on_owner(THROTTLE, _args("check", account, address))
        if answer.get("retryAfter"):
            raise Throttled(float(answer["retryAfter"]))

    async def failed(self, account: str, address: str) -> None:
        await self._runtime.on_owner(THROTTLE, _args("failed", account, address))

    async def succeeded(self, account: str) -> None:
        await self._runtime.on_owner(THROTTLE, _args("succeeded", account, ""))

    async def _asked(self, args: dict[str, Any]) -> dict[str, Any]:
        op, account, address = args["op"], args["account"], args["address"]
        if op == "check":
            try:
                self._throttle.check(account, address)
            except Throttled as throttled:
                return {"retryAfter": throttled.retry_after}
        elif op == "failed":
            self._throttle.failed(account, address)
        elif op == "succeeded":
            self._throttle.succeeded(account)
        else:
            raise ValueError(f"no throttle operation {op!r}")
        return {}


def _args(op: str, account: str, address: str) -> dict[str, Any]:
    return {"op": op, "account": account, "address": address}
