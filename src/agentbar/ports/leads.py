"""Lead lists and scheduled callbacks, as read back (the event log writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.lead_book import Lead


class LeadStore(Protocol):
    async def pending_leads(self) -> Sequence[Lead]:
        """Leads not yet dialled or skipped, in list order, to restore at start; and leads
        dialled on a call the stored floor still holds (state dialled, with their call), whose
        attempt's outcome is still to come."""
        ...

    def leads_of(
        self, campaign_id: str, states: Sequence[str], after: int, limit: int
    ) -> list[tuple[int, Lead]]:
        """A campaign's leads in list order after position `after`, with their positions;
        only those in `states` unless it is empty."""
        ...

    async def pending_callbacks(self) -> Sequence[Callback]:
        """Callbacks not yet dialled, by due time, to restore at start."""
        ...
