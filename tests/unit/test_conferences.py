"""Conferences in the pure domain: phone, TPV, user, local IVR; dropping legs; refusals."""

from __future__ import annotations

import copy

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentState, BreakReason
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.errors import (
    IllegalTransition,
    NoCurrentCall,
    TargetUnavailable,
    UnknownLeg,
    UnknownTarget,
)
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.instructions import AddLeg, EndCall, HangUpLeg, OfferToAgent
from agentbar.domain.model.legs import LegKind, LegPurpose, LegState
from tests.unit.test_center import EXT_1002, SALES, SUPPORT, connected, get_ready, id_source

TARGET = "+14155550100"


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([SUPPORT, SALES], (BreakReason("Lunch"),), ivrs=("Survey",))
    return made


def confer(center: Center, kind: ConferenceKind, target: str = TARGET) -> str:
    outcome = center.handle(cmd.Conference("a1", kind, target), 30.0)
    [requested] = [e for e in outcome.events if isinstance(e, ev.ConferenceRequested)]
    return requested.leg_id


@pytest.mark.parametrize(
    ("kind", "target", "leg_kind", "address"),
    [
        (ConferenceKind.PHONE, TARGET, LegKind.PHONE, TARGET),
        (ConferenceKind.TPV, TARGET, LegKind.TPV, TARGET),
        (ConferenceKind.IVR, "SURVEY", LegKind.IVR, "Survey"),
    ],
)
def test_a_conference_adds_a_ringing_leg_and_the_agent_stays_on_the_call(
    center: Center, kind: ConferenceKind, target: str, leg_kind: LegKind, address: str
) -> None:
    connected(center)
    outcome = center.handle(cmd.Conference("a1", kind, target), 30.0)
    [requested] = outcome.events
    assert isinstance(requested, ev.ConferenceRequested)
    assert (requested.conference_kind, requested.target) == (kind.value, address)
    assert (requested.user_crt, requested.customer_crt) == ("crt-1", "cust-call-1")
    assert outcome.instructions == [AddLeg("call-1", requested.leg_id, leg_kind, address)]
    call = center.call("call-1")
    assert call.state is CallState.CONNECTED
    assert call.tpv is (kind is ConferenceKind.TPV)
    assert center.agent("a1").state is AgentState.ON_CALL
    leg = call.leg(requested.leg_id)
    assert leg is not None
    assert (leg.kind, leg.purpose, leg.state) == (leg_kind, LegPurpose.CONFERENCE, LegState.RINGING)
    answered = center.signal(cmd.LegAnswered("call-1", requested.leg_id), 31.0)
    assert answered.events == [
        ev.LegConnected("call-1", "a1", requested.leg_id, leg_kind.value, address, "conference")
    ]


def test_several_legs_live_at_once_and_each_can_be_dropped(center: Center) -> None:
    connected(center)
    phone = confer(center, ConferenceKind.PHONE)
    tpv = confer(center, ConferenceKind.TPV, "+14155550199")
    assert len({phone, tpv, "crt-1", "cust-call-1"}) == 4
    center.signal(cmd.LegAnswered("call-1", phone), 31.0)
    dropped = center.handle(cmd.DropLeg("a1", phone), 40.0)
    assert dropped.instructions == [HangUpLeg("call-1", phone)]
    assert dropped.events == [
        ev.LegEnded("call-1", "a1", phone, "phone", TARGET, "conference", "dropped")
    ]
    call = center.call("call-1")
    assert [leg.leg_id for leg in call.legs if leg.live] == ["cust-call-1", "crt-1", tpv]
    # The TPV number never answers: its leg ends, the call goes on.
    center.signal(cmd.LegEnded("call-1", tpv, "no_answer"), 60.0)
    assert call.state is CallState.CONNECTED
    assert call.leg(tpv).end_reason == "no_answer"  # type: ignore[union-attr]


def test_the_customer_hanging_up_ends_every_leg(center: Center) -> None:
    connected(center)
    phone = confer(center, ConferenceKind.PHONE)
    center.signal(cmd.LegAnswered("call-1", phone), 31.0)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 50.0)
    call = center.call("call-1")
    assert all(leg.ended_at == 50.0 for leg in call.legs)
    assert ev.LegEnded("call-1", "a1", phone, "phone", TARGET, "conference", "customer") in (
        outcome.events
    )
    assert center.agent("a1").state is AgentState.WRAP_UP


# -- another agent joins ----------------------------------------------------------------------


def with_a2_ready(center: Center) -> None:
    connected(center)
    get_ready(center, "a2", 26.0, EXT_1002)


def test_a_conferenced_agent_is_invited_then_joins_and_holds_only_this_call(
    center: Center,
) -> None:
    with_a2_ready(center)
    outcome = center.handle(cmd.Conference("a1", ConferenceKind.USER, "a2"), 30.0)
    leg_id = next(e.leg_id for e in outcome.events if isinstance(e, ev.ConferenceRequested))
    assert AddLeg("call-1", leg_id, LegKind.USER, "1002") in outcome.instructions
    a2 = center.agent("a2")
    assert (a2.state, a2.call_id) == (AgentState.INVITED, "call-1")
    # Not idle any more: a new call waits rather than ringing a2.
    center.signal(cmd.CallArrived("call-2", CallType.INBOUND, "1", "+15550002", "c2"), 31.0)
    assert center.call("call-2").state is CallState.QUEUED
    joined = center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    assert a2.state is AgentState.CONFERENCING
    assert ev.ConferenceJoined("call-1", "a2", "a1", leg_id, "+15550001", "1") in joined.events
    # a2 cannot log out, break, or be offered anything while on the conference.
    with pytest.raises(IllegalTransition):
        center.handle(cmd.LogOut("a2", "bye"), 33.0)
    with pytest.raises(IllegalTransition):
        center.handle(cmd.TakeBreak("a2", "Lunch"), 33.0)
    # a2 hangs up: only their leg ends; they are ready again and get the waiting call.
    left = center.handle(cmd.HangUp("a2"), 40.0)
    assert left.instructions[0] == HangUpLeg("call-1", leg_id)
    assert OfferToAgent("call-2", center.call("call-2").user_crt or "", "1002") in (
        left.instructions
    )
    assert center.call("call-1").state is CallState.CONNECTED
    assert center.agent("a1").state is AgentState.ON_CALL


