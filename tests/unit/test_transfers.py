"""Transfers in the pure domain: blind, consult, queue, IVR, user, campaign — and refusals."""

from __future__ import annotations

import copy

import pytest

from agentbar.domain.center import Center, Outcome
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.campaign import Campaign, CampaignKind
from agentbar.domain.model.errors import (
    ConferenceInProgress,
    ConsultInProgress,
    ConsultNotAnswered,
    DomainError,
    IllegalTransition,
    NoConsult,
    NoCurrentCall,
    TargetUnavailable,
    UnknownLeg,
    UnknownTarget,
)
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind, TransferState
from agentbar.domain.model.instructions import (
    CompleteConsult,
    ConsultCall,
    EndCall,
    HangUpLeg,
    OfferToAgent,
    Requeue,
    ResumeCall,
    StartTimer,
    TransferCall,
)
from agentbar.domain.model.legs import LegKind, LegPurpose, LegState
from tests.unit.test_center import (
    EXT_1002,
    PLAN,
    SALES,
    SUPPORT,
    connected,
    get_ready,
    id_source,
)

OUTBOUND = Campaign("3", "Outreach", CampaignKind.OUTBOUND, PLAN, ring_timeout=15.0)
TARGET = "+14155550100"


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure(
        [SUPPORT, SALES, OUTBOUND], (BreakReason("Lunch"),), ivrs=("Survey", "Main Menu")
    )
    return made


def transfer(
    center: Center, kind: TransferKind, target: str = TARGET, now: float = 30.0
) -> Outcome:
    return center.handle(cmd.Transfer("a1", kind, target), now)


def kinds(outcome: Outcome) -> list[type]:
    return [type(e) for e in outcome.events]


# -- blind transfers --------------------------------------------------------------------------


def test_a_blind_transfer_to_a_phone_bridges_the_customer_and_wraps_the_agent_up(
    center: Center,
) -> None:
    connected(center)
    outcome = center.handle(cmd.Transfer("a1", TransferKind.PHONE, TARGET), 30.0)
    call = center.call("call-1")
    assert call.state is CallState.WRAP_UP
    assert (call.ended_by, call.ended_at) == ("transfer", 30.0)
    assert center.agent("a1").state is AgentState.WRAP_UP
    [requested] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
    assert (requested.transfer_kind, requested.target) == ("phone", TARGET)
    assert requested.leg_id is not None
    assert (requested.user_crt, requested.customer_crt) == ("crt-1", "cust-call-1")
    assert kinds(outcome) == [
        ev.TransferRequested,
        ev.AgentStateChanged,
        ev.CallEnded,
        ev.TransferFinished,
    ]
    assert outcome.instructions[0] == TransferCall(
        "call-1", requested.leg_id, LegKind.PHONE, TARGET
    )
    legs = {leg.kind: leg for leg in call.legs}
    assert legs[LegKind.AGENT].state is LegState.ENDED
    assert legs[LegKind.CUSTOMER].state is LegState.CONNECTED
    assert legs[LegKind.PHONE].purpose is LegPurpose.TRANSFER
    [record] = call.transfers
    assert (record.state, record.leg_id) == (TransferState.COMPLETED, requested.leg_id)


def test_a_transferred_call_still_needs_a_disposition_and_its_legs_end_later(
    center: Center,
) -> None:
    connected(center)
    transfer(center, TransferKind.PHONE)
    center.handle(cmd.Dispose("a1", "Sale"), 40.0)
    assert center.agent("a1").state is AgentState.READY
    # The customer is still talking to the phone: the call is kept to record their end.
    gone = center.handed_off["call-1"]
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 90.0)
    assert outcome.events == []
    assert list(outcome.calls) == ["call-1"]
    assert all(leg.ended_at is not None for leg in gone.legs)
    assert "call-1" not in center.handed_off


def test_a_transfer_to_an_ivr_needs_a_known_ivr_and_names_it_as_provisioned(
    center: Center,
) -> None:
    connected(center)
    with pytest.raises(UnknownTarget, match="Survey, Main Menu"):
        transfer(center, TransferKind.IVR, "Billing")
    outcome = transfer(center, TransferKind.IVR, " survey ")
    [requested] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
    assert requested.target == "Survey"
    assert requested.leg_id is not None
    assert TransferCall("call-1", requested.leg_id, LegKind.IVR, "Survey") in (outcome.instructions)
    assert center.agent("a1").state is AgentState.WRAP_UP


# -- consult ----------------------------------------------------------------------------------


def consulting(center: Center) -> str:
    connected(center)
    outcome = center.handle(cmd.Transfer("a1", TransferKind.INCALL, TARGET), 30.0)
    [instruction] = outcome.instructions
    assert isinstance(instruction, ConsultCall)
    return instruction.leg_id


