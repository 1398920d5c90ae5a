"""A dialled lead's attempt ends: kept on the lead, and the lead tried again later or done
with, by the campaign's retry rules (`domain/dialer/retries.py`)."""

from __future__ import annotations

from agentbar.domain.dialer.retries import RETRIED_OUTCOMES, next_try
from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.model.call import Call
from agentbar.domain.model.lead_book import Attempt


def attempt_over(floor: Floor, call: Call, outcome: str, now: float, out: Outcome) -> None:
    """The call dialled for a lead (if it was) is over with `outcome`."""
    lead = floor.leads.call_over(call.call_id)
    if lead is None:
        return
    lead.attempts = (*lead.attempts, Attempt(call.call_id, call.queued_at, outcome))
    campaign = floor.campaigns.get(lead.campaign_id)
    delay = (
        next_try(outcome, len(lead.attempts), campaign.max_attempts, campaign.retry_delays)
        if campaign is not None
        else None
    )
    if delay is not None:
        floor.leads.retry(lead, now + delay)
    out.leads[lead.lead_id] = lead


def unanswered_outcome(ended_by: str | None) -> str:
    """How a dial that never reached a person ended, as the retry rules name it."""
    return ended_by if ended_by in RETRIED_OUTCOMES else "failed"
