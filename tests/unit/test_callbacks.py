"""Callbacks scheduled by a disposition: for the same agent or the campaign, restored at start."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import CallState, CallType
from agentbar.domain.model.callback_book import Callback, CallbackState, InvalidCallback
from agentbar.domain.model.campaign import DialMode
from agentbar.domain.model.errors import UnknownCall
from agentbar.domain.model.instructions import DialOut, StartTimer
from agentbar.domain.model.lead_book import Lead
from tests.unit.test_center import EXT_1002, arrive, center, get_ready

__all__ = ["center"]


def wrap_up(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "in-1", 20.0)
    center.signal(cmd.AgentAnswered("in-1"), 25.0)
    center.signal(cmd.CallEnded("in-1", "customer"), 60.0)


def schedule(center: Center, at: float = 3600.0, self_callback: bool = True) -> str:
    outcome = center.handle(
        cmd.Dispose(
            "a1",
            "Callback",
            callback=cmd.CallbackRequest(at, self_callback, params=(("ticket", "T-9"),)),
        ),
        70.0,
    )
    [scheduled] = [e for e in outcome.events if isinstance(e, ev.CallbackScheduled)]
    assert StartTimer(f"callback:{scheduled.callback_id}", at - 70.0) in outcome.instructions
    assert outcome.callbacks[scheduled.callback_id].state is CallbackState.SCHEDULED
    return scheduled.callback_id


def test_a_self_callback_is_dialled_by_the_same_agent_when_due(center: Center) -> None:
    wrap_up(center)
    callback_id = schedule(center)
    with pytest.raises(UnknownCall):
        center.call("in-1")  # disposed: the floor forgets it, the record keeps it
    outcome = center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    agent = center.agent("a1")
    assert agent.state is AgentState.DIALING
    call = center.call(agent.call_id or "")
    assert (call.call_type, call.phone) == (CallType.CALLBACK, "+15550001")
    assert call.crm_params == {"ticket": "T-9", "callbackId": callback_id}
    assert any(isinstance(i, DialOut) for i in outcome.instructions)
    assert outcome.callbacks[callback_id].state is CallbackState.DIALLED
    pops = [e for e in outcome.events if isinstance(e, ev.ScreenPop)]
    assert [p.call_type for p in pops] == ["callback"]


def test_a_due_self_callback_waits_until_its_agent_is_free(center: Center) -> None:
    wrap_up(center)
    callback_id = schedule(center)
    arrive(center, "in-2", 100.0)
    center.signal(cmd.AgentAnswered("in-2"), 101.0)
    center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    assert center.agent("a1").call_id == "in-2"
    center.signal(cmd.CallEnded("in-2", "customer"), 3700.0)
    outcome = center.handle(cmd.Dispose("a1", "Sale"), 3710.0)
    assert center.agent("a1").state is AgentState.DIALING
    assert outcome.callbacks[callback_id].state is CallbackState.DIALLED


def test_a_campaign_callback_goes_to_any_ready_agent_ahead_of_waiting_calls(
    center: Center,
) -> None:
    wrap_up(center)
    callback_id = schedule(center, self_callback=False)
    center.handle(cmd.TakeBreak("a1", "Lunch"), 80.0)
    center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    arrive(center, "in-2", 3601.0)
    get_ready(center, "a2", 3602.0, EXT_1002)
    a2 = center.agent("a2")
    assert a2.state is AgentState.DIALING
    assert center.call(a2.call_id or "").call_type is CallType.CALLBACK
    assert center.call("in-2").state is CallState.QUEUED


def test_a_callback_in_the_past_is_refused_and_nothing_changes(center: Center) -> None:
    wrap_up(center)
    with pytest.raises(InvalidCallback, match="in the future"):
        center.handle(cmd.Dispose("a1", "Callback", callback=cmd.CallbackRequest(50.0, True)), 70.0)
    assert center.agent("a1").state is AgentState.WRAP_UP
    assert center.call("in-1").state is CallState.WRAP_UP


def test_stored_callbacks_are_restored_with_their_timers(center: Center) -> None:
    stored = Callback("cb-7", "1", "+15550009", 500.0, "a1", None)
    late = Callback("cb-8", "1", "+15550010", 5.0, "a1", None)
    outcome = center.handle(cmd.RestoreCallbacks((stored, late)), 100.0)
    assert StartTimer("callback:cb-7", 400.0) in outcome.instructions
    assert StartTimer("callback:cb-8", 0.0) in outcome.instructions
    get_ready(center, "a2", 101.0, EXT_1002)
    center.signal(cmd.TimerFired("callback:cb-8"), 101.0)
    assert center.call(center.agent("a2").call_id or "").phone == "+15550010"


def test_a_campaign_callback_falling_due_goes_to_an_agent_already_waiting(
    center: Center,
) -> None:
    wrap_up(center)
    callback_id = schedule(center, self_callback=False)
    center.handle(cmd.TakeBreak("a1", "Lunch"), 80.0)
    get_ready(center, "a2", 90.0, EXT_1002)
    assert center.agent("a2").state is AgentState.READY
    outcome = center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    assert center.agent("a2").state is AgentState.DIALING
    assert outcome.callbacks[callback_id].state is CallbackState.DIALLED


def test_a_self_callback_takes_its_agent_away_from_a_preview_lead(center: Center) -> None:
    wrap_up(center)
    callback_id = schedule(center)
    center.configure([replace(center.campaign("1"), dial_mode=DialMode.PREVIEW)], [])
    center.handle(cmd.AddLeads((Lead("lead-1", "1", "+15550042"),)), 100.0)
    assert center.agent("a1").lead_id == "lead-1"
    outcome = center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    assert ev.LeadReleased("a1", "lead-1", False) in outcome.events
    assert center.agent("a1").state is AgentState.DIALING
    assert center.leads.waiting("1") == 1
