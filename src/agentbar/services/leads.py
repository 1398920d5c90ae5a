"""Lead lists: new leads for an outbound campaign's list, checked at the edge; the list read
page by page; leads not yet dialled taken off it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentbar.domain.dialer.calling_hours import InvalidTimeZone
from agentbar.domain.model.campaign import Campaign, CampaignKind
from agentbar.domain.model.commands import AddLeads, RemoveLeads
from agentbar.domain.model.errors import DomainError, UnknownCampaign
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.ids import new_id
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.phones_zones import zones_of
from agentbar.ports import LeadStore
from agentbar.services.audit import ADMIN_DELETE, Audit
from agentbar.services.runtime import Runtime


class NotOutbound(DomainError):
    code = "not_outbound"


@dataclass(frozen=True)
class LeadEntry:
    phone: str
    name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    time_zone: str | None = None
    """The lead's own IANA zone for its calling hours; None: its number's region's."""


class LeadIntake:
    def __init__(self, runtime: Runtime, storage: LeadStore, audit: Audit) -> None:
        self._runtime = runtime
        self._storage = storage
        self._audit = audit

    def _campaign(self, campaign_name: str) -> Campaign:
        campaign = self._runtime.center.campaign_named(campaign_name)
        if campaign is None:
            raise UnknownCampaign(f"no campaign named '{campaign_name}'")
        if campaign.kind is not CampaignKind.OUTBOUND:
            raise NotOutbound(f"campaign '{campaign.name}' is inbound; leads go to outbound ones")
        return campaign

    def page(
        self, campaign_name: str, states: Sequence[LeadState], after: int, limit: int
    ) -> list[tuple[int, Lead]]:
        """The campaign's leads after list position `after`, in order, with their positions."""
        campaign = self._campaign(campaign_name)
        return self._storage.leads_of(campaign.campaign_id, [s.value for s in states], after, limit)

    async def remove(
        self, campaign_name: str, lead_ids: Sequence[str] = (), *, client: str | None
    ) -> list[str]:
        """Take the named leads (or, naming none, every lead still waiting) off the list;
        the ids removed. A lead being shown to an agent is refused (or, naming none, stays).
        Audited for the client that asked."""
        campaign = self._campaign(campaign_name)
        outcome = await self._runtime.command(RemoveLeads(campaign.campaign_id, tuple(lead_ids)))
        removed = list(outcome.leads)
        if lead_ids:
            named = ", ".join(f"'{lead_id}'" for lead_id in lead_ids)
            what = f"lead {named} of '{campaign_name}'"
        else:
            what = f"{len(removed)} lead(s) of '{campaign_name}'"
        await self._audit.change(ADMIN_DELETE, client, what)
        return removed

    async def add(self, campaign_name: str, entries: Sequence[LeadEntry]) -> list[str]:
        """Append the leads to the campaign's list, all or none; their ids in order."""
        campaign = self._campaign(campaign_name)
        leads = []
        for index, entry in enumerate(entries):
            try:
                phone = normalize_phone(entry.phone)
                zones = zones_of(phone, entry.time_zone)
            except (InvalidPhone, InvalidTimeZone) as error:
                raise type(error)(f"lead {index}: {error.message}") from None
            leads.append(
                Lead(
                    new_id("lead"),
                    campaign.campaign_id,
                    phone,
                    entry.name,
                    dict(entry.data),
                    zones=zones,
                )
            )
        await self._runtime.command(AddLeads(tuple(leads)))
        return [lead.lead_id for lead in leads]
