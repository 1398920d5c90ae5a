"""Simulated customers for the sandbox API: place a call into a campaign, hang it up."""

from __future__ import annotations

from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import DomainError, UnknownCampaign
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.ports import Sandbox
from agentbar.services.runtime import Runtime

__all__ = ["InvalidPhone", "SandboxCalls", "WrongCampaignKind"]


class WrongCampaignKind(DomainError):
    code = "wrong_campaign_kind"


class SandboxCalls:
    def __init__(self, runtime: Runtime, sandbox: Sandbox, default_region: str = "US") -> None:
        self._runtime = runtime
        self._sandbox = sandbox
        self._region = default_region

    def place_inbound(self, phone: str, campaign_name: str) -> str:
        campaign = self._runtime.center.campaign_named(campaign_name)
        if campaign is None:
            raise UnknownCampaign(f"no campaign named '{campaign_name}'")
        if campaign.kind is not CampaignKind.INBOUND:
            raise WrongCampaignKind(
                f"campaign '{campaign.name}' is {campaign.kind.value}; "
                "simulated customer calls go to inbound campaigns"
            )
        return self._sandbox.place_inbound_call(
            normalize_phone(phone, self._region), campaign.campaign_id
        )

    def hang_up(self, call_id: str) -> None:
        self._sandbox.hang_up_customer(call_id)
