"""Presence beyond the basics: forced logout from every state, campaign auto-select,
auto-call, and break reasons with their productive flag."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from agentbar.domain.center import Center, Outcome
from agentbar.domain.floor import ring_timer, wrap_up_timer
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason, Extension
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.campaign import Campaign, CampaignKind, DispositionClass, DispositionPlan
from agentbar.domain.model.errors import NotOutboundCampaign, UnknownAgent, UnknownCall
from agentbar.domain.model.instructions import CancelOffer, CancelTimer, EndCall, OfferToAgent

PLAN = DispositionPlan(
    (
        DispositionClass("Resolved", ("Sale", "Info Given")),
        DispositionClass("Follow Up", ("Callback", "Escalated")),
    )
)
PLAIN = Campaign("1", "Support", CampaignKind.INBOUND, PLAN)
"""No timers; a system disposition takes the plan's first code."""
TIMED = Campaign(
    "2",
    "Priority",
    CampaignKind.INBOUND,
    PLAN,
    ring_timeout=10.0,
    wrap_up_timeout=30.0,
    default_disposition="escalated",
)
DIALER = Campaign("3", "Dialer", CampaignKind.OUTBOUND, PLAN)
MISCONFIGURED = Campaign(
    "4", "Legacy", CampaignKind.INBOUND, PLAN, default_disposition="Bought a yacht"
)
BREAK_REASONS = (BreakReason("Training", productive=True), BreakReason("Lunch"))
REASON = "supervisor logout"


@pytest.fixture
def center() -> Center:
    counter = itertools.count(1)
    made = Center(lambda kind: f"{kind}-{next(counter)}")
    made.configure([PLAIN, TIMED, DIALER, MISCONFIGURED], BREAK_REASONS)
    return made


def log_in(center: Center, agent_id: str, *campaign_ids: str) -> Outcome:
    profile = AgentProfile(agent_id, f"Agent {agent_id}", frozenset(campaign_ids or {"1"}))
    return center.handle(cmd.LogIn(profile), 0.0)


def ready(center: Center, agent_id: str, campaign_id: str, now: float = 10.0) -> None:
    log_in(center, agent_id, campaign_id)
    phone = {"a1": "1001", "a2": "1002"}[agent_id]
    center.handle(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)), now)
    center.handle(cmd.GoReady(agent_id), now)


def arrive(center: Center, call_id: str, campaign_id: str, now: float = 20.0) -> None:
    center.signal(
        cmd.CallArrived(call_id, CallType.INBOUND, campaign_id, "+15550001", f"cust-{call_id}"),
        now,
    )


def force_out(center: Center, agent_id: str = "a1", now: float = 90.0) -> Outcome:
    return center.handle(cmd.ForceLogOut(agent_id, REASON), now)


LOGGED_OUT = [ev.AgentStateChanged("a1", "logged_out", REASON), ev.AgentLoggedOut("a1", REASON)]


# -- forced logout without a call ---------------------------------------------------------


def not_ready(center: Center) -> None:
    log_in(center, "a1")


def on_break(center: Center) -> None:
    log_in(center, "a1")
    center.handle(cmd.TakeBreak("a1", "Lunch"), 5.0)


@pytest.mark.parametrize(
    "setup",
    [not_ready, lambda c: ready(c, "a1", "1"), on_break],
    ids=["not_ready", "ready", "break"],
)
def test_force_logout_without_a_call_is_a_plain_logout(
    center: Center, setup: Callable[[Center], None]
) -> None:
    setup(center)
    outcome = force_out(center)
    assert outcome.events == LOGGED_OUT
    assert outcome.instructions == []
    assert outcome.calls == {}
    assert center.find_agent("a1") is None
    # gone from routing too: a call now waits
    arrive(center, "call-1", "1", now=91.0)
    assert center.call("call-1").state is CallState.QUEUED


def test_force_logout_of_an_agent_not_logged_in_is_refused(center: Center) -> None:
    with pytest.raises(UnknownAgent, match="ghost"):
        force_out(center, "ghost")
    log_in(center, "a1")
    force_out(center)
    with pytest.raises(UnknownAgent):
        force_out(center)
    # and the agent may log in again, from scratch
    log_in(center, "a1")
    assert center.agent("a1").state is AgentState.NOT_READY


# -- forced logout while a call rings -----------------------------------------------------


def test_a_ringing_call_goes_back_to_the_front_of_its_queue(center: Center) -> None:
    ready(center, "a1", "1")
    arrive(center, "call-1", "1", now=20.0)
    arrive(center, "call-2", "1", now=21.0)
    outcome = force_out(center)
    assert outcome.events == LOGGED_OUT
    assert outcome.instructions == [CancelOffer("call-1", "crt-1")]
    call = outcome.calls["call-1"]
    assert call is center.call("call-1")
    assert (call.state, call.agent_id, call.user_crt) == (CallState.QUEUED, None, None)
    assert center.waiting_count("1") == 2
    # the withdrawn call is served before the one that was already waiting
    ready(center, "a2", "1", now=95.0)
    assert center.agent("a2").call_id == "call-1"
    assert center.call("call-2").state is CallState.QUEUED


