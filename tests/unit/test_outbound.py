"""Outbound calls placed by an agent (manual, click-to-dial), and hold/resume."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.errors import (
    CallbackNotAllowed,
    CampaignNotAssigned,
    IllegalTransition,
    InvalidDisposition,
    NoCurrentCall,
    NotSetUp,
)
from agentbar.domain.model.instructions import DialOut, EndCall, HoldCall, ResumeCall
from tests.unit.test_center import (
    BREAK_REASONS,
    EXT_1001,
    arrive,
    center,
    get_ready,
    set_up,
)

__all__ = ["center"]  # the fixture, shared with test_center


def dial(center: Center, call_id: str = "out-1", now: float = 30.0, **extra: object) -> cmd.Dial:
    command = cmd.Dial(
        "a1",
        "+14085551212",
        call_id,
        CallType.CLICK_TO_DIAL,
        crm_params=(("customerId", "cust-567"), ("url", "https://crm.test/c/567")),
        **extra,  # type: ignore[arg-type]
    )
    center.handle(command, now)
    return command


def test_a_click_to_dial_pops_the_record_at_once_and_rings_agent_then_customer(
    center: Center,
) -> None:
    get_ready(center, "a1", 10.0)
    outcome = center.handle(
        cmd.Dial(
            "a1",
            "+14085551212",
            "out-1",
            CallType.CLICK_TO_DIAL,
            crm_params=(("customerId", "cust-567"),),
        ),
        30.0,
    )
    call = center.call("out-1")
    assert call.state is CallState.DIALING
    assert call.agent_id == "a1"
    assert call.user_crt is not None
    assert call.user_crt != call.customer_crt
    assert center.agent("a1").state is AgentState.DIALING
    kinds = [type(e) for e in outcome.events]
    assert kinds == [ev.AgentStateChanged, ev.CallDialing, ev.ScreenPop]
    pop = outcome.events[-1]
    assert isinstance(pop, ev.ScreenPop)
    assert (pop.call_type, pop.phone, pop.crm_params) == (
        "click_to_dial",
        "+14085551212",
        {"customerId": "cust-567"},
    )
    assert outcome.instructions == [
        DialOut("out-1", call.user_crt, "1001", call.customer_crt, "+14085551212")
    ]


def test_a_dialling_agent_is_not_offered_inbound_calls(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    dial(center)
    arrive(center, "in-1", 31.0)
    assert center.waiting_count("1") == 1
    assert center.call("in-1").state is CallState.QUEUED


def test_the_customer_answering_connects_the_call(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    dial(center)
    outcome = center.signal(cmd.CustomerAnswered("out-1"), 35.0)
    assert center.call("out-1").state is CallState.CONNECTED
    assert center.agent("a1").state is AgentState.ON_CALL
    assert [type(e) for e in outcome.events] == [ev.AgentStateChanged, ev.CallConnected]


@pytest.mark.parametrize("reason", ["busy", "no_answer", "agent_no_answer"])
def test_a_dial_that_never_connects_still_goes_to_wrap_up(center: Center, reason: str) -> None:
    get_ready(center, "a1", 10.0)
    dial(center)
    outcome = center.signal(cmd.DialFailed("out-1", reason), 40.0)
    assert center.agent("a1").state is AgentState.WRAP_UP
    ended = [e for e in outcome.events if isinstance(e, ev.CallEnded)]
    assert [e.ended_by for e in ended] == [reason]
    center.handle(cmd.Dispose("a1", "Callback"), 50.0)
    assert center.agent("a1").state is AgentState.READY


def test_an_agent_who_dialled_while_not_ready_returns_to_not_ready(center: Center) -> None:
    set_up(center, "a1")
    dial(center)
    center.signal(cmd.CustomerAnswered("out-1"), 35.0)
    center.signal(cmd.CallEnded("out-1", "customer"), 60.0)
    outcome = center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    assert center.agent("a1").state is AgentState.NOT_READY
    assert ev.AgentStateChanged("a1", "not_ready", None) in outcome.events
    # Not idle: an inbound call is not offered to an agent who is not ready.
    arrive(center, "in-1", 71.0)
    assert center.call("in-1").state is CallState.QUEUED


def test_hanging_up_while_dialling_cancels_the_call(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    dial(center)
    assert center.handle(cmd.HangUp("a1"), 31.0).instructions == [EndCall("out-1")]
    center.signal(cmd.CallEnded("out-1", "agent"), 31.5)
    assert center.agent("a1").state is AgentState.WRAP_UP


def test_dialling_is_refused_with_a_reason_and_changes_nothing(center: Center) -> None:
    # Two campaigns, so none is chosen automatically at login.
    center.handle(cmd.LogIn(AgentProfile("a1", "Agent a1", frozenset({"1", "3"}))), 0.0)
    with pytest.raises(NotSetUp, match="extension"):
        dial(center)
    center.handle(cmd.SelectExtension("a1", EXT_1001), 0.0)
    with pytest.raises(NotSetUp, match="campaign"):
        dial(center)
    with pytest.raises(CampaignNotAssigned):
        dial(center, campaign_id="2")
    center.handle(cmd.SelectCampaign("a1", "1"), 0.0)
    center.handle(cmd.TakeBreak("a1", "Lunch"), 1.0)
    with pytest.raises(IllegalTransition, match="leave the break"):
        dial(center)
    assert center.agent("a1").state is AgentState.BREAK
    with pytest.raises(Exception, match="no call"):
        center.call("out-1")


def test_a_second_dial_during_a_call_is_refused(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    dial(center)
    with pytest.raises(IllegalTransition):
        dial(center, call_id="out-2")
    assert center.agent("a1").call_id == "out-1"


def test_hold_and_resume(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.Hold("a1"), 11.0)
    dial(center)
    with pytest.raises(NoCurrentCall):
        center.handle(cmd.Hold("a1"), 31.0)  # still ringing
    center.signal(cmd.CustomerAnswered("out-1"), 35.0)
    held = center.handle(cmd.Hold("a1"), 40.0)
    assert held.events == [ev.CallHeld("out-1", "a1")]
    assert held.instructions == [HoldCall("out-1")]
    assert center.call("out-1").on_hold
    with pytest.raises(IllegalTransition, match="already on hold"):
        center.handle(cmd.Hold("a1"), 41.0)
    resumed = center.handle(cmd.Resume("a1"), 45.0)
    assert resumed.events == [ev.CallResumed("out-1", "a1")]
    assert resumed.instructions == [ResumeCall("out-1")]
    with pytest.raises(IllegalTransition, match="not on hold"):
        center.handle(cmd.Resume("a1"), 46.0)


def in_wrap_up_on(center: Center, campaign_allows_callback: bool = False) -> None:
    if campaign_allows_callback:
        campaign = center.campaign("1")
        center.configure([replace(campaign, callback_in_dispose_dial=True)], BREAK_REASONS)
    get_ready(center, "a1", 10.0)
    arrive(center, "in-1", 20.0)
    center.signal(cmd.AgentAnswered("in-1"), 25.0)
    center.signal(cmd.CallEnded("in-1", "customer"), 60.0)


def dispose_and_dial(center: Center, code: str, call_id: str = "out-9") -> None:
    center.handle(
        cmd.DisposeAndDial("a1", code, cmd.Dial("a1", "+14085559999", call_id, CallType.MANUAL)),
        70.0,
    )


def test_dispose_and_dial_goes_straight_from_wrap_up_to_dialling(center: Center) -> None:
    in_wrap_up_on(center)
    arrive(center, "in-2", 65.0)  # waiting: must not be offered between dispose and dial
    outcome = center.handle(
        cmd.DisposeAndDial("a1", "sale", cmd.Dial("a1", "+14085559999", "out-9", CallType.MANUAL)),
        70.0,
    )
    states = [e.state for e in outcome.events if isinstance(e, ev.AgentStateChanged)]
    assert states == ["dialing"]
    disposed = [e for e in outcome.events if isinstance(e, ev.CallDisposed)]
    assert [(e.call_id, e.disposition_code) for e in disposed] == [("in-1", "Sale")]
    assert center.agent("a1").call_id == "out-9"
    assert center.call("in-2").state is CallState.QUEUED
    assert any(isinstance(i, DialOut) for i in outcome.instructions)


def test_dispose_and_dial_refuses_callback_unless_the_campaign_allows_it(
    center: Center,
) -> None:
    in_wrap_up_on(center)
    with pytest.raises(CallbackNotAllowed, match="'Callback' cannot be used"):
        dispose_and_dial(center, "Callback")
    assert center.agent("a1").state is AgentState.WRAP_UP
    assert center.call("in-1").state is CallState.WRAP_UP


def test_dispose_and_dial_with_callback_where_the_campaign_allows_it(center: Center) -> None:
    in_wrap_up_on(center, campaign_allows_callback=True)
    dispose_and_dial(center, "Callback")
    assert center.agent("a1").state is AgentState.DIALING


@pytest.mark.parametrize(
    ("code", "error"), [("Bought a yacht", InvalidDisposition), ("Sale", IllegalTransition)]
)
def test_a_refused_dispose_and_dial_changes_nothing(
    center: Center, code: str, error: type[Exception]
) -> None:
    in_wrap_up_on(center)
    with pytest.raises(error):
        # An invalid code, or a dial whose call id is taken, refuses both halves.
        dispose_and_dial(center, code, call_id="in-1")
    assert center.agent("a1").state is AgentState.WRAP_UP
    assert center.call("in-1").state is CallState.WRAP_UP


def test_a_plain_dial_during_wrap_up_is_refused(center: Center) -> None:
    in_wrap_up_on(center)
    with pytest.raises(IllegalTransition, match="dispose the current call first"):
        center.handle(cmd.Dial("a1", "+14085559999", "out-9", CallType.MANUAL), 70.0)
    assert center.agent("a1").state is AgentState.WRAP_UP
