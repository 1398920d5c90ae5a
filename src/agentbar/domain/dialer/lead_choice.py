"""Which waiting lead a campaign dials next: the first in list order whose number is not on the
do-not-call list and whose calling hours are open now, in every zone of the lead.

A lead's zones are its own (given with the lead, or its number's region's); a lead with none
takes the campaign's zone, and with neither it waits: no zone is assumed for it (unless the
hours are the whole day, '00:00-24:00'). A lead whose
hours are closed keeps its place in the list; the choice says when the first of them opens, so
the dialer can look again then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from agentbar.domain.dialer.calling_hours import CallingHours
from agentbar.domain.model.lead_book import Lead


@dataclass
class LeadChoice:
    lead: Lead | None = None
    """The lead to dial now, or None."""
    blocked: list[Lead] = field(default_factory=list)
    """Leads passed over for good: their number is on the do-not-call list."""
    opens_at: float | None = None
    """With no lead to dial now: when the earliest waiting lead's calling hours open or its
    retry falls due (None if none ever will, or no lead waits for either)."""


def choose_lead(
    waiting: Iterable[Lead],
    hours: CallingHours,
    campaign_zone: str | None,
    do_not_call: frozenset[str],
    now: float,
) -> LeadChoice:
    choice = LeadChoice()
    openings: dict[tuple[str, ...], float | None] = {}
    for lead in waiting:
        if lead.phone in do_not_call:
            choice.blocked.append(lead)
            continue
        if lead.next_try_at is not None and lead.next_try_at > now:
            # Waiting to be dialled again: it keeps its place until its retry time.
            if choice.opens_at is None or lead.next_try_at < choice.opens_at:
                choice.opens_at = lead.next_try_at
            continue
        if hours.all_day:
            choice.lead = lead
            return choice
        zones = lead.zones or ((campaign_zone,) if campaign_zone else ())
        if not zones:
            continue  # no zone to keep its hours in: it waits for one
        if zones not in openings:
            openings[zones] = hours.next_opening(zones, now)
        opens = openings[zones]
        if opens is not None and opens <= now:
            choice.lead = lead
            choice.opens_at = None
            return choice
        if opens is not None and (choice.opens_at is None or opens < choice.opens_at):
            choice.opens_at = opens
    return choice