def test_a_consult_holds_the_customer_and_rings_the_target(center: Center) -> None:
    leg_id = consulting(center)
    call = center.call("call-1")
    assert call.state is CallState.CONSULTING
    assert call.on_hold
    assert center.agent("a1").state is AgentState.ON_CALL
    leg = call.leg(leg_id)
    assert leg is not None
    assert (leg.kind, leg.purpose, leg.state) == (
        LegKind.PHONE,
        LegPurpose.CONSULT,
        LegState.RINGING,
    )


def test_completing_a_consult_needs_the_target_to_have_answered(center: Center) -> None:
    leg_id = consulting(center)
    with pytest.raises(ConsultNotAnswered):
        center.handle(cmd.CompleteTransfer("a1"), 31.0)
    answered = center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    assert answered.events == [ev.LegConnected("call-1", "a1", leg_id, "phone", TARGET, "consult")]
    done = center.handle(cmd.CompleteTransfer("a1"), 40.0)
    assert done.instructions[0] == CompleteConsult("call-1", leg_id)
    call = center.call("call-1")
    assert (call.state, call.ended_by) == (CallState.WRAP_UP, "transfer")
    assert center.agent("a1").state is AgentState.WRAP_UP
    assert call.transfers[0].state is TransferState.COMPLETED
    assert ev.TransferFinished(
        "call-1", "a1", call.transfers[0].transfer_id, "incall", "completed"
    ) in (done.events)


def test_cancelling_a_consult_drops_its_leg_and_resumes_the_customer(center: Center) -> None:
    leg_id = consulting(center)
    center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    outcome = center.handle(cmd.CancelTransfer("a1"), 35.0)
    assert outcome.instructions == [HangUpLeg("call-1", leg_id), ResumeCall("call-1")]
    call = center.call("call-1")
    assert (call.state, call.on_hold) == (CallState.CONNECTED, False)
    assert call.transfers[0].state is TransferState.CANCELLED
    assert kinds(outcome) == [ev.LegEnded, ev.TransferFinished, ev.CallResumed]
    # ... and the agent can transfer again.
    transfer(center, TransferKind.PHONE, now=36.0)
    assert center.agent("a1").state is AgentState.WRAP_UP


@pytest.mark.parametrize("reason", ["busy", "no_answer", "hung_up"])
def test_a_consult_target_that_fails_or_hangs_up_returns_the_agent_to_the_customer(
    center: Center, reason: str
) -> None:
    leg_id = consulting(center)
    if reason == "hung_up":
        center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    outcome = center.signal(cmd.LegEnded("call-1", leg_id, reason), 33.0)
    assert center.call("call-1").state is CallState.CONNECTED
    assert outcome.instructions == [ResumeCall("call-1")]
    finished = [e for e in outcome.events if isinstance(e, ev.TransferFinished)]
    assert [f.outcome for f in finished] == ["failed"]
    # A second report of the same end changes nothing.
    again = center.signal(cmd.LegEnded("call-1", leg_id, reason), 34.0)
    assert (again.events, again.instructions, again.calls) == ([], [], {})


def test_the_customer_hanging_up_during_a_consult_ends_every_leg(center: Center) -> None:
    leg_id = consulting(center)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 33.0)
    call = center.call("call-1")
    assert call.state is CallState.WRAP_UP
    assert all(not leg.live for leg in call.legs)
    assert call.transfers[0].state is TransferState.FAILED
    assert ev.LegEnded("call-1", "a1", leg_id, "phone", TARGET, "consult", "customer") in (
        outcome.events
    )


def test_nothing_else_is_asked_of_a_consult_in_progress(center: Center) -> None:
    consulting(center)
    before = copy.deepcopy(center.call("call-1"))
    for command in (
        cmd.Transfer("a1", TransferKind.PHONE, TARGET),
        cmd.Transfer("a1", TransferKind.INCALL, TARGET),
        cmd.Conference("a1", ConferenceKind.PHONE, TARGET),
        cmd.Hold("a1"),
        cmd.Resume("a1"),
    ):
        with pytest.raises(ConsultInProgress):
            center.handle(command, 31.0)
    assert center.call("call-1") == before


def test_complete_or_cancel_without_a_consult_is_refused(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.CompleteTransfer("a1"), 11.0)
    center.signal(
        cmd.CallArrived("call-1", CallType.INBOUND, "1", "+15550001", "cust-call-1"), 20.0
    )
    center.signal(cmd.AgentAnswered("call-1"), 25.0)
    with pytest.raises(NoConsult):
        center.handle(cmd.CompleteTransfer("a1"), 26.0)
    with pytest.raises(NoConsult):
        center.handle(cmd.CancelTransfer("a1"), 26.0)


