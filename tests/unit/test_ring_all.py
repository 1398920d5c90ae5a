"""Ring-all routing: every ready agent's phone rings at once; the first to answer takes it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center, Outcome
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, Extension
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.campaign import Routing
from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.instructions import CancelOffer, OfferToAgent, StartTimer
from tests.unit.test_center import BREAK_REASONS, SUPPORT, id_source

RING_ALL = replace(SUPPORT, routing=Routing.RING_ALL, ring_timeout=15.0, max_misses=2)
AGENTS = ("a1", "a2", "a3")


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([RING_ALL], BREAK_REASONS)
    for n, agent_id in enumerate(AGENTS, start=1):
        made.handle(cmd.LogIn(AgentProfile(agent_id, agent_id, frozenset({"1"}))), 0.0)
        made.handle(cmd.SelectExtension(agent_id, Extension(f"SIP 100{n}", f"100{n}")), 0.0)
        made.handle(cmd.GoReady(agent_id), float(n))
    return made


def arrive(center: Center) -> Outcome:
    return center.signal(
        cmd.CallArrived("call-1", CallType.INBOUND, "1", "+15550001", "cust-1"), 10.0
    )


def offers(outcome: Outcome) -> dict[str, str]:
    """phone -> user CRT of every OfferToAgent."""
    return {
        i.extension_phone: i.user_crt for i in outcome.instructions if isinstance(i, OfferToAgent)
    }


def test_every_ready_agent_is_rung_at_once(center: Center) -> None:
    outcome = arrive(center)
    assert set(offers(outcome)) == {"1001", "1002", "1003"}
    assert all(center.agent(a).state is AgentState.RESERVED for a in AGENTS)
    assert all(center.agent(a).call_id == "call-1" for a in AGENTS)
    assert [i for i in outcome.instructions if isinstance(i, StartTimer)] == [
        StartTimer(f"ring:call-1/{center.call('call-1').offer_token}", 15.0)
    ]


def test_the_first_to_answer_takes_the_call_and_the_others_are_freed(center: Center) -> None:
    crts = offers(arrive(center))
    outcome = center.signal(cmd.AgentAnswered("call-1", crts["1002"]), 12.0)
    call = center.call("call-1")
    assert (call.state, call.agent_id, call.user_crt) == (CallState.CONNECTED, "a2", crts["1002"])
    assert center.agent("a2").state is AgentState.ON_CALL
    assert {center.agent(a).state for a in ("a1", "a3")} == {AgentState.READY}
    assert {center.agent(a).call_id for a in ("a1", "a3")} == {None}
    cancelled = {i.user_crt for i in outcome.instructions if isinstance(i, CancelOffer)}
    assert cancelled == {crts["1001"], crts["1003"]}
    pops = [e for e in outcome.events if isinstance(e, ev.ScreenPop)]
    assert [p.agent_id for p in pops] == ["a2"]


def test_a_late_answer_from_a_phone_no_longer_ringing_is_refused(center: Center) -> None:
    crts = offers(arrive(center))
    center.signal(cmd.AgentAnswered("call-1", crts["1002"]), 12.0)
    with pytest.raises(IllegalTransition):
        center.signal(cmd.AgentAnswered("call-1", crts["1001"]), 12.5)
    assert center.call("call-1").agent_id == "a2"


def test_a_phone_refusing_leaves_the_others_ringing(center: Center) -> None:
    crts = offers(arrive(center))
    center.signal(cmd.AgentDidNotAnswer("call-1", crts["1001"]), 11.0)
    assert center.agent("a1").state is AgentState.READY
    assert center.agent("a1").missed == 1
    assert set(center.call("call-1").ringing) == {"a2", "a3"}
    center.signal(cmd.AgentDidNotAnswer("call-1", crts["1002"]), 11.5)
    call = center.call("call-1")
    assert (call.state, call.agent_id, call.ringing) == (CallState.OFFERED, "a3", {})
    center.signal(cmd.AgentAnswered("call-1", crts["1003"]), 12.0)
    assert center.agent("a3").state is AgentState.ON_CALL


def test_nobody_answering_in_time_rings_everyone_again(center: Center) -> None:
    arrive(center)
    token = center.call("call-1").offer_token
    outcome = center.signal(cmd.TimerFired(f"ring:call-1/{token}"), 25.0)
    assert len([i for i in outcome.instructions if isinstance(i, CancelOffer)]) == 3
    assert set(offers(outcome)) == {"1001", "1002", "1003"}
    assert all(center.agent(a).missed == 1 for a in AGENTS)
    again = center.call("call-1").offer_token
    center.signal(cmd.TimerFired(f"ring:call-1/{again}"), 40.0)
    # Two misses in a row: everyone is put on break, and the call waits.
    assert {center.agent(a).state for a in AGENTS} == {AgentState.BREAK}
    assert center.call("call-1").state is CallState.QUEUED


def test_a_customer_hanging_up_while_all_ring_frees_everyone(center: Center) -> None:
    arrive(center)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 12.0)
    assert ev.CallAbandoned("call-1", "1") in outcome.events
    assert all(center.agent(a).state is AgentState.READY for a in AGENTS)
    assert all(center.agent(a).call_id is None for a in AGENTS)


def test_a_ringing_agent_forced_out_leaves_the_others_ringing(center: Center) -> None:
    crts = offers(arrive(center))
    outcome = center.handle(cmd.ForceLogOut("a1", "supervisor logout"), 11.0)
    assert CancelOffer("call-1", crts["1001"]) in outcome.instructions
    assert center.find_agent("a1") is None
    call = center.call("call-1")
    assert call.state is CallState.OFFERED
    assert set(call.ringing) == {"a2", "a3"}
    assert call.agent_id in {"a2", "a3"}