def test_a_ringing_call_is_offered_at_once_to_another_ready_agent(center: Center) -> None:
    ready(center, "a1", "1", now=10.0)
    ready(center, "a2", "1", now=15.0)
    arrive(center, "call-1", "1")
    assert center.agent("a1").call_id == "call-1"  # the longest idle
    outcome = force_out(center)
    assert outcome.events == [
        *LOGGED_OUT,
        ev.AgentStateChanged("a2", "reserved", None),
        ev.CallOffered("call-1", "a2", "crt-2"),
    ]
    # the old offer is cancelled before the new one rings
    assert outcome.instructions == [
        CancelOffer("call-1", "crt-1"),
        OfferToAgent("call-1", "crt-2", "1002"),
    ]
    assert center.waiting_count("1") == 0


def test_a_ringing_call_s_ring_timer_is_cancelled_when_the_campaign_has_one(
    center: Center,
) -> None:
    ready(center, "a1", "2")
    arrive(center, "call-1", "2")
    outcome = force_out(center)
    assert outcome.instructions == [
        CancelOffer("call-1", "crt-1"),
        CancelTimer(ring_timer("call-1", "crt-1")),
    ]
    assert center.call("call-1").state is CallState.QUEUED


# -- forced logout during a call and its wrap-up ------------------------------------------


def talking(center: Center, campaign_id: str) -> None:
    ready(center, "a1", campaign_id)
    arrive(center, "call-1", campaign_id, now=20.0)
    center.signal(cmd.AgentAnswered("call-1"), 25.0)


def wrapping_up(center: Center, campaign_id: str) -> None:
    talking(center, campaign_id)
    center.signal(cmd.CallEnded("call-1", "customer"), 60.0)


def ended_by_system(campaign_id: str) -> ev.CallEnded:
    return ev.CallEnded(
        call_id="call-1",
        agent_id="a1",
        ended_by="system",
        phone="+15550001",
        campaign_id=campaign_id,
        user_crt="crt-1",
        customer_crt="cust-call-1",
    )


@pytest.mark.parametrize(
    ("campaign_id", "disposition"),
    [("1", ("Resolved", "Sale")), ("2", ("Follow Up", "Escalated"))],
    ids=["plan's first code", "campaign default"],
)
def test_a_live_call_is_ended_and_disposed_by_the_system(
    center: Center, campaign_id: str, disposition: tuple[str, str]
) -> None:
    talking(center, campaign_id)
    outcome = force_out(center)
    assert outcome.events == [
        ended_by_system(campaign_id),
        ev.CallDisposed("call-1", "a1", *disposition, None, "system"),
        *LOGGED_OUT,
    ]
    # telephony hangs up every leg; no timer is left (the ring timer went at the answer)
    assert outcome.instructions == [EndCall("call-1")]
    call = outcome.calls["call-1"]
    assert call.state is CallState.DISPOSED
    assert (call.ended_by, call.ended_at, call.disposed_at) == ("system", 90.0, 90.0)
    assert (call.disposition_class, call.disposition_code) == disposition
    with pytest.raises(UnknownCall):
        center.call("call-1")
    # telephony's own report of the end, when it comes, changes nothing
    late = center.signal(cmd.CallEnded("call-1", "agent"), 91.0)
    assert (late.events, late.instructions, late.calls) == ([], [], {})


def test_a_call_in_wrap_up_is_disposed_by_the_system(center: Center) -> None:
    wrapping_up(center, "1")
    outcome = force_out(center)
    assert outcome.events == [
        ev.CallDisposed("call-1", "a1", "Resolved", "Sale", None, "system"),
        *LOGGED_OUT,
    ]
    assert outcome.instructions == []
    call = outcome.calls["call-1"]
    assert (call.state, call.ended_by, call.disposed_at) == (CallState.DISPOSED, "customer", 90.0)


def test_a_call_in_wrap_up_has_its_wrap_up_timer_cancelled(center: Center) -> None:
    wrapping_up(center, "2")
    outcome = force_out(center)
    assert outcome.instructions == [CancelTimer(wrap_up_timer("call-1"))]
    assert outcome.calls["call-1"].disposition_code == "Escalated"
    # the timer, had it fired anyway, finds nothing to do
    stale = center.signal(cmd.TimerFired(wrap_up_timer("call-1")), 120.0)
    assert (stale.events, stale.instructions, stale.calls) == ([], [], {})


def test_a_default_disposition_missing_from_the_plan_does_not_block_the_logout(
    center: Center,
) -> None:
    assert MISCONFIGURED.timeout_disposition() == ("Resolved", "Sale")
    wrapping_up(center, "4")
    outcome = force_out(center)
    assert outcome.calls["call-1"].disposition_code == "Sale"
    assert center.find_agent("a1") is None