# -- back into routing: queue, campaign, user -------------------------------------------------


def test_a_queue_transfer_offers_the_customer_to_the_next_agent_as_a_new_call(
    center: Center,
) -> None:
    connected(center)
    get_ready(center, "a2", 26.0, EXT_1002)
    outcome = transfer(center, TransferKind.QUEUE, "Support")
    [requested] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
    new_id = requested.new_call_id
    assert new_id is not None
    assert requested.target == "1"
    assert outcome.instructions[0] == Requeue("call-1", new_id)
    # The transferring agent wraps up their part ...
    old = center.call("call-1")
    assert (old.state, old.ended_by) == (CallState.WRAP_UP, "transfer")
    assert all(not leg.live for leg in old.legs)
    assert center.agent("a1").state is AgentState.WRAP_UP
    # ... while the customer, as a new call, rings the next agent with a new user CRT.
    new = center.call(new_id)
    assert (new.state, new.agent_id, new.call_type) == (CallState.OFFERED, "a2", CallType.INBOUND)
    assert new.customer_crt == old.customer_crt
    assert new.user_crt not in (None, old.user_crt)
    assert new.transferred_from == "call-1"
    assert new.crm_params == {
        "transferredFrom": "call-1",
        "transferredBy": "a1",
        "transferKind": "queue",
    }
    assert OfferToAgent(new_id, new.user_crt, "1002") in outcome.instructions
    answered = center.signal(cmd.AgentAnswered(new_id), 31.0)
    pop = answered.events[-1]
    assert isinstance(pop, ev.ScreenPop)
    assert (pop.agent_id, pop.call_type, pop.crm_params["transferredFrom"]) == (
        "a2",
        "inbound",
        "call-1",
    )
    # Both parts are disposed independently.
    center.handle(cmd.Dispose("a1", "Escalated"), 32.0)
    assert center.agent("a1").state is AgentState.READY
    assert center.agent("a2").call_id == new_id


def test_a_queue_transfer_with_nobody_ready_waits_in_the_queue(center: Center) -> None:
    connected(center)
    outcome = transfer(center, TransferKind.QUEUE, "support")
    [queued] = [e for e in outcome.events if isinstance(e, ev.CallQueued)]
    assert center.waiting_count("1") == 1
    assert center.call(queued.call_id).state is CallState.QUEUED
    # a1 disposes, becomes ready, and gets the customer back.
    center.handle(cmd.Dispose("a1", "Sale"), 40.0)
    assert center.call(queued.call_id).agent_id == "a1"


def test_a_hangup_reported_under_the_old_name_ends_the_continuation(center: Center) -> None:
    """The customer hung up before telephony renamed the requeued line."""
    connected(center)
    outcome = transfer(center, TransferKind.QUEUE, "Support")
    new_id = next(e.new_call_id for e in outcome.events if isinstance(e, ev.TransferRequested))
    assert new_id is not None
    ended = center.signal(cmd.CallEnded("call-1", "customer"), 31.0)
    assert ev.CallAbandoned(new_id, "1") in ended.events
    assert new_id not in center.calls
    assert center.waiting_count("1") == 0
    assert center.call("call-1").state is CallState.WRAP_UP


def test_a_queue_transfer_needs_an_inbound_campaign(center: Center) -> None:
    connected(center)
    with pytest.raises(UnknownTarget, match="no agent queue 'Nowhere'"):
        transfer(center, TransferKind.QUEUE, "Nowhere")
    with pytest.raises(UnknownTarget, match="outbound campaign, not an agent queue"):
        transfer(center, TransferKind.QUEUE, "Outreach")
    assert center.call("call-1").state is CallState.CONNECTED
    # A campaign transfer may go to any campaign, by id or name.
    outcome = transfer(center, TransferKind.CAMPAIGN, "3")
    [requested] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
    assert requested.new_call_id is not None
    assert center.call(requested.new_call_id).campaign_id == "3"
    assert center.waiting_count("3") == 1


def test_a_user_transfer_rings_that_agent_with_the_usual_ring_timeout(center: Center) -> None:
    timed = Center(id_source())
    timed.configure(
        [Campaign("1", "Support", CampaignKind.INBOUND, PLAN, ring_timeout=10.0)],
        (BreakReason("Lunch"),),
    )
    connected(timed)
    get_ready(timed, "a2", 26.0, EXT_1002)
    outcome = timed.handle(cmd.Transfer("a1", TransferKind.USER, "a2"), 30.0)
    new_id = next(e.new_call_id for e in outcome.events if isinstance(e, ev.TransferRequested))
    assert new_id is not None
    new = timed.call(new_id)
    assert (new.state, new.agent_id) == (CallState.OFFERED, "a2")
    assert timed.agent("a2").state is AgentState.RESERVED
    assert StartTimer(f"ring:{new_id}/{new.user_crt}", 10.0) in outcome.instructions
    # Unanswered: back to its campaign's queue; a2 is ready again and gets re-offered.
    timed.signal(cmd.TimerFired(f"ring:{new_id}/{new.user_crt}"), 40.0)
    assert timed.agent("a2").missed == 1
    assert timed.call(new_id).agent_id == "a2"


