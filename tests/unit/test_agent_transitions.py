"""The agent presence table, checked cell by cell."""

from __future__ import annotations

import itertools

import pytest

from agentbar.domain.model.agent import (
    BUSY_STATES,
    PARTY_STATES,
    TRANSITIONS,
    AgentInput,
    AgentState,
    next_state,
)
from agentbar.domain.model.errors import DomainError, IllegalTransition

ALL_PAIRS = list(itertools.product(AgentState, AgentInput))


@pytest.mark.parametrize(
    ("state", "given"), ALL_PAIRS, ids=[f"{s.value}-{i.value}" for s, i in ALL_PAIRS]
)
def test_every_state_input_pair(state: AgentState, given: AgentInput) -> None:
    if (state, given) in TRANSITIONS:
        assert next_state(state, given) is TRANSITIONS[(state, given)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_state(state, given)
        assert f"agent is {state.value}" in raised.value.message
        assert raised.value.code == "illegal_transition"
        assert str(raised.value) == raised.value.message


def test_the_table_only_uses_known_states_and_inputs() -> None:
    for (state, given), target in TRANSITIONS.items():
        assert isinstance(state, AgentState)
        assert isinstance(given, AgentInput)
        assert isinstance(target, AgentState)


@pytest.mark.parametrize(
    ("state", "given", "target"),
    [
        (AgentState.LOGGED_OUT, AgentInput.LOGIN, AgentState.NOT_READY),
        (AgentState.NOT_READY, AgentInput.READY, AgentState.READY),
        (AgentState.BREAK, AgentInput.READY, AgentState.READY),
        (AgentState.BREAK, AgentInput.BREAK, AgentState.BREAK),
        (AgentState.READY, AgentInput.OFFER, AgentState.RESERVED),
        (AgentState.RESERVED, AgentInput.OFFER_WITHDRAWN, AgentState.READY),
        (AgentState.RESERVED, AgentInput.ANSWER, AgentState.ON_CALL),
        (AgentState.ON_CALL, AgentInput.CALL_ENDED, AgentState.WRAP_UP),
        (AgentState.WRAP_UP, AgentInput.DISPOSE, AgentState.READY),
        (AgentState.READY, AgentInput.LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.NOT_READY, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.READY, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.BREAK, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.RESERVED, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.DIALING, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.ON_CALL, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.WRAP_UP, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.INVITED, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.CONFERENCING, AgentInput.FORCE_LOGOUT, AgentState.LOGGED_OUT),
        (AgentState.READY, AgentInput.INVITE, AgentState.INVITED),
        (AgentState.INVITED, AgentInput.ANSWER, AgentState.CONFERENCING),
        (AgentState.INVITED, AgentInput.LEAVE, AgentState.READY),
        (AgentState.CONFERENCING, AgentInput.LEAVE, AgentState.READY),
    ],
)
def test_specific_legal_rows(state: AgentState, given: AgentInput, target: AgentState) -> None:
    assert next_state(state, given) is target


@pytest.mark.parametrize(
    ("state", "given", "reason"),
    [
        (AgentState.ON_CALL, AgentInput.LOGOUT, "cannot log out"),
        (AgentState.WRAP_UP, AgentInput.LOGOUT, "cannot log out"),
        (AgentState.RESERVED, AgentInput.LOGOUT, "cannot log out"),
        (AgentState.READY, AgentInput.READY, "cannot become ready"),
        (AgentState.ON_CALL, AgentInput.BREAK, "cannot take a break"),
        (AgentState.READY, AgentInput.DISPOSE, "no call waiting for a disposition"),
        (AgentState.NOT_READY, AgentInput.OFFER, "cannot offer"),
        (AgentState.READY, AgentInput.LOGIN, "cannot login"),
        (AgentState.LOGGED_OUT, AgentInput.FORCE_LOGOUT, "not logged in"),
        (AgentState.CONFERENCING, AgentInput.LOGOUT, "cannot log out"),
        (AgentState.INVITED, AgentInput.BREAK, "cannot take a break"),
        (AgentState.ON_CALL, AgentInput.INVITE, "cannot invite"),
        (AgentState.CONFERENCING, AgentInput.DIAL, "cannot dial"),
    ],
)
def test_specific_illegal_rows_explain_why(
    state: AgentState, given: AgentInput, reason: str
) -> None:
    with pytest.raises(IllegalTransition, match=reason) as raised:
        next_state(state, given)
    assert raised.value.message.endswith(f"(agent is {state.value})")


def test_offers_only_go_to_ready_agents() -> None:
    offerable = {s for (s, i) in TRANSITIONS if i is AgentInput.OFFER}
    assert offerable == {AgentState.READY}


def test_every_logged_in_state_can_be_forced_out() -> None:
    """A supervisor or the idle timeout must be able to end any agent's session."""
    forced = {s for (s, i) in TRANSITIONS if i is AgentInput.FORCE_LOGOUT}
    assert forced == set(AgentState) - {AgentState.LOGGED_OUT}


def test_only_a_forced_logout_leaves_a_call_or_its_wrap_up() -> None:
    busy = {AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP}
    leaving = {i for (s, i), t in TRANSITIONS.items() if s in busy and t is AgentState.LOGGED_OUT}
    assert leaving == {AgentInput.FORCE_LOGOUT}


def test_illegal_transition_is_a_domain_error() -> None:
    with pytest.raises(DomainError):
        next_state(AgentState.LOGGED_OUT, AgentInput.LOGOUT)


def test_only_ready_agents_are_invited_to_a_conference() -> None:
    invitable = {s for (s, i) in TRANSITIONS if i is AgentInput.INVITE}
    assert invitable == {AgentState.READY}


def test_a_conference_party_leaves_without_wrap_up() -> None:
    leaving = {(s, t) for (s, i), t in TRANSITIONS.items() if i is AgentInput.LEAVE}
    assert leaving == {
        (AgentState.INVITED, AgentState.READY),
        (AgentState.CONFERENCING, AgentState.READY),
    }


def test_the_busy_states_are_those_the_agent_cannot_log_out_of() -> None:
    """Busy means holding a call; the table refuses the agent's own logout exactly then."""
    refused = {
        state
        for state in AgentState
        if state is not AgentState.LOGGED_OUT and (state, AgentInput.LOGOUT) not in TRANSITIONS
    }
    assert refused == BUSY_STATES
    assert PARTY_STATES < BUSY_STATES