def test_the_other_agents_are_untouched(center: Center) -> None:
    ready(center, "a2", "1", now=5.0)
    talking(center, "2")
    outcome = force_out(center)
    assert {getattr(e, "agent_id", "a1") for e in outcome.events} == {"a1"}
    assert center.agent("a2").state is AgentState.READY


# -- campaign auto-select -----------------------------------------------------------------


def test_an_agent_with_one_campaign_has_it_selected_at_login(center: Center) -> None:
    outcome = log_in(center, "a1", "2")
    assert outcome.events == [
        ev.AgentLoggedIn("a1"),
        ev.AgentStateChanged("a1", "not_ready", None),
        ev.CampaignSelected("a1", "2", "Priority"),
    ]
    assert center.agent("a1").campaign_id == "2"
    # so an extension is all it takes to become ready
    center.handle(cmd.SelectExtension("a1", Extension("SIP 1001", "1001")), 1.0)
    center.handle(cmd.GoReady("a1"), 2.0)
    assert center.agent("a1").state is AgentState.READY


def test_an_agent_with_several_campaigns_chooses_one(center: Center) -> None:
    outcome = log_in(center, "a1", "1", "2")
    assert not any(isinstance(e, ev.CampaignSelected) for e in outcome.events)
    assert center.agent("a1").campaign_id is None


def test_a_single_campaign_unknown_to_the_floor_is_not_selected(center: Center) -> None:
    outcome = log_in(center, "a1", "99")
    assert [type(e) for e in outcome.events] == [ev.AgentLoggedIn, ev.AgentStateChanged]
    assert center.agent("a1").campaign_id is None


# -- auto-call ----------------------------------------------------------------------------


def test_auto_call_switches_on_and_off_in_an_outbound_campaign(center: Center) -> None:
    log_in(center, "a1", "3")
    on = center.handle(cmd.SetAutoCall("a1", True), 1.0)
    assert on.events == [ev.AutoCallChanged("a1", True)]
    assert on.instructions == []
    assert center.agent("a1").auto_call is True
    again = center.handle(cmd.SetAutoCall("a1", True), 2.0)
    assert again.events == []
    off = center.handle(cmd.SetAutoCall("a1", False), 3.0)
    assert off.events == [ev.AutoCallChanged("a1", False)]
    assert center.agent("a1").auto_call is False


def test_auto_call_without_a_campaign_is_refused(center: Center) -> None:
    log_in(center, "a1", "1", "3")
    with pytest.raises(NotOutboundCampaign, match="choose an outbound campaign"):
        center.handle(cmd.SetAutoCall("a1", True), 1.0)
    assert center.agent("a1").auto_call is False


def test_auto_call_in_an_inbound_campaign_is_refused(center: Center) -> None:
    log_in(center, "a1", "1")
    with pytest.raises(NotOutboundCampaign, match="'Support' is inbound") as raised:
        center.handle(cmd.SetAutoCall("a1", True), 1.0)
    assert raised.value.code == "not_outbound_campaign"
    assert center.agent("a1").auto_call is False


def test_choosing_an_inbound_campaign_switches_auto_call_off(center: Center) -> None:
    log_in(center, "a1", "1", "3")
    center.handle(cmd.SelectCampaign("a1", "3"), 1.0)
    center.handle(cmd.SetAutoCall("a1", True), 2.0)
    outcome = center.handle(cmd.SelectCampaign("a1", "1"), 3.0)
    assert outcome.events == [
        ev.CampaignSelected("a1", "1", "Support"),
        ev.AutoCallChanged("a1", False),
    ]
    assert center.agent("a1").auto_call is False
    # staying outbound keeps it on
    center.handle(cmd.SelectCampaign("a1", "3"), 4.0)
    center.handle(cmd.SetAutoCall("a1", True), 5.0)
    assert center.handle(cmd.SelectCampaign("a1", "3"), 6.0).events == [
        ev.CampaignSelected("a1", "3", "Dialer")
    ]
    assert center.agent("a1").auto_call is True


def test_auto_call_does_not_outlive_a_logout(center: Center) -> None:
    log_in(center, "a1", "3")
    center.handle(cmd.SetAutoCall("a1", True), 1.0)
    force_out(center)
    log_in(center, "a1", "3")
    assert center.agent("a1").auto_call is False


# -- break reasons --------------------------------------------------------------------------


def test_break_reasons_keep_their_order_and_productive_flag(center: Center) -> None:
    assert center.break_reasons == BREAK_REASONS
    assert [r.productive for r in center.break_reasons] == [True, False]
    log_in(center, "a1")
    outcome = center.handle(cmd.TakeBreak("a1", "training"), 1.0)
    assert outcome.events == [ev.AgentStateChanged("a1", "break", "Training")]
