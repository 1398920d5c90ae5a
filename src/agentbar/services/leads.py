"""Lead intake: new leads for an outbound campaign's list, checked at the edge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentbar.domain.campaign import CampaignKind
from agentbar.domain.commands import AddLeads
from agentbar.domain.errors import DomainError, UnknownCampaign
from agentbar.domain.lead_book import Lead
from agentbar.ids import new_id
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.services.runtime import Runtime


class NotOutbound(DomainError):
    code = "not_outbound"


@dataclass(frozen=True)
class LeadEntry:
    phone: str
    name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class LeadIntake:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def add(self, campaign_name: str, entries: Sequence[LeadEntry]) -> list[str]:
        """Append the leads to the campaign's list, all or none; their ids in order."""
        campaign = self._runtime.center.campaign_named(campaign_name)
        if campaign is None:
            raise UnknownCampaign(f"no campaign named '{campaign_name}'")
        if campaign.kind is not CampaignKind.OUTBOUND:
            raise NotOutbound(f"campaign '{campaign.name}' is inbound; leads go to outbound ones")
        leads = []
        for index, entry in enumerate(entries):
            try:
                phone = normalize_phone(entry.phone)
            except InvalidPhone as error:
                raise InvalidPhone(f"lead {index}: {error.message}") from None
            leads.append(
                Lead(new_id("lead"), campaign.campaign_id, phone, entry.name, dict(entry.data))
            )
        await self._runtime.command(AddLeads(tuple(leads)))
        return [lead.lead_id for lead in leads]