@pytest.mark.parametrize(
    ("setup", "target", "reason"),
    [
        ("none", "ghost", "not logged in"),
        ("none", "a1", "yourself"),
        ("break", "a2", "not ready"),
        ("busy", "a2", "not ready"),
        ("other_campaign", "a3", "does not work campaign"),
    ],
)
def test_a_user_transfer_to_an_unavailable_agent_changes_nothing(
    center: Center, setup: str, target: str, reason: str
) -> None:
    connected(center)
    if setup == "break":
        get_ready(center, "a2", 26.0, EXT_1002)
        center.handle(cmd.TakeBreak("a2", "Lunch"), 27.0)
    elif setup == "busy":
        center.signal(cmd.CallArrived("call-2", CallType.INBOUND, "1", "+15550002", "cust-2"), 26.0)
        get_ready(center, "a2", 27.0, EXT_1002)
    elif setup == "other_campaign":
        center.handle(cmd.LogIn(AgentProfile("a3", "Agent 3", frozenset({"2"}))), 26.0)
        center.handle(cmd.SelectExtension("a3", EXT_1002), 26.0)
        center.handle(cmd.SelectCampaign("a3", "2"), 26.0)
        center.handle(cmd.GoReady("a3"), 26.0)
    before = (copy.deepcopy(center.call("call-1")), len(center.calls))
    with pytest.raises(TargetUnavailable, match=reason):
        transfer(center, TransferKind.USER, target)
    assert (center.call("call-1"), len(center.calls)) == before
    assert center.agent("a1").state is AgentState.ON_CALL


@pytest.mark.parametrize("kind", list(TransferKind))
def test_transfers_need_a_connected_call(center: Center, kind: TransferKind) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(NoCurrentCall):
        transfer(center, kind)
    center.signal(
        cmd.CallArrived("call-1", CallType.INBOUND, "1", "+15550001", "cust-call-1"), 20.0
    )
    with pytest.raises(NoCurrentCall):  # still ringing
        transfer(center, kind)
    center.signal(cmd.AgentAnswered("call-1"), 21.0)
    with pytest.raises(UnknownTarget, match="needs a target"):
        transfer(center, kind, "  ")
    center.signal(cmd.CallEnded("call-1", "customer"), 22.0)
    with pytest.raises(NoCurrentCall):  # in wrap-up
        transfer(center, kind)
    assert len(center.calls) == 1


def test_a_transfer_while_conference_parties_are_on_the_call_is_refused(center: Center) -> None:
    connected(center)
    center.handle(cmd.Conference("a1", ConferenceKind.PHONE, TARGET), 28.0)
    before = copy.deepcopy(center.call("call-1"))
    with pytest.raises(ConferenceInProgress):
        transfer(center, TransferKind.QUEUE, "Support")
    assert center.call("call-1") == before
    assert len(center.calls) == 1


def test_hanging_up_during_a_consult_ends_the_whole_call(center: Center) -> None:
    consulting(center)
    assert center.handle(cmd.HangUp("a1"), 31.0).instructions == [EndCall("call-1")]


def test_dropping_the_consult_leg_is_cancelling_it(center: Center) -> None:
    leg_id = consulting(center)
    with pytest.raises(IllegalTransition, match="hangup"):
        center.handle(cmd.DropLeg("a1", "crt-1"), 31.0)
    with pytest.raises(UnknownLeg):
        center.handle(cmd.DropLeg("a1", "crt-404"), 31.0)
    outcome = center.handle(cmd.DropLeg("a1", leg_id), 32.0)
    assert outcome.instructions == [HangUpLeg("call-1", leg_id), ResumeCall("call-1")]
    assert center.call("call-1").transfers[0].state is TransferState.CANCELLED
    with pytest.raises(UnknownLeg, match="no live leg"):
        center.handle(cmd.DropLeg("a1", leg_id), 33.0)


def test_a_refused_transfer_is_a_domain_error_with_its_own_code() -> None:
    codes = {
        e.code
        for e in (
            UnknownTarget,
            TargetUnavailable,
            ConsultInProgress,
            NoConsult,
            ConsultNotAnswered,
            ConferenceInProgress,
            UnknownLeg,
        )
    }
    assert len(codes) == 7
    assert all(issubclass(e, DomainError) for e in (UnknownTarget, UnknownLeg))
