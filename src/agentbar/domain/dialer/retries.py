"""Whether, and when, a lead is dialled again after an attempt (the campaign's retry rules).

A dial nobody answered (busy, no answer, a machine, a failed dial) or an abandoned call is
tried again after the campaign's delay for that outcome, until the lead has had the campaign's
maximum of attempts. A call that reached a person is retried only when its disposition has a
delay of its own (`RetryDelays.dispositions`, say `No Answer` or `Call Back Later`); otherwise
the lead is done with (a callback the agent schedules is the agent's own business).
"""

from __future__ import annotations

from agentbar.domain.model.campaign import RetryDelays

RETRIED_OUTCOMES = ("busy", "no_answer", "machine", "abandoned", "failed")


def retry_delay(outcome: str, delays: RetryDelays) -> int | None:
    """Seconds before the lead is dialled again after `outcome` (a dial's outcome, or the
    disposition code of a call that reached a person); None: not retried. A failed dial (the
    network's fault, not the customer's) waits as long as a busy line."""
    if outcome not in RETRIED_OUTCOMES:
        return dict(delays.dispositions).get(outcome)
    return int(getattr(delays, "busy" if outcome == "failed" else outcome))


def next_try(outcome: str, attempts: int, max_attempts: int, delays: RetryDelays) -> int | None:
    """The delay before the next attempt after `attempts` dials ended, the last with
    `outcome`; None when the lead is done with."""
    if attempts >= max_attempts:
        return None
    return retry_delay(outcome, delays)
