"""A simulated customer's call is new work: nothing is done before the floor's owner is asked
to place it, so an owner that is behind may refuse it (services/owner_gate.py). A customer's
hang-up is work in progress, never refused so."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from agentbar.domain.model.campaign import CampaignKind
from agentbar.services.runtime import Runtime
from agentbar.services.sandbox import SandboxCalls


class AskingRuntime:
    """What SandboxCalls asks of the runtime, recorded."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, bool]] = []
        campaign = SimpleNamespace(campaign_id="1", name="Support", kind=CampaignKind.INBOUND)
        self.center = SimpleNamespace(campaign_named=lambda name: campaign)

    def provide(self, name: str, handler: Any) -> None:
        pass

    async def on_owner(
        self, name: str, args: dict[str, Any], *, new_work: bool = False
    ) -> dict[str, Any]:
        self.asked.append((name, new_work))
        return {"callId": "call-1"}


async def test_a_placed_call_is_asked_as_new_work_and_a_hang_up_is_not() -> None:
    runtime = AskingRuntime()
    calls = SandboxCalls(cast(Runtime, runtime), cast(Any, None))
    assert await calls.place_inbound("+14085550100", "Support") == "call-1"
    await calls.hang_up("call-1")
    assert runtime.asked == [("sandbox.place", True), ("sandbox.hang_up", False)]
