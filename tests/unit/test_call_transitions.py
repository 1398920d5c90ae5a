"""The call life-cycle table, checked cell by cell."""

from __future__ import annotations

import itertools

import pytest

from agentbar.domain.model.call import FINAL_STATES, TRANSITIONS, CallInput, CallState, next_state
from agentbar.domain.model.errors import IllegalTransition

ALL_PAIRS = list(itertools.product(CallState, CallInput))


@pytest.mark.parametrize(
    ("state", "given"), ALL_PAIRS, ids=[f"{s.value}-{i.value}" for s, i in ALL_PAIRS]
)
def test_every_state_input_pair(state: CallState, given: CallInput) -> None:
    if (state, given) in TRANSITIONS:
        assert next_state(state, given) is TRANSITIONS[(state, given)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_state(state, given)
        assert state.value in raised.value.message
        assert given.value in raised.value.message
        assert raised.value.message == f"a {state.value} call cannot take '{given.value}'"


@pytest.mark.parametrize(
    ("state", "given", "target"),
    [
        (CallState.QUEUED, CallInput.OFFER, CallState.OFFERED),
        (CallState.QUEUED, CallInput.HANGUP, CallState.ABANDONED),
        (CallState.OFFERED, CallInput.OFFER_FAILED, CallState.QUEUED),
        (CallState.OFFERED, CallInput.ANSWER, CallState.CONNECTED),
        (CallState.OFFERED, CallInput.HANGUP, CallState.ABANDONED),
        (CallState.CONNECTED, CallInput.HANGUP, CallState.WRAP_UP),
        (CallState.WRAP_UP, CallInput.DISPOSE, CallState.DISPOSED),
        (CallState.CONNECTED, CallInput.TRANSFER, CallState.WRAP_UP),
        (CallState.CONNECTED, CallInput.CONSULT, CallState.CONSULTING),
        (CallState.CONSULTING, CallInput.CONSULT_ENDED, CallState.CONNECTED),
        (CallState.CONSULTING, CallInput.TRANSFER, CallState.WRAP_UP),
        (CallState.CONSULTING, CallInput.HANGUP, CallState.WRAP_UP),
    ],
)
def test_specific_legal_rows(state: CallState, given: CallInput, target: CallState) -> None:
    assert next_state(state, given) is target


@pytest.mark.parametrize(
    ("state", "given"),
    [
        (CallState.CONNECTED, CallInput.DISPOSE),
        (CallState.QUEUED, CallInput.ANSWER),
        (CallState.WRAP_UP, CallInput.HANGUP),
        (CallState.OFFERED, CallInput.OFFER),
        # Only a connected call can be transferred or consulted on; one consult at a time.
        (CallState.OFFERED, CallInput.TRANSFER),
        (CallState.DIALING, CallInput.CONSULT),
        (CallState.CONSULTING, CallInput.CONSULT),
        (CallState.WRAP_UP, CallInput.TRANSFER),
        (CallState.CONNECTED, CallInput.CONSULT_ENDED),
    ],
)
def test_specific_illegal_rows(state: CallState, given: CallInput) -> None:
    with pytest.raises(IllegalTransition):
        next_state(state, given)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
@pytest.mark.parametrize("given", list(CallInput))
def test_final_states_take_no_input(state: CallState, given: CallInput) -> None:
    with pytest.raises(IllegalTransition):
        next_state(state, given)


def test_final_states_are_exactly_the_sinks_of_the_table() -> None:
    sources = {s for (s, _) in TRANSITIONS}
    assert set(CallState) - sources == FINAL_STATES


def test_only_connected_or_consulting_calls_can_be_transferred() -> None:
    sources = {s for (s, i) in TRANSITIONS if i is CallInput.TRANSFER}
    assert sources == {CallState.CONNECTED, CallState.CONSULTING}
