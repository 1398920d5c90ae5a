"""The call-leg table, checked cell by cell."""

from __future__ import annotations

import itertools

import pytest

from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.legs import (
    TRANSITIONS,
    Leg,
    LegInput,
    LegKind,
    LegPurpose,
    LegState,
    live_legs,
    next_state,
)

ALL_PAIRS = list(itertools.product(LegState, LegInput))


@pytest.mark.parametrize(
    ("state", "given"), ALL_PAIRS, ids=[f"{s.value}-{i.value}" for s, i in ALL_PAIRS]
)
def test_every_state_input_pair(state: LegState, given: LegInput) -> None:
    if (state, given) in TRANSITIONS:
        assert next_state(state, given) is TRANSITIONS[(state, given)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_state(state, given)
        assert raised.value.message == f"a {state.value} leg cannot take '{given.value}'"


@pytest.mark.parametrize(
    ("state", "given", "target"),
    [
        (LegState.RINGING, LegInput.ANSWER, LegState.CONNECTED),
        (LegState.RINGING, LegInput.END, LegState.ENDED),
        (LegState.CONNECTED, LegInput.END, LegState.ENDED),
    ],
)
def test_specific_legal_rows(state: LegState, given: LegInput, target: LegState) -> None:
    assert next_state(state, given) is target


def test_an_ended_leg_is_final() -> None:
    assert {s for (s, _) in TRANSITIONS} == {LegState.RINGING, LegState.CONNECTED}


def test_a_leg_keeps_its_times_and_reason() -> None:
    leg = Leg("crt-9", LegKind.PHONE, "+14155550100", LegPurpose.CONFERENCE, started_at=10.0)
    leg.answer(12.0)
    assert (leg.state, leg.answered_at, leg.live) == (LegState.CONNECTED, 12.0, True)
    leg.end(30.0, "dropped")
    assert (leg.state, leg.ended_at, leg.end_reason, leg.live) == (
        LegState.ENDED,
        30.0,
        "dropped",
        False,
    )
    with pytest.raises(IllegalTransition):
        leg.answer(31.0)
    assert leg.answered_at == 12.0


def test_live_legs_filters_by_purpose() -> None:
    call_leg = Leg("c", LegKind.CUSTOMER, "+1", LegPurpose.CALL, 0.0, LegState.CONNECTED)
    conf = Leg("p", LegKind.PHONE, "+2", LegPurpose.CONFERENCE, 0.0)
    gone = Leg("g", LegKind.TPV, "+3", LegPurpose.CONFERENCE, 0.0)
    gone.end(1.0, "busy")
    legs = [call_leg, conf, gone]
    assert list(live_legs(legs)) == [call_leg, conf]
    assert list(live_legs(legs, LegPurpose.CONFERENCE)) == [conf]
