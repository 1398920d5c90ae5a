"""Simulated customers for the sandbox API: place a call into a campaign, hang it up."""

from __future__ import annotations

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


class SandboxCalls:
    def __init__(self, runtime: Runtime, sandbox: Sandbox, default_region: str = "US") -> None:
        self._runtime = runtime
        self._sandbox = sandbox
        self._region = default_region

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
        call_id = self._sandbox.place_inbound_call(
            normalize_phone(phone, self._region), campaign.campaign_id
        )
        await self._runtime.caught_up()
        if self._runtime.center.any_call(call_id) is None:
            raise CallNotTaken(f"call '{call_id}' could not be taken; try again")
        return call_id

    async def hang_up(self, call_id: str) -> None:
        """The customer hangs up; answered once the floor has stored the call's end."""
        self._sandbox.hang_up_customer(call_id)
        await self._runtime.caught_up()
