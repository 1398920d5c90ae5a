"""Retry rules: a lead's dial that reached nobody is tried again after the campaign's delay
for its outcome, until the campaign's maximum of attempts; every attempt is kept on the lead."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center
from agentbar.domain.dialer.retries import next_try, retry_delay
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.campaign import DialMode, RetryDelays
from agentbar.domain.model.instructions import DialCustomer, DialOut, StartTimer
from agentbar.domain.model.lead_book import Attempt, LeadState
from tests.unit.test_center import BREAK_REASONS, id_source
from tests.unit.test_leads import SALES, leads
from tests.unit.test_predictive_calls import PREDICTIVE, auto_ready, dialled

DELAYS = RetryDelays(busy=60, no_answer=120, machine=300, abandoned=900)
CAMPAIGN = replace(PREDICTIVE, retry_delays=DELAYS, max_attempts=2)


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([CAMPAIGN], BREAK_REASONS)
    return made


@pytest.mark.parametrize(
    ("outcome", "delay"),
    [("busy", 60), ("no_answer", 120), ("machine", 300), ("abandoned", 900), ("failed", 60)],
)
def test_each_outcome_waits_its_own_delay(outcome: str, delay: int) -> None:
    assert retry_delay(outcome, DELAYS) == delay
    assert next_try(outcome, 1, 2, DELAYS) == delay
    assert next_try(outcome, 2, 2, DELAYS) is None  # the last attempt allowed was made


def test_a_call_that_reached_a_person_is_not_retried() -> None:
    assert retry_delay("Sale", DELAYS) is None


def test_a_busy_lead_is_dialled_again_after_its_delay_and_not_before(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [first] = dialled(center.handle(leads("+15550001"), 2.0))
    busy = center.signal(cmd.DialFailed(first.call_id, "busy"), 5.0)
    lead = busy.leads["lead-1"]
    assert lead.state is LeadState.NEW
    assert lead.attempts == (Attempt(first.call_id, 2.0, "busy"),)
    assert lead.next_try_at == 65.0
    assert dialled(busy) == []  # the agent is free, but the lead waits for its retry
    assert StartTimer("hours:3", 60.0) in busy.instructions
    early = center.signal(cmd.TimerFired("hours:3"), 64.0)
    assert dialled(early) == []
    [second] = dialled(center.signal(cmd.TimerFired("hours:3"), 65.0))
    assert second.phone == "+15550001"
    # The second attempt is the last (max 2): a busy line again and the lead is done with.
    done = center.signal(cmd.DialFailed(second.call_id, "busy"), 70.0)
    assert done.leads["lead-1"].state is LeadState.DIALLED
    assert [a.outcome for a in done.leads["lead-1"].attempts] == ["busy", "busy"]
    assert center.leads.waiting("3") == 0


def test_an_abandoned_lead_waits_the_abandoned_delay(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.handle(cmd.TakeBreak("a1", "Lunch"), 3.0)
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    abandoned = center.signal(cmd.TimerFired(f"abandon:{dial.call_id}"), 7.0)
    lead = abandoned.leads["lead-1"]
    assert (lead.state, lead.next_try_at) == (LeadState.NEW, 907.0)
    assert lead.attempts[-1].outcome == "abandoned"


def test_a_connected_lead_keeps_its_disposition_as_the_attempt(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    center.signal(cmd.AgentAnswered(dial.call_id, center.call(dial.call_id).user_crt), 5.5)
    center.signal(cmd.CallEnded(dial.call_id, "customer"), 60.0)
    disposed = center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    lead = disposed.leads["lead-1"]
    assert lead.state is LeadState.DIALLED
    assert lead.attempts == (Attempt(dial.call_id, 2.0, "Sale"),)
    assert lead.next_try_at is None


def test_a_disposition_with_a_delay_of_its_own_has_its_lead_dialled_again() -> None:
    later = replace(DELAYS, dispositions=(("Callback", 1800),))
    center = Center(id_source())
    center.configure([replace(CAMPAIGN, retry_delays=later, max_attempts=3)], BREAK_REASONS)
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    center.signal(cmd.AgentAnswered(dial.call_id, center.call(dial.call_id).user_crt), 5.5)
    center.signal(cmd.CallEnded(dial.call_id, "customer"), 60.0)
    disposed = center.handle(cmd.Dispose("a1", "callback"), 70.0)
    lead = disposed.leads["lead-1"]
    assert (lead.state, lead.next_try_at) == (LeadState.NEW, 1870.0)
    assert lead.attempts[-1].outcome == "Callback"
    assert retry_delay("Callback", later) == 1800
    assert retry_delay("Sale", later) is None


def test_a_progressive_dial_nobody_answered_is_retried_once_disposed() -> None:
    center = Center(id_source())
    center.configure(
        [replace(SALES, dial_mode=DialMode.PROGRESSIVE, retry_delays=DELAYS)], BREAK_REASONS
    )
    auto_ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001", "+15550002"), 2.0)
    [dial] = [i for i in outcome.instructions if isinstance(i, DialOut)]
    center.signal(cmd.DialFailed(dial.call_id, "no_answer"), 20.0)
    disposed = center.handle(cmd.Dispose("a1", "Sale"), 25.0)
    lead = disposed.leads["lead-1"]
    assert (lead.state, lead.next_try_at) == (LeadState.NEW, 145.0)
    assert lead.attempts[-1].outcome == "no_answer"
    # The next lead is dialled meanwhile.
    [again] = [i for i in disposed.instructions if isinstance(i, DialOut | DialCustomer)]
    assert again.phone == "+15550002"
