"""Predictive calls in the pure domain: dialled with no agent, answered by a person and offered
to a free auto-call agent, abandoned with the message when none is reached within 2 seconds,
given up after the minimum ring time, and every ending fed to the campaign's dialer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center, Outcome
from agentbar.domain.dialer.campaign_dialer import CampaignDialer
from agentbar.domain.dialer.campaign_figures import DialOutcome
from agentbar.domain.dialer.pacing import Pacer
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.campaign import DialMode
from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.handoffs import TransferKind
from agentbar.domain.model.instructions import (
    CancelOffer,
    DialCustomer,
    DialOut,
    EndCall,
    OfferToAgent,
    PlayAbandonMessage,
    StartTimer,
)
from agentbar.domain.model.lead_book import LeadState
from tests.unit.test_center import BREAK_REASONS, SUPPORT, id_source
from tests.unit.test_leads import SALES, leads, ready

MESSAGE = "This was Acme Sales, 555-0100. We will call again."
PREDICTIVE = replace(
    SALES, dial_mode=DialMode.PREDICTIVE, abandon_message=MESSAGE, min_ring_seconds=20
)


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([PREDICTIVE], BREAK_REASONS)
    return made


def auto_ready(center: Center, agent_id: str, now: float, phone: str = "1001") -> None:
    ready(center, agent_id, now, phone)
    center.handle(cmd.SetAutoCall(agent_id, True), now)


def dialled(outcome: Outcome) -> list[DialCustomer]:
    return [i for i in outcome.instructions if isinstance(i, DialCustomer)]


def kinds(outcome: Outcome) -> list[str]:
    return [e.kind for e in outcome.events]


def test_a_free_auto_call_agent_gets_a_customer_dialled_with_no_agent_on_it(
    center: Center,
) -> None:
    auto_ready(center, "a1", 1.0)
    ready(center, "a2", 1.5, "1002")  # ready, but auto-call off: the dialer does not count a2
    outcome = center.handle(leads("+15550001", "+15550002", "+15550003"), 2.0)
    [dial] = dialled(outcome)  # measuring the campaign: one call per free agent, none ahead
    assert center.leads.waiting("3") == 2
    call = center.call(dial.call_id)
    assert (call.call_type, call.state, call.agent_id) == (
        CallType.PREDICTIVE,
        CallState.RINGING,
        None,
    )
    assert dial.phone == "+15550001"
    assert call.crm_params["leadId"] == "lead-1"
    assert StartTimer(f"noanswer:{call.call_id}", 20) in outcome.instructions
    assert center.agent("a1").state is AgentState.READY  # free until a person answers
    assert outcome.leads["lead-1"].state is LeadState.DIALLED
    assert "dialer.dialled" in kinds(outcome)
    assert not any(isinstance(i, DialOut) for i in outcome.instructions)


def test_an_answered_call_goes_to_the_free_agent_and_pops_as_predictive(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    answered = center.signal(cmd.CustomerAnswered(dial.call_id), 8.0)
    call = center.call(dial.call_id)
    assert call.state is CallState.OFFERED
    assert call.agent_id == "a1"
    assert StartTimer(f"abandon:{dial.call_id}", 2.0) in answered.instructions
    assert any(isinstance(i, OfferToAgent) for i in answered.instructions)
    assert center.agent("a1").state is AgentState.RESERVED
    connected = center.signal(cmd.AgentAnswered(dial.call_id, call.user_crt), 8.5)
    [pop] = [e for e in connected.events if isinstance(e, ev.ScreenPop)]
    assert pop.call_type == "predictive"
    assert center.agent("a1").state is AgentState.ON_CALL
    dialer = center.dialers["3"]
    assert dialer.window.counts(9.0) == (1, 0)
    assert dialer.snapshot().ring_seconds != 8.0  # the prior still weighs in...
    assert dialer.snapshot().dials == 1  # ...but the dial was measured


def test_no_agent_within_two_seconds_abandons_the_call_with_the_message(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.handle(cmd.TakeBreak("a1", "Lunch"), 3.0)  # the agent it was placed for leaves
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    assert center.call(dial.call_id).state is CallState.QUEUED
    abandoned = center.signal(cmd.TimerFired(f"abandon:{dial.call_id}"), 7.0)
    assert PlayAbandonMessage(dial.call_id, MESSAGE) in abandoned.instructions
    assert ev.DialerAbandoned(dial.call_id, "3", "+15550001", "no_agent", True) in (
        abandoned.events
    )
    assert dial.call_id not in center.calls
    assert abandoned.calls[dial.call_id].state is CallState.ABANDONED
    assert center.waiting_count("3") == 0
    assert center.dialers["3"].window.counts(7.0) == (1, 1)


def test_an_agent_whose_phone_rang_too_long_is_freed_and_the_call_abandoned(
    center: Center,
) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001", "+15550002"), 2.0))
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    user_crt = center.call(dial.call_id).user_crt
    abandoned = center.signal(cmd.TimerFired(f"abandon:{dial.call_id}"), 7.0)
    assert CancelOffer(dial.call_id, user_crt or "") in abandoned.instructions
    assert PlayAbandonMessage(dial.call_id, MESSAGE) in abandoned.instructions
    # Free again, the agent gets the next lead dialled at once.
    assert center.agent("a1").state is AgentState.READY
    [again] = dialled(abandoned)
    assert again.phone == "+15550002"
    # A late answer of the withdrawn offer changes nothing.
    assert dial.call_id not in center.calls


def test_a_person_who_hangs_up_before_an_agent_counts_as_abandoned(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.handle(cmd.TakeBreak("a1", "Lunch"), 3.0)
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    ended = center.signal(cmd.CallEnded(dial.call_id, "customer"), 6.0)
    assert ev.DialerAbandoned(dial.call_id, "3", "+15550001", "hung_up", False) in ended.events
    assert not any(isinstance(i, PlayAbandonMessage) for i in ended.instructions)
    assert center.dialers["3"].window.counts(6.0) == (1, 1)
    # The 2-second timer firing afterwards finds nothing to do.
    late = center.signal(cmd.TimerFired(f"abandon:{dial.call_id}"), 7.0)
    assert late.instructions == []
    assert late.events == []


def test_nobody_answering_is_given_up_after_the_minimum_ring_time(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001", "+15550002"), 2.0))
    given_up = center.signal(cmd.TimerFired(f"noanswer:{dial.call_id}"), 22.0)
    assert EndCall(dial.call_id) in given_up.instructions
    assert ev.CustomerNotReached(dial.call_id, "3", "no_answer") in given_up.events
    assert dial.call_id not in center.calls
    assert given_up.calls[dial.call_id].state is CallState.UNANSWERED
    [again] = dialled(given_up)  # the agent is still free: the next lead is dialled
    assert again.phone == "+15550002"
    # Telephony's own report of the end, afterwards, is ignored.
    assert center.signal(cmd.CallEnded(dial.call_id, "agent"), 22.5).events == []
    assert center.dialers["3"].snapshot().dials == 1


@pytest.mark.parametrize("reason", ["busy", "machine", "failed", "something else"])
def test_a_dial_no_person_answered_ends_and_is_measured(center: Center, reason: str) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    failed = center.signal(cmd.DialFailed(dial.call_id, reason), 9.0)
    outcome = reason if reason in ("busy", "machine") else "failed"
    assert ev.CustomerNotReached(dial.call_id, "3", outcome) in failed.events
    assert f"noanswer:{dial.call_id}" in failed.floor.timers
    assert failed.floor.timers[f"noanswer:{dial.call_id}"] is None  # cancelled
    figures = center.dialers["3"].snapshot()
    assert figures.dials == 1
    assert figures.live_answered == 0
    assert center.agent("a1").state is AgentState.READY


def test_calls_are_placed_ahead_of_agents_once_the_campaign_is_measured() -> None:
    center = Center(id_source())
    center.configure([PREDICTIVE], BREAK_REASONS)
    auto_ready(center, "a1", 1.0)
    dialer = center.dialer("3")
    # A person answers 1 dial in 4, and 100 calls reached agents this hour without an abandon:
    # a free agent gets several calls at once.
    for _ in range(100):
        dialer.connected(1.0, 5.0)
        for _ in range(3):
            dialer.not_reached(DialOutcome.NO_ANSWER, None)
    outcome = center.handle(leads(*(f"+1555000{i}" for i in range(10))), 2.0)
    assert len(dialled(outcome)) > 1
    assert center.agent("a1").state is AgentState.READY
    assert dialer.view(PREDICTIVE.abandon_limit, 2.0).mode == "predictive"


def test_without_a_way_to_play_the_message_predictive_dials_progressively(
    center: Center,
) -> None:
    center.plays_messages = False
    auto_ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001", "+15550002"), 2.0)
    assert dialled(outcome) == []
    [dial] = [i for i in outcome.instructions if isinstance(i, DialOut)]
    assert center.call(dial.call_id).call_type is CallType.PROGRESSIVE


def test_a_listed_number_is_never_dialled(center: Center) -> None:
    center.forbid_numbers({"+15550001"})
    auto_ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001", "+15550002"), 2.0)
    assert [d.phone for d in dialled(outcome)] == ["+15550002"]
    assert outcome.leads["lead-1"].state is LeadState.BLOCKED


def test_a_pacer_stays_with_its_campaign(center: Center) -> None:
    assert isinstance(center.dialer("3").pacer, Pacer)
    assert center.dialer("3") is center.dialer("3")


def test_a_dialer_goes_on_from_what_was_stored(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001", "+15550002"), 2.0))
    busy = center.signal(cmd.DialFailed(dial.call_id, "busy"), 5.0)
    stored = busy.floor.dialers["3"]  # a recorded ending is stored with its move...
    assert stored == center.dialers["3"].to_dict()
    [next_dial] = dialled(busy)
    ringing = center.signal(cmd.TimerFired(f"noanswer:{next_dial.call_id}"), 30.0)
    assert "3" in ringing.floor.dialers
    # ...and a move that records none stores nothing of the dialer.
    assert center.handle(cmd.TakeBreak("a1", "Lunch"), 31.0).floor.dialers == {}
    taken_over = Center(id_source())
    taken_over.configure([PREDICTIVE], BREAK_REASONS)
    taken_over.restore([], [], {}, {"3": ringing.floor.dialers["3"]})
    assert taken_over.dialers["3"].to_dict() == center.dialers["3"].to_dict()
    assert taken_over.dialers["3"].snapshot().dials == 2


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"window": {}, "figures": {}, "pacer": {}}, "abandon window"),
        ({"window": None}, "must be objects"),
        ({"pacer": {"level": 99, "mode": "predictive", "seen": None}}, "pacer: 'level'"),
        ({"figures": {"means": {}}}, "campaign figures: 'means'"),
    ],
)
def test_a_stored_dialer_that_makes_no_sense_is_refused_by_name(
    center: Center, broken: dict[str, object], message: str
) -> None:
    good = center.dialer("3").to_dict()
    with pytest.raises(ValueError, match=message):
        CampaignDialer.from_dict({**good, **broken})


def test_a_call_transferred_into_a_predictive_campaign_goes_to_any_idle_agent(
    center: Center,
) -> None:
    ready(center, "a2", 1.0, "1002")  # auto-call off: no predictive call is ever offered to a2
    center.signal(cmd.CallArrived("xfer-1", CallType.INBOUND, "3", "+15550009", "c-x"), 2.0)
    assert center.call("xfer-1").agent_id == "a2"
    assert center.agent("a2").state is AgentState.RESERVED


def test_a_second_answer_report_is_refused_and_changes_nothing(center: Center) -> None:
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    offered = center.call(dial.call_id)
    assert offered.state is CallState.OFFERED
    # Telephony repeating itself must not connect the call behind its agent's back.
    with pytest.raises(IllegalTransition, match="not dialling"):
        center.signal(cmd.CustomerAnswered(dial.call_id), 5.5)
    assert center.call(dial.call_id).state is CallState.OFFERED
    assert center.agent("a1").state is AgentState.RESERVED


def test_without_a_way_to_play_the_message_no_call_is_ever_placed_ahead(center: Center) -> None:
    center.plays_messages = False
    dialer = center.dialer("3")
    for _ in range(400):  # measured: 1 in 4 answer, very short calls, all reached agents
        dialer.connected(1.0, 5.0)
        dialer.talked(0.5)
        dialer.wrapped(0.5)
        for _ in range(3):
            dialer.not_reached(DialOutcome.NO_ANSWER, None)
    auto_ready(center, "a1", 1.0)
    first = center.handle(leads(*(f"+1555000{i}" for i in range(6))), 2.0)
    [dial] = [i for i in first.instructions if isinstance(i, DialOut)]  # progressive
    center.signal(cmd.CustomerAnswered(dial.call_id), 3.0)  # a1 talks, soon free again
    out = Outcome()
    center.pace("3", 4.0, out)  # however the pacer is asked, nothing goes ahead
    assert dialled(out) == []
    center.plays_messages = True  # (with a way to play it, calls would go ahead now)
    center.pace("3", 4.0, out)
    assert len(dialled(out)) > 0


def test_a_predictive_call_transferred_to_a_queue_goes_on_like_any_call() -> None:
    center = Center(id_source())
    center.configure([PREDICTIVE, SUPPORT], BREAK_REASONS)
    auto_ready(center, "a1", 1.0)
    [dial] = dialled(center.handle(leads("+15550001"), 2.0))
    center.signal(cmd.CustomerAnswered(dial.call_id), 5.0)
    center.signal(cmd.AgentAnswered(dial.call_id, center.call(dial.call_id).user_crt), 5.5)
    moved = center.handle(cmd.Transfer("a1", TransferKind.QUEUE, "Support"), 10.0)
    [after] = [c for c in moved.calls.values() if c.transferred_from == dial.call_id]
    # It reached an agent already: no 2-second rule, not in flight, no second count.
    assert after.state is CallState.QUEUED
    assert not after.awaits_first_agent()
    assert not after.in_flight()
    assert not any(
        isinstance(i, StartTimer) and i.key.startswith("abandon:") for i in moved.instructions
    )
    ended = center.signal(cmd.CallEnded(after.call_id, "customer"), 12.0)
    assert not any(isinstance(e, ev.DialerAbandoned) for e in ended.events)
    assert center.dialers["3"].window.counts(13.0) == (1, 0)  # counted once, connected
