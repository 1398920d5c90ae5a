"""The contact center's behaviour, driven through commands and telephony signals."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from agentbar.domain.center import Center, Outcome
from agentbar.domain.floor import abandon_timer, no_answer_timer, ring_timer, wrap_up_timer
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason, Extension
from agentbar.domain.model.call import FINAL_STATES, Call, CallState, CallType
from agentbar.domain.model.campaign import (
    Campaign,
    CampaignKind,
    DialMode,
    DispositionClass,
    DispositionPlan,
    RetryDelays,
)
from agentbar.domain.model.errors import (
    CampaignNotAssigned,
    DomainError,
    IllegalTransition,
    InvalidDisposition,
    NoCurrentCall,
    NotSetUp,
    UnknownAgent,
    UnknownBreakReason,
    UnknownCall,
    UnknownCampaign,
)
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.instructions import (
    CancelOffer,
    CancelTimer,
    EndCall,
    HangUpLeg,
    OfferToAgent,
    PlayAbandonMessage,
    StartTimer,
)
from agentbar.domain.model.lead_book import Lead
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState

PLAN = DispositionPlan(
    (
        DispositionClass("Resolved", ("Sale", "Info Given")),
        DispositionClass("Follow Up", ("Callback", "Escalated")),
    )
)
SUPPORT = Campaign("1", "Support", CampaignKind.INBOUND, PLAN)
SALES = Campaign("2", "Sales", CampaignKind.INBOUND, PLAN)
BREAK_REASONS = (BreakReason("Training", productive=True), BreakReason("Lunch"))
EXT_1001 = Extension("SIP 1001", "1001")
EXT_1002 = Extension("SIP 1002", "1002")


def id_source() -> Callable[[str], str]:
    counter = itertools.count(1)

    def new_id(kind: str) -> str:
        return f"{kind}-{next(counter)}"

    return new_id


def profile(agent_id: str, campaign_ids: frozenset[str] = frozenset({"1"})) -> AgentProfile:
    return AgentProfile(agent_id, f"Agent {agent_id}", campaign_ids)


BOTH_CAMPAIGNS = frozenset({"1", "2"})
"""An agent with a choice to make: nothing is selected for it at login."""


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([SUPPORT, SALES], BREAK_REASONS)
    return made


def log_in(
    center: Center, agent_id: str, now: float = 0.0, campaign_ids: frozenset[str] = frozenset({"1"})
) -> Outcome:
    return center.handle(cmd.LogIn(profile(agent_id, campaign_ids)), now)


def set_up(center: Center, agent_id: str, extension: Extension = EXT_1001) -> None:
    log_in(center, agent_id)
    center.handle(cmd.SelectExtension(agent_id, extension), 0.0)
    center.handle(cmd.SelectCampaign(agent_id, "1"), 0.0)


def get_ready(
    center: Center, agent_id: str, now: float, extension: Extension = EXT_1001
) -> Outcome:
    set_up(center, agent_id, extension)
    return center.handle(cmd.GoReady(agent_id), now)


def arrive(center: Center, call_id: str, now: float, campaign_id: str = "1") -> Outcome:
    return center.signal(
        cmd.CallArrived(call_id, CallType.INBOUND, campaign_id, "+15550001", f"cust-{call_id}"),
        now,
    )


def log_in_a1(center: Center) -> None:
    log_in(center, "a1")


def ready_a1(center: Center) -> None:
    get_ready(center, "a1", 10.0)


def reserved_a1(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)


def connected(center: Center, agent_id: str = "a1", call_id: str = "call-1") -> None:
    """`agent_id` ready and talking on `call_id`."""
    get_ready(center, agent_id, 10.0)
    arrive(center, call_id, 20.0)
    center.signal(cmd.AgentAnswered(call_id), 25.0)


def in_wrap_up(center: Center, agent_id: str = "a1", call_id: str = "call-1") -> None:
    connected(center, agent_id, call_id)
    center.signal(cmd.CallEnded(call_id, "customer"), 60.0)


def state(center: Center, agent_id: str) -> AgentState:
    return center.agent(agent_id).state


def states_changed(outcome: Outcome) -> list[tuple[str, str]]:
    return [(e.agent_id, e.state) for e in outcome.events if isinstance(e, ev.AgentStateChanged)]


# -- log in and out -------------------------------------------------------------------------


def test_login_emits_logged_in_and_not_ready(center: Center) -> None:
    outcome = log_in(center, "a1", now=5.0, campaign_ids=BOTH_CAMPAIGNS)
    assert outcome.events == [
        ev.AgentLoggedIn("a1"),
        ev.AgentStateChanged("a1", "not_ready", None),
    ]
    assert outcome.instructions == []
    assert outcome.calls == {}
    agent = center.agent("a1")
    assert agent.state is AgentState.NOT_READY
    assert agent.state_since == 5.0
    assert agent.extension is None
    assert agent.campaign_id is None


def test_a_second_login_is_refused(center: Center) -> None:
    log_in(center, "a1")
    center.handle(cmd.SelectExtension("a1", EXT_1001), 0.0)
    with pytest.raises(IllegalTransition, match="already logged in"):
        log_in(center, "a1", now=9.0)
    agent = center.agent("a1")
    assert agent.state is AgentState.NOT_READY
    assert agent.extension == EXT_1001
    assert agent.state_since == 0.0


def test_commands_for_an_agent_not_logged_in_are_refused(center: Center) -> None:
    with pytest.raises(UnknownAgent):
        center.handle(cmd.GoReady("ghost"), 0.0)
    with pytest.raises(UnknownAgent):
        center.agent("ghost")
    assert center.find_agent("ghost") is None


def test_logout_from_ready_forgets_the_agent(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    outcome = center.handle(cmd.LogOut("a1", "end of shift"), 30.0)
    assert outcome.events == [
        ev.AgentStateChanged("a1", "logged_out", "end of shift"),
        ev.AgentLoggedOut("a1", "end of shift"),
    ]
    assert center.find_agent("a1") is None
    # a logged-out agent no longer takes calls
    arrive(center, "call-1", 40.0)
    assert center.waiting_count("1") == 1
    assert center.call("call-1").state is CallState.QUEUED


def test_an_agent_can_log_in_again_after_logging_out(center: Center) -> None:
    log_in(center, "a1")
    center.handle(cmd.LogOut("a1", "bye"), 1.0)
    outcome = log_in(center, "a1", now=2.0)
    assert outcome.events[0] == ev.AgentLoggedIn("a1")
    assert state(center, "a1") is AgentState.NOT_READY


@pytest.mark.parametrize("setup", [connected, in_wrap_up], ids=["on_call", "wrap_up"])
def test_logout_is_refused_during_a_call_or_its_wrap_up(
    center: Center, setup: Callable[[Center], None]
) -> None:
    setup(center)
    before = state(center, "a1")
    with pytest.raises(IllegalTransition, match="cannot log out"):
        center.handle(cmd.LogOut("a1", "bye"), 70.0)
    assert state(center, "a1") is before
    assert center.agent("a1").call_id == "call-1"


def test_logout_is_refused_while_reserved(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    with pytest.raises(IllegalTransition):
        center.handle(cmd.LogOut("a1", "bye"), 21.0)
    assert state(center, "a1") is AgentState.RESERVED


# -- setting up ----------------------------------------------------------------------------


def test_select_extension_reports_whether_it_changed(center: Center) -> None:
    log_in(center, "a1")
    first = center.handle(cmd.SelectExtension("a1", EXT_1001), 1.0)
    second = center.handle(cmd.SelectExtension("a1", EXT_1002), 2.0)
    assert first.events == [ev.ExtensionSelected("a1", "SIP 1001", "1001", False)]
    assert second.events == [ev.ExtensionSelected("a1", "SIP 1002", "1002", True)]
    assert center.agent("a1").extension == EXT_1002


def test_extension_cannot_change_during_a_call(center: Center) -> None:
    connected(center)
    with pytest.raises(IllegalTransition):
        center.handle(cmd.SelectExtension("a1", EXT_1002), 30.0)
    assert center.agent("a1").extension == EXT_1001


def test_select_campaign_emits_the_campaign_name(center: Center) -> None:
    log_in(center, "a1")
    outcome = center.handle(cmd.SelectCampaign("a1", "1"), 1.0)
    assert outcome.events == [ev.CampaignSelected("a1", "1", "Support")]
    assert center.agent("a1").campaign_id == "1"


def test_selecting_an_unknown_campaign_is_refused(center: Center) -> None:
    log_in(center, "a1", campaign_ids=BOTH_CAMPAIGNS)
    with pytest.raises(UnknownCampaign, match="99"):
        center.handle(cmd.SelectCampaign("a1", "99"), 1.0)
    assert center.agent("a1").campaign_id is None


def test_selecting_an_unassigned_campaign_is_refused(center: Center) -> None:
    log_in(center, "a1")
    center.handle(cmd.SelectCampaign("a1", "1"), 1.0)
    with pytest.raises(CampaignNotAssigned, match="Sales"):
        center.handle(cmd.SelectCampaign("a1", "2"), 2.0)
    assert center.agent("a1").campaign_id == "1"


def test_campaign_cannot_change_during_a_call(center: Center) -> None:
    connected(center)
    with pytest.raises(IllegalTransition):
        center.handle(cmd.SelectCampaign("a1", "1"), 30.0)


def test_go_ready_without_an_extension_changes_nothing(center: Center) -> None:
    log_in(center, "a1")
    center.handle(cmd.SelectCampaign("a1", "1"), 0.0)
    with pytest.raises(NotSetUp, match="extension"):
        center.handle(cmd.GoReady("a1"), 5.0)
    agent = center.agent("a1")
    assert agent.state is AgentState.NOT_READY
    assert agent.state_since == 0.0
    # not idle either: a call arriving now waits
    outcome = arrive(center, "call-1", 6.0)
    assert outcome.events == [ev.CallQueued("call-1", "1", "+15550001")]
    assert center.waiting_count("1") == 1


def test_go_ready_without_a_campaign_changes_nothing(center: Center) -> None:
    log_in(center, "a1", campaign_ids=BOTH_CAMPAIGNS)
    center.handle(cmd.SelectExtension("a1", EXT_1001), 0.0)
    with pytest.raises(NotSetUp, match="campaign"):
        center.handle(cmd.GoReady("a1"), 5.0)
    assert state(center, "a1") is AgentState.NOT_READY
    assert center.agent("a1").state_since == 0.0


def test_go_ready_when_already_ready_is_refused(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(IllegalTransition):
        center.handle(cmd.GoReady("a1"), 11.0)
    assert center.agent("a1").state_since == 10.0


def test_go_ready_emits_ready(center: Center) -> None:
    outcome = get_ready(center, "a1", 10.0)
    assert outcome.events == [ev.AgentStateChanged("a1", "ready", None)]
    assert outcome.instructions == []
    agent = center.agent("a1")
    assert agent.state is AgentState.READY
    assert agent.idle_since == 10.0


# -- breaks ---------------------------------------------------------------------------------


def test_unknown_break_reason_is_refused_and_lists_the_known_ones(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(UnknownBreakReason) as raised:
        center.handle(cmd.TakeBreak("a1", "Nap"), 11.0)
    assert "Nap" in raised.value.message
    assert "Training, Lunch" in raised.value.message
    assert state(center, "a1") is AgentState.READY
    # still idle: a call is offered to them
    arrive(center, "call-1", 12.0)
    assert state(center, "a1") is AgentState.RESERVED


def test_break_reason_matches_regardless_of_case_and_is_stored_as_provisioned(
    center: Center,
) -> None:
    get_ready(center, "a1", 10.0)
    outcome = center.handle(cmd.TakeBreak("a1", "  lunch "), 11.0)
    assert outcome.events == [ev.AgentStateChanged("a1", "break", "Lunch")]
    agent = center.agent("a1")
    assert agent.state is AgentState.BREAK
    assert agent.break_reason == "Lunch"
    assert center.break_reasons == BREAK_REASONS


def test_an_agent_on_break_gets_no_calls_until_ready_again(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    center.handle(cmd.TakeBreak("a1", "Training"), 11.0)
    arrive(center, "call-1", 12.0)
    assert center.waiting_count("1") == 1
    assert state(center, "a1") is AgentState.BREAK

    outcome = center.handle(cmd.GoReady("a1"), 13.0)
    assert states_changed(outcome) == [("a1", "ready"), ("a1", "reserved")]
    assert outcome.instructions == [OfferToAgent("call-1", "crt-1", "1001")]
    agent = center.agent("a1")
    assert agent.break_reason is None
    assert agent.call_id == "call-1"
    assert center.waiting_count("1") == 0


def test_break_during_a_call_is_refused(center: Center) -> None:
    connected(center)
    with pytest.raises(IllegalTransition, match="break"):
        center.handle(cmd.TakeBreak("a1", "Lunch"), 30.0)
    assert state(center, "a1") is AgentState.ON_CALL


# -- the inbound call flow ------------------------------------------------------------------


def test_full_inbound_flow(center: Center) -> None:
    get_ready(center, "a1", 10.0)

    offered = arrive(center, "call-1", 20.0)
    assert offered.events == [
        ev.CallQueued("call-1", "1", "+15550001"),
        ev.AgentStateChanged("a1", "reserved", None),
        ev.CallOffered("call-1", "a1", "crt-1"),
    ]
    assert offered.instructions == [OfferToAgent("call-1", "crt-1", "1001")]
    assert offered.calls["call-1"].state is CallState.OFFERED
    assert offered.calls["call-1"].agent_id == "a1"
    assert center.agent("a1").call_id == "call-1"
    assert center.waiting_count("1") == 0

    answered = center.signal(cmd.AgentAnswered("call-1"), 25.0)
    connected_event = ev.CallConnected(
        call_id="call-1",
        agent_id="a1",
        call_type="inbound",
        phone="+15550001",
        campaign_id="1",
        campaign_name="Support",
        user_crt="crt-1",
        customer_crt="cust-call-1",
        screen_pop_id="pop-2",
    )
    pop = ev.ScreenPop(
        call_id="call-1",
        agent_id="a1",
        call_type="inbound",
        phone="+15550001",
        campaign_id="1",
        campaign_name="Support",
        user_crt="crt-1",
        customer_crt="cust-call-1",
        screen_pop_id="pop-2",
        crm_params={},
    )
    assert answered.events == [
        ev.AgentStateChanged("a1", "on_call", None),
        connected_event,
        pop,
    ]
    assert connected_event.user_crt != connected_event.customer_crt
    call = center.call("call-1")
    assert call.state is CallState.CONNECTED
    assert call.answered_at == 25.0
    assert call.screen_pop_id == "pop-2"
    assert state(center, "a1") is AgentState.ON_CALL

    ended = center.signal(cmd.CallEnded("call-1", "customer"), 60.0)
    assert ended.events == [
        ev.AgentStateChanged("a1", "wrap_up", None),
        ev.CallEnded(
            call_id="call-1",
            agent_id="a1",
            ended_by="customer",
            phone="+15550001",
            campaign_id="1",
            user_crt="crt-1",
            customer_crt="cust-call-1",
        ),
    ]
    assert ended.instructions == []
    assert state(center, "a1") is AgentState.WRAP_UP
    assert center.call("call-1").state is CallState.WRAP_UP
    assert center.call("call-1").ended_by == "customer"
    assert center.call("call-1").ended_at == 60.0

    disposed = center.handle(cmd.Dispose("a1", "sale", note="bought two"), 70.0)
    assert disposed.events == [
        ev.CallDisposed("call-1", "a1", "Resolved", "Sale", "bought two"),
        ev.AgentStateChanged("a1", "ready", None),
    ]
    final = disposed.calls["call-1"]
    assert final.state is CallState.DISPOSED
    assert (final.disposition_class, final.disposition_code) == ("Resolved", "Sale")
    assert final.disposition_note == "bought two"
    assert final.disposed_at == 70.0
    agent = center.agent("a1")
    assert agent.state is AgentState.READY
    assert agent.call_id is None
    assert agent.idle_since == 70.0
    with pytest.raises(UnknownCall):
        center.call("call-1")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("sale", ("Resolved", "Sale")),
        ("  INFO GIVEN ", ("Resolved", "Info Given")),
        ("callback", ("Follow Up", "Callback")),
        ("Escalated", ("Follow Up", "Escalated")),
    ],
)
def test_disposition_codes_resolve_regardless_of_case(
    center: Center, code: str, expected: tuple[str, str]
) -> None:
    in_wrap_up(center)
    outcome = center.handle(cmd.Dispose("a1", code), 70.0)
    call = outcome.calls["call-1"]
    assert (call.disposition_class, call.disposition_code) == expected


@pytest.mark.parametrize("code", ["", "Refund", "Resolved", "sa le"])
def test_an_invalid_disposition_changes_nothing(center: Center, code: str) -> None:
    in_wrap_up(center)
    with pytest.raises(InvalidDisposition) as raised:
        center.handle(cmd.Dispose("a1", code), 70.0)
    assert "Sale, Info Given, Callback, Escalated" in raised.value.message
    assert state(center, "a1") is AgentState.WRAP_UP
    assert center.agent("a1").call_id == "call-1"
    call = center.call("call-1")
    assert call.state is CallState.WRAP_UP
    assert call.disposition_code is None
    # and a valid code still works afterwards
    center.handle(cmd.Dispose("a1", "Sale"), 71.0)
    assert state(center, "a1") is AgentState.READY


@pytest.mark.parametrize("which", ["call_id", "user_crt", "customer_crt"])
def test_dispose_accepts_any_identifier_of_the_current_call(center: Center, which: str) -> None:
    in_wrap_up(center)
    call = center.call("call-1")
    ids = {"call_id": call.call_id, "user_crt": call.user_crt, "customer_crt": call.customer_crt}
    outcome = center.handle(cmd.Dispose("a1", "Sale", call_ref=ids[which]), 70.0)
    assert outcome.calls["call-1"].state is CallState.DISPOSED


def test_dispose_naming_an_unknown_id_is_refused(center: Center) -> None:
    in_wrap_up(center)
    with pytest.raises(NoCurrentCall, match="crt-999"):
        center.handle(cmd.Dispose("a1", "Sale", call_ref="crt-999"), 70.0)
    assert state(center, "a1") is AgentState.WRAP_UP
    assert center.call("call-1").state is CallState.WRAP_UP


@pytest.mark.parametrize("which", ["call_id", "user_crt", "customer_crt"])
def test_dispose_naming_another_agents_call_is_refused(center: Center, which: str) -> None:
    in_wrap_up(center)
    get_ready(center, "a2", 61.0, EXT_1002)
    arrive(center, "call-2", 62.0)
    center.signal(cmd.AgentAnswered("call-2"), 63.0)
    other = center.call("call-2")
    ids = {"call_id": other.call_id, "user_crt": other.user_crt, "customer_crt": other.customer_crt}
    with pytest.raises(NoCurrentCall, match="is not the current call"):
        center.handle(cmd.Dispose("a1", "Sale", call_ref=ids[which]), 70.0)
    assert state(center, "a1") is AgentState.WRAP_UP
    assert state(center, "a2") is AgentState.ON_CALL
    assert center.call("call-1").state is CallState.WRAP_UP
    assert center.call("call-2").state is CallState.CONNECTED


@pytest.mark.parametrize(
    "setup",
    [log_in_a1, ready_a1, reserved_a1, connected],
    ids=["not_ready", "ready", "reserved", "on_call"],
)
def test_dispose_outside_wrap_up_is_refused(
    center: Center, setup: Callable[[Center], object]
) -> None:
    setup(center)
    before = state(center, "a1")
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    assert state(center, "a1") is before


def test_hang_up_on_a_call_asks_telephony_and_changes_nothing_yet(center: Center) -> None:
    connected(center)
    outcome = center.handle(cmd.HangUp("a1"), 30.0)
    assert outcome.instructions == [EndCall("call-1")]
    assert outcome.events == []
    assert state(center, "a1") is AgentState.ON_CALL
    assert center.call("call-1").state is CallState.CONNECTED

    ended = center.signal(cmd.CallEnded("call-1", "agent"), 31.0)
    assert ev.CallEnded in {type(e) for e in ended.events}
    assert state(center, "a1") is AgentState.WRAP_UP
    assert center.call("call-1").ended_by == "agent"


def test_hang_up_without_a_call_is_refused(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.HangUp("a1"), 11.0)
    arrive(center, "call-1", 20.0)  # reserved: ringing is not a call yet
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.HangUp("a1"), 21.0)
    assert state(center, "a1") is AgentState.RESERVED


def test_hang_up_in_wrap_up_is_refused(center: Center) -> None:
    in_wrap_up(center)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.HangUp("a1"), 70.0)


# -- queueing and routing -------------------------------------------------------------------


def test_a_call_waits_until_an_agent_is_ready(center: Center) -> None:
    set_up(center, "a1")
    queued = arrive(center, "call-1", 5.0)
    assert queued.events == [ev.CallQueued("call-1", "1", "+15550001")]
    assert queued.instructions == []
    assert queued.calls["call-1"].state is CallState.QUEUED
    assert center.waiting_count("1") == 1

    ready = center.handle(cmd.GoReady("a1"), 9.0)
    assert ready.events == [
        ev.AgentStateChanged("a1", "ready", None),
        ev.AgentStateChanged("a1", "reserved", None),
        ev.CallOffered("call-1", "a1", "crt-1"),
    ]
    assert ready.instructions == [OfferToAgent("call-1", "crt-1", "1001")]
    assert ready.calls["call-1"].state is CallState.OFFERED
    assert center.waiting_count("1") == 0


def test_waiting_calls_are_served_oldest_first(center: Center) -> None:
    set_up(center, "a1")
    arrive(center, "call-1", 5.0)
    arrive(center, "call-2", 6.0)
    center.handle(cmd.GoReady("a1"), 9.0)
    assert center.agent("a1").call_id == "call-1"
    assert center.call("call-2").state is CallState.QUEUED
    assert center.waiting_count("1") == 1


def test_the_longest_idle_agent_gets_the_call(center: Center) -> None:
    get_ready(center, "a1", 15.0, EXT_1001)
    get_ready(center, "a2", 10.0, EXT_1002)
    outcome = arrive(center, "call-1", 20.0)
    assert outcome.instructions == [OfferToAgent("call-1", "crt-1", "1002")]
    assert center.agent("a2").call_id == "call-1"
    assert state(center, "a2") is AgentState.RESERVED
    assert state(center, "a1") is AgentState.READY


def test_a_call_for_an_unknown_campaign_is_refused(center: Center) -> None:
    with pytest.raises(UnknownCampaign):
        arrive(center, "call-1", 1.0, campaign_id="99")
    with pytest.raises(UnknownCall):
        center.call("call-1")


def test_a_duplicate_call_id_is_refused(center: Center) -> None:
    arrive(center, "call-1", 1.0)
    with pytest.raises(IllegalTransition, match="already exists"):
        arrive(center, "call-1", 2.0)
    assert center.waiting_count("1") == 1
    assert center.call("call-1").queued_at == 1.0


def test_calls_of_another_campaign_do_not_reach_the_agent(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0, campaign_id="2")
    assert state(center, "a1") is AgentState.READY
    assert center.waiting_count("2") == 1
    assert center.waiting_count("1") == 0


def test_a_queued_call_that_ends_is_abandoned(center: Center) -> None:
    arrive(center, "call-1", 1.0)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 4.0)
    assert outcome.events == [ev.CallAbandoned("call-1", "1")]
    call = outcome.calls["call-1"]
    assert call.state is CallState.ABANDONED
    assert call.ended_at == 4.0
    assert call.ended_by == "customer"
    assert center.waiting_count("1") == 0
    with pytest.raises(UnknownCall):
        center.call("call-1")


def test_an_offered_call_that_ends_is_abandoned_and_frees_the_agent(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 22.0)
    assert outcome.events == [
        ev.CallAbandoned("call-1", "1"),
        ev.AgentStateChanged("a1", "ready", None),
    ]
    assert outcome.calls["call-1"].state is CallState.ABANDONED
    agent = center.agent("a1")
    assert agent.state is AgentState.READY
    assert agent.call_id is None
    assert agent.idle_since == 22.0


def test_a_freed_agent_takes_the_next_waiting_call(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    arrive(center, "call-2", 21.0)
    outcome = center.signal(cmd.CallEnded("call-1", "customer"), 22.0)
    assert outcome.instructions == [OfferToAgent("call-2", "crt-2", "1001")]
    assert center.agent("a1").call_id == "call-2"
    assert set(outcome.calls) == {"call-1", "call-2"}
    assert center.waiting_count("1") == 0


def test_a_disposed_agent_takes_the_next_waiting_call(center: Center) -> None:
    in_wrap_up(center)
    arrive(center, "call-2", 61.0)
    assert center.waiting_count("1") == 1
    outcome = center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    assert states_changed(outcome) == [("a1", "ready"), ("a1", "reserved")]
    assert outcome.calls["call-1"].state is CallState.DISPOSED
    assert outcome.calls["call-2"].state is CallState.OFFERED
    assert center.agent("a1").call_id == "call-2"


def test_no_answer_re_offers_the_call_to_the_longest_idle_agent(center: Center) -> None:
    get_ready(center, "a1", 10.0, EXT_1001)
    get_ready(center, "a2", 15.0, EXT_1002)
    arrive(center, "call-1", 20.0)
    assert center.agent("a1").call_id == "call-1"

    outcome = center.signal(cmd.AgentDidNotAnswer("call-1"), 30.0)
    # a1 is idle again (since 30), so a2 (idle since 15) is now the longest idle
    assert outcome.events == [
        ev.AgentStateChanged("a1", "ready", None),
        ev.AgentStateChanged("a2", "reserved", None),
        ev.CallOffered("call-1", "a2", "crt-2"),
    ]
    assert outcome.instructions == [OfferToAgent("call-1", "crt-2", "1002")]
    a1 = center.agent("a1")
    assert a1.state is AgentState.READY
    assert a1.call_id is None
    assert a1.idle_since == 30.0
    call = center.call("call-1")
    assert (call.state, call.agent_id, call.user_crt) == (CallState.OFFERED, "a2", "crt-2")


def test_no_answer_puts_the_call_back_at_the_front_of_the_queue(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    arrive(center, "call-2", 21.0)
    assert center.waiting_count("1") == 1

    outcome = center.signal(cmd.AgentDidNotAnswer("call-1"), 30.0)
    # the only agent is idle again and the unanswered call jumps ahead of call-2
    assert states_changed(outcome) == [("a1", "ready"), ("a1", "reserved")]
    assert outcome.instructions == [OfferToAgent("call-1", "crt-2", "1001")]
    assert center.agent("a1").call_id == "call-1"
    assert center.call("call-2").state is CallState.QUEUED
    assert center.waiting_count("1") == 1


def test_no_answer_with_a_single_agent_re_offers_to_the_same_agent(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    first = center.signal(cmd.AgentDidNotAnswer("call-1"), 30.0)
    second = center.signal(cmd.AgentDidNotAnswer("call-1"), 40.0)
    # each time the only idle agent is a1, so the call rings a1 again with a fresh crt
    assert first.instructions == [OfferToAgent("call-1", "crt-2", "1001")]
    assert second.instructions == [OfferToAgent("call-1", "crt-3", "1001")]
    call = center.call("call-1")
    assert (call.state, call.agent_id, call.offered_at) == (CallState.OFFERED, "a1", 40.0)
    assert center.waiting_count("1") == 0


def test_no_answer_for_a_call_not_offered_is_refused(center: Center) -> None:
    arrive(center, "call-1", 1.0)
    with pytest.raises(IllegalTransition):
        center.signal(cmd.AgentDidNotAnswer("call-1"), 2.0)
    with pytest.raises(IllegalTransition):
        center.signal(cmd.AgentAnswered("call-1"), 2.0)
    assert center.call("call-1").state is CallState.QUEUED
    assert center.waiting_count("1") == 1


def test_signals_for_unknown_calls_are_refused(center: Center) -> None:
    for signal in (cmd.AgentAnswered("nope"), cmd.AgentDidNotAnswer("nope")):
        with pytest.raises(UnknownCall):
            center.signal(signal, 1.0)


def test_a_late_call_ended_for_a_finished_call_is_ignored(center: Center) -> None:
    arrive(center, "call-1", 1.0)
    center.signal(cmd.CallEnded("call-1", "customer"), 2.0)
    in_wrap_up(center, call_id="call-2")
    center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    for finished in ("call-1", "call-2", "never-existed"):
        outcome = center.signal(cmd.CallEnded(finished, "customer"), 80.0)
        assert outcome.events == []
        assert outcome.calls == {}
    assert center.agent("a1").state is AgentState.READY


def test_a_duplicate_call_ended_in_wrap_up_is_ignored(center: Center) -> None:
    in_wrap_up(center)
    outcome = center.signal(cmd.CallEnded("call-1", "system"), 61.0)
    assert outcome.events == []
    assert outcome.instructions == []
    assert outcome.calls == {}
    call = center.call("call-1")
    assert call.ended_by == "customer"
    assert call.ended_at == 60.0
    assert state(center, "a1") is AgentState.WRAP_UP


def test_outcome_calls_hold_the_touched_call_as_it_now_stands(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    outcome = arrive(center, "call-1", 20.0)
    assert set(outcome.calls) == {"call-1"}
    assert outcome.calls["call-1"] is center.call("call-1")
    answered = center.signal(cmd.AgentAnswered("call-1"), 25.0)
    assert answered.calls["call-1"].state is CallState.CONNECTED
    assert answered.calls["call-1"].answered_at == 25.0
    ended = center.signal(cmd.CallEnded("call-1", "customer"), 30.0)
    assert ended.calls["call-1"].state is CallState.WRAP_UP
    # commands that touch no call report none
    log_in(center, "a2")
    assert center.handle(cmd.TakeBreak("a2", "Lunch"), 31.0).calls == {}


def test_select_campaign_while_ready_routes_waiting_calls() -> None:
    center = Center(id_source())
    center.configure([SUPPORT, SALES], BREAK_REASONS)
    both = AgentProfile("a1", "Agent a1", frozenset({"1", "2"}))
    center.handle(cmd.LogIn(both), 0.0)
    center.handle(cmd.SelectExtension("a1", EXT_1001), 0.0)
    center.handle(cmd.SelectCampaign("a1", "1"), 0.0)
    center.handle(cmd.GoReady("a1"), 5.0)
    arrive(center, "call-1", 6.0, campaign_id="2")
    assert center.waiting_count("2") == 1

    outcome = center.handle(cmd.SelectCampaign("a1", "2"), 7.0)
    assert outcome.events[0] == ev.CampaignSelected("a1", "2", "Sales")
    assert outcome.instructions == [OfferToAgent("call-1", "crt-1", "1001")]
    assert center.agent("a1").call_id == "call-1"
    # and the agent, once free again, idles in campaign 2 only
    center.signal(cmd.CallEnded("call-1", "customer"), 8.0)
    assert center.agent("a1").state is AgentState.READY
    arrive(center, "call-2", 9.0)
    assert center.waiting_count("1") == 1
    assert center.agent("a1").state is AgentState.READY


def test_every_domain_error_has_a_distinct_code() -> None:
    classes = [
        IllegalTransition,
        UnknownAgent,
        UnknownCampaign,
        UnknownCall,
        CampaignNotAssigned,
        NotSetUp,
        NoCurrentCall,
        InvalidDisposition,
        UnknownBreakReason,
    ]
    assert all(issubclass(c, DomainError) for c in classes)
    assert len({c.code for c in classes}) == len(classes)


# -- random sequences of commands and signals ----------------------------------------------

# The machine's floor: calls of campaign 1 ring and wrap up against timers, those of campaign
# 2 do not, and campaign 3 is outbound (auto-call; no customer calls arrive there).
MACHINE_CAMPAIGNS = (
    Campaign(
        "1",
        "Support",
        CampaignKind.INBOUND,
        PLAN,
        ring_timeout=10.0,
        max_misses=2,
        wrap_up_timeout=30.0,
        default_disposition="info given",
    ),
    SALES,
    Campaign(
        "3",
        "Dialer",
        CampaignKind.OUTBOUND,
        PLAN,
        dial_mode=DialMode.PREDICTIVE,
        abandon_message="This was Acme; we will call again.",
        retry_delays=RetryDelays(busy=30, no_answer=30, machine=30, abandoned=30),
    ),
)
MAX_LEADS = 6
CAMPAIGN_IDS = ("1", "2", "3")
AGENT_IDS = ("a1", "a2", "a3")
MACHINE_PROFILES = {
    "a1": AgentProfile("a1", "Agent a1", frozenset({"1"})),
    "a2": AgentProfile("a2", "Agent a2", frozenset({"1", "3"})),
    "a3": AgentProfile("a3", "Agent a3", frozenset(CAMPAIGN_IDS)),
}
MACHINE_EXTENSIONS = {
    agent_id: Extension(f"SIP {n}", n)
    for agent_id, n in zip(AGENT_IDS, ("1001", "1002", "1003"), strict=True)
}
MAX_CALLS = 5
BUSY = frozenset(
    {
        AgentState.RESERVED,
        AgentState.DIALING,
        AgentState.ON_CALL,
        AgentState.WRAP_UP,
        AgentState.INVITED,
        AgentState.CONFERENCING,
    }
)
PARTY = frozenset({AgentState.INVITED, AgentState.CONFERENCING})
AGENT_STATE_OF_CALL = {
    CallState.OFFERED: AgentState.RESERVED,
    CallState.CONNECTED: AgentState.ON_CALL,
    CallState.CONSULTING: AgentState.ON_CALL,
    CallState.WRAP_UP: AgentState.WRAP_UP,
}
QUEUES = {"1": "1", "2": "2", "support": "1", "sales": "2"}
TRANSFER_TARGETS = ("+15550100", "Support", "2", "Survey", "billing", "a1", "a2", "a3", "ghost")
VALID_CODES = {"sale", "info given", "callback", "escalated"}

agents = st.sampled_from(AGENT_IDS)
call_picks = st.integers(min_value=0, max_value=MAX_CALLS - 1)

AgentView = tuple[object, ...] | None
CallView = tuple[object, ...] | None
Snapshot = tuple[tuple[AgentView, ...], tuple[CallView, ...], tuple[int, ...]]


class CenterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.center = Center(id_source())
        self.center.configure(MACHINE_CAMPAIGNS, BREAK_REASONS, ivrs=("Survey",))
        self.now = 0.0
        self.arrived: list[str] = []
        self.finished: dict[str, CallState] = {}
        self.timers: set[str] = set()
        """Timers started and neither cancelled nor fired: what the runtime would hold."""
        self.leads_added = 0
        self.ever_started: set[str] = set()

    # -- observing ------------------------------------------------------------------------

    def live_call(self, call_id: str) -> Call | None:
        try:
            return self.center.call(call_id)
        except UnknownCall:
            return None

    def live_calls(self) -> list[Call]:
        return [c for c in map(self.live_call, self.arrived) if c is not None]

    def snapshot(self) -> Snapshot:
        agent_views: list[AgentView] = []
        for agent_id in AGENT_IDS:
            a = self.center.find_agent(agent_id)
            agent_views.append(
                None
                if a is None
                else (
                    a.state,
                    a.call_id,
                    a.extension,
                    a.campaign_id,
                    a.break_reason,
                    a.state_since,
                    a.idle_since,
                    a.auto_call,
                )
            )
        call_views: list[CallView] = []
        for call_id in self.arrived:
            c = self.live_call(call_id)
            call_views.append(
                None
                if c is None
                else (
                    c.state,
                    c.agent_id,
                    c.user_crt,
                    c.ended_by,
                    c.disposition_code,
                    c.on_hold,
                    c.tpv,
                    tuple((leg.leg_id, leg.state, leg.end_reason) for leg in c.legs),
                    tuple((t.transfer_id, t.state) for t in c.transfers),
                )
            )
        waiting = tuple(self.center.waiting_count(campaign_id) for campaign_id in CAMPAIGN_IDS)
        return tuple(agent_views), tuple(call_views), waiting

    # -- acting -----------------------------------------------------------------------------

    def apply(self, run: Callable[[float], Outcome]) -> Outcome | None:
        """Run one command or signal; a refusal must leave everything as it was."""
        self.now += 1.0
        before = self.snapshot()
        try:
            outcome = run(self.now)
        except DomainError:
            assert self.snapshot() == before
            return None
        self.record(outcome)
        return outcome

    def record(self, outcome: Outcome) -> None:
        for event in outcome.events:
            if isinstance(event, ev.TransferRequested) and event.new_call_id is not None:
                # The customer goes on as a new call: it too must never be lost.
                assert event.new_call_id not in self.arrived
                self.arrived.append(event.new_call_id)
            if isinstance(event, ev.CustomerDialled):
                # The predictive dialer's calls must never be lost either.
                assert event.call_id not in self.arrived
                self.arrived.append(event.call_id)
            if isinstance(event, ev.CallDisposed | ev.CallAbandoned | ev.CustomerNotReached):
                assert event.call_id not in self.finished
                self.finished[event.call_id] = (
                    CallState.DISPOSED
                    if isinstance(event, ev.CallDisposed)
                    else CallState.ABANDONED
                    if isinstance(event, ev.CallAbandoned)
                    else CallState.UNANSWERED
                )
        # the last state change reported for an agent is the state it is in now
        last: dict[str, str] = {}
        for event in outcome.events:
            if isinstance(event, ev.AgentStateChanged):
                last[event.agent_id] = event.state
        for agent_id, reported in last.items():
            a = self.center.find_agent(agent_id)
            assert (a.state.value if a else AgentState.LOGGED_OUT.value) == reported
        # every touched call is reported as it now stands
        for call_id, call in outcome.calls.items():
            assert call.call_id == call_id
            if call.state in FINAL_STATES:
                assert self.live_call(call_id) is None
                assert self.finished[call_id] is call.state
            else:
                assert self.live_call(call_id) is call
        # timers: each key is started once, and only a running timer is cancelled
        for instruction in outcome.instructions:
            if isinstance(instruction, StartTimer):
                # The dialer's look-again timer is one per campaign, restarted as it goes.
                again = instruction.key.startswith("hours:")
                assert again or instruction.key not in self.ever_started
                self.timers.add(instruction.key)
                self.ever_started.add(instruction.key)
            elif isinstance(instruction, CancelTimer):
                assert instruction.key in self.timers
                self.timers.remove(instruction.key)

    def pick(self, index: int, targeted: bool = False, *states: CallState) -> str:
        """An arrived call (or 'ghost'); when targeted, preferably one in one of `states`."""
        pool = [c.call_id for c in self.live_calls() if c.state in states] if targeted else []
        pool = pool or self.arrived
        return pool[index % len(pool)] if pool else "ghost"

    def agent_in(self, agent_id: str, targeted: bool, wanted: AgentState) -> str:
        """`agent_id`, or when targeted the first agent in state `wanted` if there is one."""
        if targeted:
            for candidate in AGENT_IDS:
                a = self.center.find_agent(candidate)
                if a is not None and a.state is wanted:
                    return candidate
        return agent_id

    # -- agent commands --------------------------------------------------------------------

    @initialize(ready=st.sets(agents))
    def start_some_agents_ready(self, ready: set[str]) -> None:
        for agent_id in sorted(ready):
            self.get_ready(agent_id)

    @rule(agent_id=agents)
    def get_ready(self, agent_id: str) -> None:
        """Log in (if needed), pick an extension and campaign 1, and go ready, step by step."""
        if self.center.find_agent(agent_id) is None:
            self.log_in(agent_id)
        self.select_extension(agent_id)
        self.select_campaign(agent_id, "1")
        self.go_ready(agent_id)

    @rule(agent_id=st.sampled_from(["a2", "a3"]))
    def work_outbound(self, agent_id: str) -> None:
        """Log in (if needed), choose the predictive campaign, switch auto-call on and go
        ready, step by step — so that later rules find auto-call on often enough to test what
        undoes it, and the dialer has agents to dial for."""
        if self.center.find_agent(agent_id) is None:
            self.log_in(agent_id)
        self.select_extension(agent_id)
        self.select_campaign(agent_id, "3")
        self.set_auto_call(agent_id, True, targeted=False)
        self.go_ready(agent_id)

    @rule(agent_id=agents)
    def log_in(self, agent_id: str) -> None:
        was_out = self.center.find_agent(agent_id) is None
        done = self.apply(
            lambda now: self.center.handle(cmd.LogIn(MACHINE_PROFILES[agent_id]), now)
        )
        assert (done is not None) == was_out

    @rule(agent_id=agents)
    def log_out(self, agent_id: str) -> None:
        a = self.center.find_agent(agent_id)
        allowed = a is not None and a.state not in BUSY
        done = self.apply(lambda now: self.center.handle(cmd.LogOut(agent_id, "bye"), now))
        assert (done is not None) == allowed
        if done is not None:
            assert self.center.find_agent(agent_id) is None

    @rule(agent_id=agents)
    def select_extension(self, agent_id: str) -> None:
        extension = MACHINE_EXTENSIONS[agent_id]
        self.apply(lambda now: self.center.handle(cmd.SelectExtension(agent_id, extension), now))

    @rule(agent_id=agents, campaign_id=st.sampled_from([*CAMPAIGN_IDS, "99"]))
    def select_campaign(self, agent_id: str, campaign_id: str) -> None:
        a = self.center.find_agent(agent_id)
        allowed = (
            a is not None
            and campaign_id in MACHINE_PROFILES[agent_id].campaign_ids
            and a.state not in BUSY
        )
        done = self.apply(
            lambda now: self.center.handle(cmd.SelectCampaign(agent_id, campaign_id), now)
        )
        assert (done is not None) == allowed

    @rule(agent_id=agents)
    def go_ready(self, agent_id: str) -> None:
        a = self.center.find_agent(agent_id)
        allowed = (
            a is not None
            and a.state in (AgentState.NOT_READY, AgentState.BREAK)
            and a.extension is not None
            and a.campaign_id is not None
        )
        done = self.apply(lambda now: self.center.handle(cmd.GoReady(agent_id), now))
        assert (done is not None) == allowed

    @rule(agent_id=agents, reason=st.sampled_from(["Training", "lunch", "Nap"]))
    def take_break(self, agent_id: str, reason: str) -> None:
        a = self.center.find_agent(agent_id)
        allowed = a is not None and a.state not in BUSY and reason != "Nap"
        done = self.apply(lambda now: self.center.handle(cmd.TakeBreak(agent_id, reason), now))
        assert (done is not None) == allowed

    @rule(
        agent_id=agents,
        targeted=st.booleans(),
        wanted=st.sampled_from([s for s in AgentState if s is not AgentState.LOGGED_OUT]),
    )
    def force_log_out(self, agent_id: str, targeted: bool, wanted: AgentState) -> None:
        agent_id = self.agent_in(agent_id, targeted, wanted)
        a = self.center.find_agent(agent_id)
        prior = a.state if a is not None else None
        call_id = a.call_id if a is not None else None
        user_crt = self.center.call(call_id).user_crt if call_id is not None else None
        done = self.apply(
            lambda now: self.center.handle(cmd.ForceLogOut(agent_id, "supervisor logout"), now)
        )
        assert (done is not None) == (a is not None), "never refused for a logged-in agent"
        if done is None:
            return
        assert self.center.find_agent(agent_id) is None
        assert ev.AgentLoggedOut(agent_id, "supervisor logout") in done.events
        if call_id is None:
            assert (done.instructions, done.calls) == ([], {})
        elif prior is AgentState.RESERVED:
            assert user_crt is not None
            assert done.instructions[0] == CancelOffer(call_id, user_crt)
            call = self.live_call(call_id)
            assert call is not None, "a withdrawn offer is not lost"
            assert call.agent_id != agent_id
        elif prior in PARTY:
            # A conference party leaves; the other agent's call goes on without them.
            call = self.live_call(call_id)
            assert call is not None
            assert call.agent_id != agent_id
            assert any(isinstance(i, HangUpLeg) for i in done.instructions)
            assert not any(isinstance(e, ev.CallDisposed) for e in done.events)
        else:
            assert self.finished.get(call_id) is CallState.DISPOSED
            system = [e for e in done.events if isinstance(e, ev.CallDisposed)]
            assert [(e.call_id, e.disposed_by) for e in system] == [(call_id, "system")]
            live_before = prior in (AgentState.ON_CALL, AgentState.DIALING)
            assert (EndCall(call_id) in done.instructions) == live_before

    @rule(index=call_picks)
    def forced_out_before_disposing(self, index: int) -> None:
        """A call with an agent ends, and the agent is forced out before disposing it: a path
        random steps rarely take, since wrap-ups are short."""
        calls = [
            c for c in self.live_calls() if c.state in (CallState.OFFERED, CallState.CONNECTED)
        ]
        if not calls:
            return
        call = calls[index % len(calls)]
        call_id, agent_id = call.call_id, call.agent_id
        assert agent_id is not None
        if call.state is CallState.OFFERED:
            self.apply(lambda now: self.center.signal(cmd.AgentAnswered(call_id), now))
        self.apply(lambda now: self.center.signal(cmd.CallEnded(call_id, "customer"), now))
        assert self.center.agent(agent_id).state is AgentState.WRAP_UP
        self.force_log_out(agent_id, targeted=False, wanted=AgentState.WRAP_UP)

    @rule(agent_id=agents, on=st.booleans(), targeted=st.booleans())
    def set_auto_call(self, agent_id: str, on: bool, targeted: bool) -> None:
        if targeted:  # prefer an agent working the outbound campaign
            agent_id = next(
                (i for i in AGENT_IDS if (a := self.center.find_agent(i)) and a.campaign_id == "3"),
                agent_id,
            )
        a = self.center.find_agent(agent_id)
        allowed = (
            a is not None
            and a.campaign_id is not None
            and self.center.campaign(a.campaign_id).kind is CampaignKind.OUTBOUND
        )
        done = self.apply(lambda now: self.center.handle(cmd.SetAutoCall(agent_id, on), now))
        assert (done is not None) == allowed
        if done is not None:
            assert self.center.agent(agent_id).auto_call is on

    @rule(agent_id=agents, targeted=st.booleans())
    def hang_up(self, agent_id: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        a = self.center.find_agent(agent_id)
        on_call = a is not None and a.state is AgentState.ON_CALL
        party = a is not None and a.state in PARTY
        call_id = a.call_id if a else None
        waiting = {
            c.call_id
            for c in self.live_calls()
            if a is not None and c.campaign_id == a.campaign_id and c.state is CallState.QUEUED
        }
        done = self.apply(lambda now: self.center.handle(cmd.HangUp(agent_id), now))
        assert (done is not None) == (on_call or party)
        if done is not None and on_call:
            assert call_id is not None
            assert done.instructions == [EndCall(call_id)]
            assert done.events == []
        elif done is not None:
            # A conference party leaves alone; the call goes on. The party is ready again, and a
            # call of its campaign that waited meanwhile is offered to it at once.
            assert isinstance(done.instructions[0], HangUpLeg)
            after = self.center.agent(agent_id)
            if waiting:
                assert after.state is AgentState.RESERVED
                assert after.call_id in waiting
            else:
                assert after.state is AgentState.READY

    @rule(
        agent_id=agents,
        code=st.sampled_from(["sale", "Callback", "INFO GIVEN", "bogus", ""]),
        crt=st.sampled_from(["none", "current", "other"]),
        targeted=st.booleans(),
    )
    def dispose(self, agent_id: str, code: str, crt: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.WRAP_UP)
        a = self.center.find_agent(agent_id)
        call_ref: str | None = None
        if crt == "other":
            call_ref = "crt-of-nothing"
        elif crt == "current" and a is not None and a.call_id is not None:
            call_ref = self.center.call(a.call_id).customer_crt
        allowed = (
            a is not None
            and a.state is AgentState.WRAP_UP
            and code.casefold() in VALID_CODES
            and crt != "other"
        )
        done = self.apply(
            lambda now: self.center.handle(cmd.Dispose(agent_id, code, call_ref=call_ref), now)
        )
        assert (done is not None) == allowed

    # -- telephony signals -----------------------------------------------------------------

    @rule(campaign_id=st.sampled_from(["1", "1", "2"]))
    def call_arrived(self, campaign_id: str) -> None:
        if len(self.arrived) >= MAX_CALLS:
            return
        call_id = f"c{len(self.arrived) + 1}"
        signal = cmd.CallArrived(call_id, CallType.INBOUND, campaign_id, "+1555", f"cust-{call_id}")
        done = self.apply(lambda now: self.center.signal(signal, now))
        assert done is not None
        self.arrived.append(call_id)
        assert ev.CallQueued(call_id, campaign_id, "+1555") == done.events[0]

    @rule()
    def add_a_lead(self) -> None:
        if self.leads_added >= MAX_LEADS:
            return
        self.leads_added += 1
        n = self.leads_added
        lead = Lead(f"lead-{n}", "3", f"+1555000{n}")
        done = self.apply(lambda now: self.center.handle(cmd.AddLeads((lead,)), now))
        assert done is not None

    @rule(index=call_picks, targeted=st.booleans())
    def person_answered(self, index: int, targeted: bool) -> None:
        call_id = self.pick(index, targeted, CallState.RINGING)
        call = self.live_call(call_id)
        ringing = call is not None and call.state is CallState.RINGING
        done = self.apply(lambda now: self.center.signal(cmd.CustomerAnswered(call_id), now))
        assert (done is not None) == ringing
        if done is not None:
            assert ev.CallQueued(call_id, "3", call.phone if call else "") in done.events

    @rule(
        index=call_picks,
        targeted=st.booleans(),
        reason=st.sampled_from(["busy", "machine", "failed"]),
    )
    def dial_failed(self, index: int, targeted: bool, reason: str) -> None:
        call_id = self.pick(index, targeted, CallState.RINGING)
        call = self.live_call(call_id)
        ringing = call is not None and call.state is CallState.RINGING
        done = self.apply(lambda now: self.center.signal(cmd.DialFailed(call_id, reason), now))
        assert (done is not None) == ringing
        if done is not None:
            assert ev.CustomerNotReached(call_id, "3", reason) in done.events

    @rule(index=call_picks)
    def no_agent_within_two_seconds(self, index: int) -> None:
        """The 2-second timer of an answered predictive call runs out before an agent took it:
        the call is abandoned with the campaign's message, and whoever it rang is free."""
        waiting = [c for c in self.live_calls() if c.awaits_first_agent()]
        if not waiting:
            return
        call = waiting[index % len(waiting)]
        rung = call.agent_id
        key = abandon_timer(call.call_id)
        self.timers.discard(key)
        done = self.apply(lambda now: self.center.signal(cmd.TimerFired(key), now))
        assert done is not None
        assert PlayAbandonMessage(call.call_id, MACHINE_CAMPAIGNS[2].abandon_message or "") in (
            done.instructions
        )
        assert self.finished[call.call_id] is CallState.ABANDONED
        if rung is not None:
            assert self.center.agent(rung).call_id != call.call_id

    @rule(index=call_picks)
    def duplicate_arrival(self, index: int) -> None:
        call = self.live_call(self.pick(index))
        if call is None:
            return
        signal = cmd.CallArrived(
            call.call_id, CallType.INBOUND, call.campaign_id, "+1555", "cust-dup"
        )
        assert self.apply(lambda now: self.center.signal(signal, now)) is None

    @rule(index=call_picks, targeted=st.booleans())
    def agent_answered(self, index: int, targeted: bool) -> None:
        call_id = self.pick(index, targeted, CallState.OFFERED)
        call = self.live_call(call_id)
        offered = call is not None and call.state is CallState.OFFERED
        done = self.apply(lambda now: self.center.signal(cmd.AgentAnswered(call_id), now))
        assert (done is not None) == offered

    @rule(index=call_picks, targeted=st.booleans())
    def agent_did_not_answer(self, index: int, targeted: bool) -> None:
        call_id = self.pick(index, targeted, CallState.OFFERED)
        call = self.live_call(call_id)
        offered = call is not None and call.state is CallState.OFFERED
        done = self.apply(lambda now: self.center.signal(cmd.AgentDidNotAnswer(call_id), now))
        assert (done is not None) == offered

    @rule(index=call_picks, ended_by=st.sampled_from(["customer", "agent"]), targeted=st.booleans())
    def call_ended(self, index: int, ended_by: str, targeted: bool) -> None:
        call_id = self.pick(index, targeted, CallState.CONNECTED)
        call = self.live_call(call_id)
        was_wrap_up = call is not None and call.state is CallState.WRAP_UP
        # Which continuations of a transferred customer live now (the end may finish them).
        continued = [
            t.new_call_id
            for t in (call.transfers if call is not None else [])
            if t.new_call_id is not None and self.live_call(t.new_call_id) is not None
        ]
        done = self.apply(lambda now: self.center.signal(cmd.CallEnded(call_id, ended_by), now))
        assert done is not None, "the end of a call is never refused"
        if (call is None or was_wrap_up) and not continued:
            # Only the legs of a transferred customer may still be recorded as ended.
            assert (done.events, done.instructions) == ([], [])
            for touched in done.calls.values():
                assert all(not leg.live for leg in touched.legs)
        for call_id in continued:
            # The customer hung up before the transfer took: the continuation ended with them.
            after = self.live_call(call_id)
            assert after is None or after.state is CallState.WRAP_UP

    @rule(index=st.integers(min_value=0, max_value=20), stale=st.booleans())
    def timer_fires(self, index: int, stale: bool) -> None:
        """A running timer runs out — or one long cancelled or fired arrives late."""
        pool = sorted(self.ever_started - self.timers if stale else self.timers)
        if not pool:
            return
        key = pool[index % len(pool)]
        self.timers.discard(key)  # the runtime forgets a timer as it fires
        done = self.apply(lambda now: self.center.signal(cmd.TimerFired(key), now))
        assert done is not None, "a timer is never refused"
        if stale:
            assert (done.events, done.instructions, done.calls) == ([], [], {})

    @rule(index=call_picks)
    def advance_a_call(self, index: int) -> None:
        """Move one live call a step along the happy path, through the rules above."""
        calls = self.live_calls()
        if not calls:
            return
        call = calls[index % len(calls)]
        if call.state is CallState.OFFERED:
            self.agent_answered(index, targeted=True)
        elif call.state is CallState.CONNECTED:
            assert call.agent_id is not None
            ringing = [g for g in call.legs if g.state is LegState.RINGING]
            step = index % 4
            if ringing:
                self.leg_answered(self.side_legs().index((call, ringing[0])))
            elif step == 0:
                self.call_ended(index, "customer", targeted=True)
            elif step == 1:
                spread = index + len(call.legs)
                self.transfer(
                    call.agent_id, list(TransferKind)[spread % len(TransferKind)], "ghost", True
                )
            else:
                spread = index + len(call.legs)
                self.conference(
                    call.agent_id, list(ConferenceKind)[spread % len(ConferenceKind)], "ghost", True
                )
        elif call.state is CallState.WRAP_UP:
            assert call.agent_id is not None
            self.dispose(call.agent_id, "Sale", "current", targeted=False)
        elif call.state is CallState.CONSULTING:
            assert call.agent_id is not None
            self.complete_transfer(call.agent_id, targeted=False)

    # -- transfers and conferences -----------------------------------------------------------

    def owned(self, agent_id: str) -> Call | None:
        """The call `agent_id` is talking on as its own agent, if any."""
        a = self.center.find_agent(agent_id)
        if a is None or a.state is not AgentState.ON_CALL or a.call_id is None:
            return None
        return self.live_call(a.call_id)

    def sensible(self, kind: str, to: str, asking: str) -> str:
        """A target that can work for `kind` (most random ones cannot), else `to`."""
        if kind == "user":
            for candidate in AGENT_IDS:
                if self.ready_agent(candidate, asking):
                    return candidate
            return to
        return {"ivr": "Survey", "queue": "Support", "campaign": "2"}.get(kind, "+15550100")

    def ready_agent(self, target: str, asking: str) -> bool:
        a = self.center.find_agent(target)
        return a is not None and target != asking and a.state is AgentState.READY

    @rule(
        agent_id=agents,
        kind=st.sampled_from(list(TransferKind)),
        to=st.sampled_from(TRANSFER_TARGETS),
        targeted=st.booleans(),
    )
    def transfer(self, agent_id: str, kind: TransferKind, to: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        if targeted:
            to = self.sensible(kind.value, to, agent_id)
        call = self.owned(agent_id)
        if kind in (TransferKind.PHONE, TransferKind.INCALL):
            valid_target = True
        elif kind is TransferKind.IVR:
            valid_target = to.casefold() == "survey"
        elif kind is TransferKind.USER:
            valid_target = (
                call is not None
                and self.ready_agent(to, agent_id)
                and call.campaign_id in MACHINE_PROFILES[to].campaign_ids
            )
        else:
            valid_target = to.casefold() in QUEUES
        allowed = (
            call is not None
            and call.state is CallState.CONNECTED
            and not any(leg.live and leg.purpose is LegPurpose.CONFERENCE for leg in call.legs)
            and valid_target
        )
        done = self.apply(lambda now: self.center.handle(cmd.Transfer(agent_id, kind, to), now))
        assert (done is not None) == allowed
        if done is None:
            return
        assert call is not None
        a = self.center.agent(agent_id)
        if kind is TransferKind.INCALL:
            assert (call.state, a.state) == (CallState.CONSULTING, AgentState.ON_CALL)
        else:
            assert (call.state, a.state) == (CallState.WRAP_UP, AgentState.WRAP_UP)
            assert call.ended_by == "transfer"
        if kind is TransferKind.USER:
            assert self.center.agent(to).state is AgentState.RESERVED

    @rule(agent_id=agents, targeted=st.booleans())
    def complete_transfer(self, agent_id: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        call = self.owned(agent_id)
        consult = self.consult_leg(call)
        allowed = consult is not None and consult.state is LegState.CONNECTED
        done = self.apply(lambda now: self.center.handle(cmd.CompleteTransfer(agent_id), now))
        assert (done is not None) == allowed
        if done is not None:
            assert self.center.agent(agent_id).state is AgentState.WRAP_UP

    @rule(agent_id=agents, targeted=st.booleans())
    def cancel_transfer(self, agent_id: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        call = self.owned(agent_id)
        consult = self.consult_leg(call)
        done = self.apply(lambda now: self.center.handle(cmd.CancelTransfer(agent_id), now))
        assert (done is not None) == (consult is not None)
        if done is not None:
            assert call is not None
            assert consult is not None
            assert call.state is CallState.CONNECTED
            assert done.instructions[0] == HangUpLeg(call.call_id, consult.leg_id)

    @staticmethod
    def consult_leg(call: Call | None) -> Leg | None:
        if call is None or call.state is not CallState.CONSULTING:
            return None
        [leg] = [g for g in call.legs if g.live and g.purpose is LegPurpose.CONSULT]
        return leg

    @rule(
        agent_id=agents,
        kind=st.sampled_from(list(ConferenceKind)),
        to=st.sampled_from(TRANSFER_TARGETS),
        targeted=st.booleans(),
    )
    def conference(self, agent_id: str, kind: ConferenceKind, to: str, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        if targeted:
            to = self.sensible(kind.value, to, agent_id)
        call = self.owned(agent_id)
        if kind is ConferenceKind.IVR:
            valid_target = to.casefold() == "survey"
        elif kind is ConferenceKind.USER:
            valid_target = self.ready_agent(to, agent_id)
        else:
            valid_target = True
        allowed = call is not None and call.state is CallState.CONNECTED and valid_target
        done = self.apply(lambda now: self.center.handle(cmd.Conference(agent_id, kind, to), now))
        assert (done is not None) == allowed
        if done is not None and kind is ConferenceKind.USER:
            assert self.center.agent(to).state is AgentState.INVITED

    def side_legs(self) -> list[tuple[Call, Leg]]:
        """Every consult, conference or transfer leg of the live calls, ended ones too."""
        return [
            (c, leg)
            for c in self.live_calls()
            for leg in c.legs
            if leg.purpose is not LegPurpose.CALL
        ]

    @rule(index=st.integers(min_value=0, max_value=20))
    def leg_answered(self, index: int) -> None:
        legs = self.side_legs()
        if not legs:
            return
        call, leg = legs[index % len(legs)]
        ringing = leg.state is LegState.RINGING
        done = self.apply(
            lambda now: self.center.signal(cmd.LegAnswered(call.call_id, leg.leg_id), now)
        )
        assert (done is not None) == ringing
        if done is not None and leg.kind is LegKind.USER:
            assert self.center.agent(leg.party).state is AgentState.CONFERENCING

    @rule(
        index=st.integers(min_value=0, max_value=20),
        reason=st.sampled_from(["busy", "no_answer", "hung_up"]),
    )
    def leg_ended(self, index: int, reason: str) -> None:
        legs = self.side_legs()
        if not legs:
            return
        call, leg = legs[index % len(legs)]
        was_live = leg.live
        done = self.apply(
            lambda now: self.center.signal(cmd.LegEnded(call.call_id, leg.leg_id, reason), now)
        )
        assert done is not None, "the end of a leg is never refused"
        assert not leg.live
        if not was_live:
            assert (done.events, done.instructions, done.calls) == ([], [], {})

    @rule(agent_id=agents, index=st.integers(min_value=0, max_value=20), targeted=st.booleans())
    def drop_leg(self, agent_id: str, index: int, targeted: bool) -> None:
        agent_id = self.agent_in(agent_id, targeted, AgentState.ON_CALL)
        call = self.owned(agent_id)
        legs = call.legs if call is not None else []
        leg_id = legs[index % len(legs)].leg_id if legs else "nothing"
        leg = call.leg(leg_id) if call is not None else None
        allowed = leg is not None and leg.live and leg.purpose is not LegPurpose.CALL
        done = self.apply(lambda now: self.center.handle(cmd.DropLeg(agent_id, leg_id), now))
        assert (done is not None) == allowed
        if done is not None:
            assert call is not None
            assert done.instructions[0] == HangUpLeg(call.call_id, leg_id)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def agents_hold_at_most_one_live_call(self) -> None:
        held: list[str] = []
        for agent_id in AGENT_IDS:
            a = self.center.find_agent(agent_id)
            if a is None:
                continue
            assert a.state is not AgentState.LOGGED_OUT
            assert (a.call_id is not None) == (a.state in BUSY)
            if a.call_id is not None:
                call = self.live_call(a.call_id)
                assert call is not None
                if a.state in PARTY:
                    # A conference party: the call is another agent's, and their leg is on it.
                    assert call.agent_id != agent_id
                    assert call.state is CallState.CONNECTED
                    [leg] = [
                        g
                        for g in call.legs
                        if g.live and g.kind is LegKind.USER and g.party == agent_id
                    ]
                    wanted = (
                        LegState.RINGING if a.state is AgentState.INVITED else LegState.CONNECTED
                    )
                    assert leg.state is wanted
                else:
                    assert call.agent_id == agent_id
                    assert AGENT_STATE_OF_CALL[call.state] is a.state
                    held.append(a.call_id)
        assert len(held) == len(set(held))

    @invariant()
    def calls_with_an_agent_are_held_by_exactly_that_agent(self) -> None:
        for call in self.live_calls():
            holders = [
                agent_id
                for agent_id in AGENT_IDS
                if (a := self.center.find_agent(agent_id)) is not None and a.call_id == call.call_id
            ]
            parties = [leg.party for leg in call.legs if leg.live and leg.kind is LegKind.USER]
            if call.state in AGENT_STATE_OF_CALL:
                assert call.agent_id is not None
                assert sorted(holders) == sorted([call.agent_id, *parties])
            else:
                # Waiting in its queue, or a predictive dial ringing the customer alone.
                assert call.state in (CallState.QUEUED, CallState.RINGING)
                assert call.agent_id is None
                assert holders == []

    @invariant()
    def queued_calls_are_exactly_the_waiting_ones(self) -> None:
        for campaign_id in CAMPAIGN_IDS:
            queued = [
                c
                for c in self.live_calls()
                if c.campaign_id == campaign_id and c.state is CallState.QUEUED
            ]
            assert self.center.waiting_count(campaign_id) == len(queued)

    @invariant()
    def no_call_waits_while_an_agent_of_its_campaign_is_ready(self) -> None:
        """...an agent who could take it: a call the predictive dialer placed waits only for
        an agent with auto-call on."""
        for campaign_id in CAMPAIGN_IDS:
            waiting = [self.center.call(c) for c in self.center.waiting[campaign_id]]
            if not waiting:
                continue
            dialled_only = all(c.awaits_first_agent() for c in waiting)
            for agent_id in AGENT_IDS:
                a = self.center.find_agent(agent_id)
                could = a is not None and (a.auto_call or not dialled_only)
                assert not (
                    could
                    and a is not None
                    and a.state is AgentState.READY
                    and a.campaign_id == campaign_id
                )

    @invariant()
    def timers_run_exactly_for_what_waits_on_them(self) -> None:
        """A ringing offer has its ring timer and a wrap-up its timer (where the campaign sets
        one), and no other timer runs: a forced logout leaves none behind."""
        expected: set[str] = set()
        for call in self.live_calls():
            campaign = self.center.campaign(call.campaign_id)
            if call.state is CallState.OFFERED and campaign.ring_timeout is not None:
                assert call.user_crt is not None
                expected.add(ring_timer(call.call_id, call.user_crt))
            elif call.state is CallState.WRAP_UP and campaign.wrap_up_timeout is not None:
                expected.add(wrap_up_timer(call.call_id))
            if call.state is CallState.RINGING:
                expected.add(no_answer_timer(call.call_id))
            elif call.awaits_first_agent():
                expected.add(abandon_timer(call.call_id))
        # The dialer's look-again timer may run whenever leads wait.
        assert {key for key in self.timers if not key.startswith("hours:")} == expected

    @invariant()
    def auto_call_is_on_only_in_an_outbound_campaign(self) -> None:
        for agent_id in AGENT_IDS:
            a = self.center.find_agent(agent_id)
            if a is not None and a.auto_call:
                assert a.campaign_id is not None
                assert self.center.campaign(a.campaign_id).kind is CampaignKind.OUTBOUND

    @invariant()
    def legs_match_the_call(self) -> None:
        for call in self.live_calls():
            ids = [leg.leg_id for leg in call.legs]
            assert len(ids) == len(set(ids))
            customers = [g for g in call.legs if g.live and g.kind is LegKind.CUSTOMER]
            consults = [g for g in call.legs if g.live and g.purpose is LegPurpose.CONSULT]
            if call.state is CallState.CONSULTING:
                assert len(consults) == 1
            elif call.state is CallState.CONNECTED:
                assert consults == []
            if call.state is not CallState.WRAP_UP:
                assert len(customers) == 1
            if call.state in (CallState.CONNECTED, CallState.CONSULTING):
                own = call.leg(call.user_crt or "")
                assert own is not None
                assert own.state is LegState.CONNECTED
            else:
                live_sides = [g for g in call.legs if g.live and g.purpose is not LegPurpose.CALL]
                # Only a transfer (blind, or a completed consult) leaves a side leg live once
                # the agent's part is over: the customer is talking to its party.
                assert all(
                    g.purpose in (LegPurpose.TRANSFER, LegPurpose.CONSULT) for g in live_sides
                )
            for leg in call.legs:
                assert (leg.ended_at is None) == leg.live

    @invariant()
    def no_call_is_lost(self) -> None:
        live = {c.call_id for c in self.live_calls()}
        assert live.isdisjoint(self.finished)
        assert live | set(self.finished) == set(self.arrived)


def test_random_command_sequences_keep_the_center_consistent() -> None:
    run_state_machine_as_test(
        CenterMachine,
        settings=settings(max_examples=400, stateful_step_count=80, deadline=None),
    )
