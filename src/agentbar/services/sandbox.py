"""Simulated customers for the sandbox API: place a call into a campaign, hang it up."""

from __future__ import annotations

from typing import Any

from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import DomainError, UnknownCampaign
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.ports import Sandbox
from agentbar.services.runtime import Runtime

__all__ = ["CallNotTaken", "InvalidPhone", "SandboxCalls", "WrongCampaignKind"]


class WrongCampaignKind(DomainError):
    code = "wrong_campaign_kind"


class CallNotTaken(DomainError):
    """The call arrived but the floor did not store it (storage failed): not acknowledged."""

    code = "call_not_taken"


PLACE = "sandbox.place"
HANG_UP = "sandbox.hang_up"


class SandboxCalls:
    """On any node: the simulated network lives with the floor's owner, so a door asks it."""

    def __init__(self, runtime: Runtime, sandbox: Sandbox, default_region: str = "US") -> None:
        self._runtime = runtime
        self._sandbox = sandbox
        self._region = default_region
        runtime.provide(PLACE, self._place_here)
        runtime.provide(HANG_UP, self._hang_up_here)

    async def place_inbound(self, phone: str, campaign_name: str) -> str:
        """The customer's call, once the floor has it stored (so an acknowledged call is never
        lost to a crash); CallNotTaken if the floor could not take it."""
        campaign = self._runtime.center.campaign_named(campaign_name)
        if campaign is None:
            raise UnknownCampaign(f"no campaign named '{campaign_name}'")
        if campaign.kind is not CampaignKind.INBOUND:
            raise WrongCampaignKind(
                f"campaign '{campaign.name}' is {campaign.kind.value}; "
                "simulated customer calls go to inbound campaigns"
            )
        placed = await self._runtime.on_owner(
            PLACE,
            {"phone": normalize_phone(phone, self._region), "campaignId": campaign.campaign_id},
        )
        return str(placed["callId"])

    async def hang_up(self, call_id: str) -> None:
        """The customer hangs up; answered once the floor has stored the call's end."""
        await self._runtime.on_owner(HANG_UP, {"callId": call_id})

    async def _place_here(self, args: dict[str, Any]) -> dict[str, Any]:
        call_id = self._sandbox.place_inbound_call(args["phone"], args["campaignId"])
        await self._runtime.caught_up()
        if self._runtime.center.any_call(call_id) is None:
            raise CallNotTaken(f"call '{call_id}' could not be taken; try again")
        return {"callId": call_id}

    async def _hang_up_here(self, args: dict[str, Any]) -> dict[str, Any]:
        self._sandbox.hang_up_customer(args["callId"])
        await self._runtime.caught_up()
        return {}