@pytest.mark.parametrize("how", ["no_answer", "dropped", "call_ended", "owner_hangs_up"])
def test_a_conferenced_agent_returns_to_ready_however_their_leg_ends(
    center: Center, how: str
) -> None:
    with_a2_ready(center)
    leg_id = confer(center, ConferenceKind.USER, "a2")
    if how != "no_answer":
        center.signal(cmd.LegAnswered("call-1", leg_id), 31.0)
    if how == "no_answer":
        center.signal(cmd.LegEnded("call-1", leg_id, "no_answer"), 60.0)
    elif how == "dropped":
        center.handle(cmd.DropLeg("a1", leg_id), 60.0)
    elif how == "call_ended":
        center.signal(cmd.CallEnded("call-1", "customer"), 60.0)
    else:
        assert center.handle(cmd.HangUp("a1"), 59.0).instructions == [EndCall("call-1")]
        center.signal(cmd.CallEnded("call-1", "agent"), 60.0)
    a2 = center.agent("a2")
    assert (a2.state, a2.call_id) == (AgentState.READY, None)
    assert center.call("call-1").leg(leg_id).ended_at == 60.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("target", "reason"),
    [("ghost", "not logged in"), ("a1", "yourself"), ("a2", "not ready")],
)
def test_conferencing_an_unavailable_agent_changes_nothing(
    center: Center, target: str, reason: str
) -> None:
    connected(center)
    get_ready(center, "a2", 26.0, EXT_1002)
    center.handle(cmd.TakeBreak("a2", "Lunch"), 27.0)
    before = copy.deepcopy(center.call("call-1"))
    with pytest.raises(TargetUnavailable, match=reason):
        center.handle(cmd.Conference("a1", ConferenceKind.USER, target), 30.0)
    assert center.call("call-1") == before
    assert center.agent("a2").state is AgentState.BREAK


def test_conference_refusals_change_nothing(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.Conference("a1", ConferenceKind.PHONE, TARGET), 11.0)
    center.signal(cmd.CallArrived("call-1", CallType.INBOUND, "1", "+15550001", "c1"), 20.0)
    center.signal(cmd.AgentAnswered("call-1"), 21.0)
    before = copy.deepcopy(center.call("call-1"))
    with pytest.raises(UnknownTarget, match="no IVR named 'Billing'"):
        center.handle(cmd.Conference("a1", ConferenceKind.IVR, "Billing"), 22.0)
    with pytest.raises(UnknownTarget, match="needs a target"):
        center.handle(cmd.Conference("a1", ConferenceKind.PHONE, ""), 22.0)
    with pytest.raises(UnknownLeg):
        center.handle(cmd.DropLeg("a1", "nope"), 22.0)
    assert center.call("call-1") == before


def test_leg_signals_for_unknown_legs_are_refused_and_for_gone_calls_ignored(
    center: Center,
) -> None:
    connected(center)
    with pytest.raises(UnknownLeg):
        center.signal(cmd.LegAnswered("call-1", "crt-404"), 30.0)
    with pytest.raises(UnknownLeg):
        center.signal(cmd.LegEnded("call-1", "crt-404", "busy"), 30.0)
    with pytest.raises(IllegalTransition):
        center.signal(cmd.LegAnswered("call-1", "crt-1"), 30.0)  # already connected
    assert center.signal(cmd.LegAnswered("gone", "crt-1"), 30.0).events == []
    assert center.signal(cmd.LegEnded("gone", "crt-1", "busy"), 30.0).events == []


def test_a_conferenced_agent_forced_out_leaves_the_call_going_on(center: Center) -> None:
    connected(center)
    get_ready(center, "a2", 35.0, EXT_1002)
    leg = confer(center, ConferenceKind.USER, "a2")
    center.signal(cmd.LegAnswered("call-1", leg), 36.0)
    assert center.agent("a2").state is AgentState.CONFERENCING
    outcome = center.handle(cmd.ForceLogOut("a2", "supervisor logout"), 40.0)
    assert center.find_agent("a2") is None
    assert HangUpLeg("call-1", leg) in outcome.instructions
    call = center.call("call-1")
    assert call.state is CallState.CONNECTED
    party = call.leg(leg)
    assert party is not None
    assert not party.live
    assert center.agent("a1").state is AgentState.ON_CALL


def test_an_agent_forced_out_during_a_consult_ends_every_leg(center: Center) -> None:
    connected(center)
    outcome = center.handle(cmd.Transfer("a1", TransferKind.INCALL, TARGET), 30.0)
    [asked] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
    center.signal(cmd.LegAnswered("call-1", asked.leg_id or ""), 31.0)
    assert center.call("call-1").state is CallState.CONSULTING
    forced = center.handle(cmd.ForceLogOut("a1", "idle timeout"), 40.0)
    assert EndCall("call-1") in forced.instructions
    disposed = forced.calls["call-1"]
    assert disposed.state is CallState.DISPOSED
    assert all(not leg.live for leg in disposed.legs)
    finished = [e for e in forced.events if isinstance(e, ev.TransferFinished)]
    assert [e.outcome for e in finished] == ["failed"]
