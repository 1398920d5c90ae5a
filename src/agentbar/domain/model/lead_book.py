"""Lead lists of outbound campaigns: who is still to be called, in order.

In a preview campaign a ready agent is shown the next lead and chooses to dial or skip it;
while shown, the lead is the agent's alone. A lead shown to an agent who stops being ready
goes back to the front of its list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentbar.domain.model.routing import WaitingCalls


class LeadState(StrEnum):
    NEW = "new"
    PRESENTED = "presented"
    DIALLED = "dialled"
    SKIPPED = "skipped"
    REMOVED = "removed"
    BLOCKED = "blocked"
    """Its number is on the do-not-call list: never dialled."""


@dataclass(frozen=True)
class Attempt:
    """One dial of a lead and how it ended: `busy`, `no_answer`, `machine`, `failed`,
    `abandoned`, or the disposition of a call that reached a person."""

    call_id: str
    dialled_at: float
    outcome: str


@dataclass
class Lead:
    lead_id: str
    campaign_id: str
    phone: str
    name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    state: LeadState = LeadState.NEW
    agent_id: str | None = None
    call_id: str | None = None
    zones: tuple[str, ...] = ()
    """The time zones the lead's calling hours are kept in: its own (given with the lead) or
    its number's region's; none: unknown (the campaign's zone is used)."""
    attempts: tuple[Attempt, ...] = ()
    """Every dial of the lead that has ended, oldest first."""
    next_try_at: float | None = None
    """A lead waiting to be dialled again is not dealt out before this time."""

    def crm_params(self) -> dict[str, Any]:
        """What the CRM gets of the lead with its call's screen pop."""
        params = {**self.data, "leadId": self.lead_id}
        if self.name:
            params["leadName"] = self.name
        return params


class LeadBook:
    def __init__(self) -> None:
        self.all: dict[str, Lead] = {}
        self._queues: dict[str, WaitingCalls] = {}
        self.on_call: dict[str, Lead] = {}
        """Dialled leads by their call, until the call's outcome decides whether to retry."""

    def add(self, lead: Lead) -> None:
        self.all[lead.lead_id] = lead
        self._queues.setdefault(lead.campaign_id, WaitingCalls()).push(lead.lead_id)

    def waiting(self, campaign_id: str) -> int:
        queue = self._queues.get(campaign_id)
        return len(queue) if queue is not None else 0

    def waiting_leads(self, campaign_id: str) -> Iterator[Lead]:
        """The campaign's waiting leads in list order, read lazily (change the list only once
        done reading)."""
        queue = self._queues.get(campaign_id)
        return iter(()) if queue is None else (self.all[lead_id] for lead_id in queue)

    def take(self, lead: Lead) -> None:
        """Take a waiting lead off its list, to show or dial it (it stays known)."""
        queue = self._queues.get(lead.campaign_id)
        if queue is not None:
            queue.discard(lead.lead_id)

    def put_back(self, lead: Lead) -> None:
        """A lead shown but not dialled goes back to the front of its list."""
        lead.state = LeadState.NEW
        lead.agent_id = None
        self._queues.setdefault(lead.campaign_id, WaitingCalls()).push_front(lead.lead_id)

    def waiting_ids(self, campaign_id: str) -> list[str]:
        """The campaign's leads not yet shown or dialled, in list order."""
        queue = self._queues.get(campaign_id)
        return list(queue) if queue is not None else []

    def remove_waiting(self, lead: Lead) -> None:
        queue = self._queues.get(lead.campaign_id)
        if queue is not None:
            queue.discard(lead.lead_id)
        del self.all[lead.lead_id]

    def finish(self, lead: Lead) -> None:
        del self.all[lead.lead_id]

    def dialled(self, lead: Lead, call_id: str) -> None:
        """The lead is dialled on `call_id`: off its list until the call's outcome is known."""
        lead.state, lead.call_id, lead.agent_id = LeadState.DIALLED, call_id, None
        self.finish(lead)
        self.on_call[call_id] = lead

    def call_over(self, call_id: str) -> Lead | None:
        """The lead dialled on `call_id`, now that its call is over (None: no lead's call)."""
        return self.on_call.pop(call_id, None)

    def retry(self, lead: Lead, at: float) -> None:
        """The lead goes back to the end of its list, not to be dealt out before `at`."""
        lead.state, lead.agent_id, lead.next_try_at = LeadState.NEW, None, at
        self.add(lead)

    def follow(self, lead: Lead) -> None:
        """Mirror a lead another node's floor changed: known while new or shown, forgotten once
        dialled, skipped or removed (a copy that never deals leads out keeps no lists)."""
        if lead.state in (LeadState.NEW, LeadState.PRESENTED):
            self.all[lead.lead_id] = lead
        else:
            self.all.pop(lead.lead_id, None)
