"""The reports' measures as docs/reports.md defines them, each worked out by hand: a call's
wait, talk, hold, wrap-up and outcome; an interval's service level, ASA and AHT; an agent's
time by state and occupancy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.ports.reports import CallRecord, IntervalSums, LegRecord, StateChange, TransferRecord
from agentbar.services.report_measures import (
    NO_REASON,
    IntervalRow,
    Outcome,
    StateInterval,
    StateTimes,
    average,
    call_agents,
    interval_row,
    occupancy,
    outcome,
    service_level,
    state_intervals,
    state_times,
    talk_seconds,
    wait_seconds,
    wrap_seconds,
)

# Queued at 1000, answered at 1012, on hold 30 s, ended at 1192, disposed at 1207.
ANSWERED = CallRecord(
    call_id="c1",
    call_type="inbound",
    campaign_id="1",
    phone="+14085551212",
    agent_id="a1",
    queued_at=1000.0,
    offered_at=1004.0,
    answered_at=1012.0,
    ended_at=1192.0,
    ended_by="customer",
    disposed_at=1207.0,
    disposition_class="Sale",
    disposition_code="Sold",
    record_id=None,
    transferred_from=None,
    hold_seconds=30.0,
)
WAITING = replace(
    ANSWERED,
    agent_id=None,
    offered_at=None,
    answered_at=None,
    ended_at=None,
    ended_by=None,
    disposed_at=None,
    disposition_class=None,
    disposition_code=None,
    hold_seconds=0.0,
)


def transfer(state: str) -> TransferRecord:
    return TransferRecord("t1", "queue", "2", "a1", state, "c2", 1100.0, 1101.0)


# -- a call ------------------------------------------------------------------------------


def test_an_answered_calls_figures() -> None:
    assert wait_seconds(ANSWERED) == 12.0  # 1012 - 1000
    assert talk_seconds(ANSWERED) == 150.0  # 1192 - 1012 - 30 on hold
    assert wrap_seconds(ANSWERED) == 15.0  # 1207 - 1192
    assert outcome(ANSWERED, 5) is Outcome.ANSWERED


def test_a_call_still_waiting_has_no_wait_talk_or_wrap_yet() -> None:
    assert (wait_seconds(WAITING), talk_seconds(WAITING), wrap_seconds(WAITING)) == (
        None,
        None,
        None,
    )
    assert outcome(WAITING, 5) is Outcome.IN_PROGRESS


def test_a_call_talking_has_its_wait_but_no_talk_until_it_ends() -> None:
    talking = replace(ANSWERED, ended_at=None, disposed_at=None)
    assert (wait_seconds(talking), talk_seconds(talking)) == (12.0, None)
    assert outcome(talking, 5) is Outcome.IN_PROGRESS


def test_an_ended_call_not_yet_disposed_has_no_wrap_up_time() -> None:
    wrapping = replace(ANSWERED, disposed_at=None)
    assert (talk_seconds(wrapping), wrap_seconds(wrapping)) == (150.0, None)


def test_an_unanswered_inbound_call_is_abandoned_from_the_threshold_on() -> None:
    hung_up_at_4 = replace(WAITING, ended_at=1004.0)
    hung_up_at_5 = replace(WAITING, ended_at=1005.0)
    assert wait_seconds(hung_up_at_4) == 4.0  # to its end, as it never was answered
    assert outcome(hung_up_at_4, 5) is Outcome.SHORT_ABANDON
    assert outcome(hung_up_at_5, 5) is Outcome.ABANDONED
    assert outcome(hung_up_at_5, 6) is Outcome.SHORT_ABANDON


def test_an_unanswered_outbound_call_failed_to_dial_but_one_transferred_in_was_abandoned() -> None:
    for call_type in ("manual", "preview", "progressive", "predictive", "callback"):
        dialled = replace(WAITING, call_type=call_type, ended_at=1030.0)
        assert outcome(dialled, 5) is Outcome.FAILED_DIAL, call_type
        transferred_in = replace(dialled, transferred_from="c0")
        assert outcome(transferred_in, 5) is Outcome.ABANDONED, call_type


def test_a_completed_transfer_makes_it_transferred_a_pending_or_failed_one_not() -> None:
    assert outcome(replace(ANSWERED, transfers=(transfer("completed"),)), 5) is (
        Outcome.TRANSFERRED
    )
    for state in ("requested", "cancelled", "failed"):
        assert outcome(replace(ANSWERED, transfers=(transfer(state),)), 5) is Outcome.ANSWERED


def test_the_agents_on_a_call_are_its_own_then_those_of_its_agent_and_user_legs() -> None:
    def leg(kind: str, party: str) -> LegRecord:
        return LegRecord(f"l-{party}", kind, party, "call", 1000.0, None, None, None)

    legs = (leg("customer", "+1408"), leg("agent", "a1"), leg("user", "a2"), leg("phone", "+1"))
    assert call_agents(replace(ANSWERED, legs=legs)) == ("a1", "a2")
    assert call_agents(WAITING) == ()


# -- an interval -------------------------------------------------------------------------


def test_service_level_leaves_short_abandons_out() -> None:
    # 10 offered, 2 hung up within the threshold, 6 answered within 20 s: 6 / 8.
    assert service_level(answered_within=6, answered=7, abandoned=1) == 75.0
    assert service_level(answered_within=0, answered=0, abandoned=0) is None  # all short
    assert service_level(answered_within=0, answered=0, abandoned=2) == 0.0


def test_averages_are_none_with_nothing_to_average() -> None:
    assert average(45.0, 3) == 15.0
    assert average(0.0, 0) is None


def test_an_intervals_row_from_its_sums_and_an_empty_one() -> None:
    sums = IntervalSums(
        start=3600.0,
        offered=10,
        answered=6,
        answered_within=6,
        abandoned=2,
        short_abandoned=2,
        answered_wait_seconds=60.0,
        wait_seconds=90.0,
        handled=4,
        handle_seconds=800.0,
        max_wait_seconds=42.0,
    )
    assert interval_row(3600.0, sums, 900.0) == IntervalRow(
        start=3600.0,
        offered=10,
        answered=6,
        abandoned=2,
        short_abandoned=2,
        answered_within=6,
        service_level=75.0,
        asa_seconds=10.0,  # 60 / 6
        aht_seconds=200.0,  # 800 / 4
        max_wait_seconds=42.0,
        average_waiting=0.1,  # 90 s of waiting over 900 s
    )
    # The last interval of a range may be shorter: its average is over its own length.
    assert interval_row(3600.0, sums, 450.0).average_waiting == 0.2
    empty = interval_row(4500.0, None, 900.0)
    assert (empty.offered, empty.service_level, empty.asa_seconds, empty.aht_seconds) == (
        0,
        None,
        None,
        None,
    )


# -- an agent ----------------------------------------------------------------------------


def change(at: float, state: str, reason: str | None = None) -> StateChange:
    return StateChange("a1", at, state, reason)


def test_spans_start_in_the_state_held_at_the_start_and_are_clipped() -> None:
    changes = [
        change(900.0, "ready"),  # before the range: ready at 1000
        change(1100.0, "on_call"),
        change(1400.0, "wrap_up"),
        change(1400.0, "ready"),  # an instant: no span
        change(1500.0, "break", "Lunch"),
    ]
    assert state_intervals(changes, 1000.0, 2000.0) == [
        StateInterval("ready", None, 1000.0, 1100.0),
        StateInterval("on_call", None, 1100.0, 1400.0),
        StateInterval("ready", None, 1400.0, 1500.0),
        StateInterval("break", "Lunch", 1500.0, 2000.0),
    ]


def test_before_an_agents_first_change_nothing_is_counted() -> None:
    assert state_intervals([change(1500.0, "not_ready")], 1000.0, 2000.0) == [
        StateInterval("not_ready", None, 1500.0, 2000.0)
    ]


def test_time_by_state_and_occupancy() -> None:
    spans = [
        StateInterval("not_ready", None, 0.0, 100.0),
        StateInterval("ready", None, 100.0, 400.0),
        StateInterval("dialing", None, 400.0, 430.0),
        StateInterval("on_call", None, 430.0, 730.0),
        StateInterval("wrap_up", None, 730.0, 790.0),
        StateInterval("conferencing", None, 790.0, 850.0),
        StateInterval("break", "Lunch", 850.0, 1450.0),
        StateInterval("break", None, 1450.0, 1550.0),
        StateInterval("break", "Lunch", 1550.0, 1600.0),
        StateInterval("logged_out", None, 1600.0, 2000.0),
    ]
    times = state_times(spans)
    assert times == StateTimes(
        logged_in=1600.0,
        ready=300.0,
        not_ready=100.0,
        on_break=750.0,
        breaks=(("Lunch", 650.0), (NO_REASON, 100.0)),
        handling=390.0,  # dialing 30 + on call 300 + conferencing 60
        wrap_up=60.0,
    )
    # (390 + 60) / (1600 - 750) = 450 / 850
    assert occupancy(times) == pytest.approx(52.941, abs=0.001)


def test_occupancy_is_none_without_time_logged_in_outside_breaks() -> None:
    assert occupancy(StateTimes()) is None
    on_break = state_times([StateInterval("break", "Lunch", 0.1, 0.7)])
    assert occupancy(on_break) is None
