"""A number on the do-not-call list is never dialled, in any mode: a manual dial to it is refused
and changes nothing, a lead with it is blocked (never shown nor dialled) and the next one taken,
a callback to it is blocked when it falls due."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import CallType
from agentbar.domain.model.callback_book import CallbackState
from agentbar.domain.model.campaign import DialMode
from agentbar.domain.model.errors import DoNotCall
from agentbar.domain.model.instructions import DialOut
from agentbar.domain.model.lead_book import LeadState
from tests.unit.test_callbacks import schedule, wrap_up
from tests.unit.test_center import center, get_ready
from tests.unit.test_leads import PREVIEW, leads, presented, ready

__all__ = ["center"]

LISTED = "+15550002"


def test_a_manual_dial_to_a_listed_number_is_refused_and_changes_nothing(center: Center) -> None:
    center.forbid_numbers([LISTED])
    get_ready(center, "a1", 1.0)
    with pytest.raises(DoNotCall, match=r"\+15550002 is on the do-not-call list"):
        center.handle(cmd.Dial("a1", LISTED, "call-1", CallType.MANUAL), 2.0)
    assert center.agent("a1").state is AgentState.READY
    assert "call-1" not in center.calls
    center.handle(cmd.Dial("a1", "+15550003", "call-2", CallType.MANUAL), 3.0)  # others go
    assert center.agent("a1").state is AgentState.DIALING


def test_a_preview_lead_with_a_listed_number_is_blocked_and_the_next_one_shown() -> None:
    center = Center(lambda kind: f"{kind}-x")
    center.configure([PREVIEW], [])
    center.forbid_numbers([LISTED])
    ready(center, "a1", 1.0)
    outcome = center.handle(leads(LISTED, "+15550003"), 2.0)
    assert outcome.leads["lead-1"].state is LeadState.BLOCKED
    assert presented(outcome) == [("a1", "lead-2")]
    assert center.leads.waiting("3") == 0


def test_a_list_of_listed_numbers_only_leaves_the_agent_waiting() -> None:
    center = Center(lambda kind: f"{kind}-x")
    center.configure([PREVIEW], [])
    center.forbid_numbers([LISTED])
    ready(center, "a1", 1.0)
    outcome = center.handle(leads(LISTED), 2.0)
    assert outcome.leads["lead-1"].state is LeadState.BLOCKED
    assert presented(outcome) == []
    assert center.agent("a1").state is AgentState.READY
    assert center.agent("a1").lead_id is None
    outcome = center.handle(leads("+15550003"), 3.0)  # and takes the next lead that comes
    assert [lead.lead_id for lead in outcome.leads.values()] == ["lead-1"]
    assert center.agent("a1").lead_id == "lead-1"


def test_a_progressive_dialer_skips_a_listed_lead_and_dials_the_next() -> None:
    center = Center(lambda kind: f"{kind}-{len(kind)}")
    center.configure([replace(PREVIEW, dial_mode=DialMode.PROGRESSIVE)], [])
    center.forbid_numbers([LISTED])
    ready(center, "a1", 1.0)
    center.handle(cmd.SetAutoCall("a1", True), 1.5)
    outcome = center.handle(leads(LISTED, "+15550003"), 2.0)
    assert outcome.leads["lead-1"].state is LeadState.BLOCKED
    assert outcome.leads["lead-2"].state is LeadState.DIALLED
    dialled = [i.phone for i in outcome.instructions if isinstance(i, DialOut)]
    assert dialled == ["+15550003"]


def test_a_callback_to_a_number_listed_since_is_blocked_when_due(center: Center) -> None:
    wrap_up(center)  # the call came from +15550001
    callback_id = schedule(center)
    center.forbid_numbers(["+15550001"])
    outcome = center.signal(cmd.TimerFired(f"callback:{callback_id}"), 3600.0)
    assert outcome.callbacks[callback_id].state is CallbackState.BLOCKED
    assert not any(isinstance(i, DialOut) for i in outcome.instructions)
    assert not any(isinstance(e, ev.ScreenPop) for e in outcome.events)
    assert center.agent("a1").state is AgentState.READY
    assert callback_id not in center.callbacks.all
