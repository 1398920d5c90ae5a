"""Preview dialling over a lead list: shown to one ready agent at a time, dialled or skipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, Extension
from agentbar.domain.model.call import CallType
from agentbar.domain.model.campaign import CampaignKind, DialMode
from agentbar.domain.model.errors import IllegalTransition, NoLead, UnknownCampaign
from agentbar.domain.model.instructions import StartTimer
from agentbar.domain.model.lead_book import Lead, LeadState
from tests.unit.test_center import BREAK_REASONS, SUPPORT, id_source

SALES = replace(SUPPORT, campaign_id="3", name="Sales", kind=CampaignKind.OUTBOUND)
PREVIEW = replace(SALES, dial_mode=DialMode.PREVIEW)


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([PREVIEW], BREAK_REASONS)
    return made


def ready(center: Center, agent_id: str, now: float, phone: str = "1001") -> None:
    center.handle(cmd.LogIn(AgentProfile(agent_id, agent_id, frozenset({"3"}))), now)
    center.handle(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)), now)
    center.handle(cmd.SelectCampaign(agent_id, "3"), now)
    center.handle(cmd.GoReady(agent_id), now)


def leads(*phones: str) -> cmd.AddLeads:
    return cmd.AddLeads(
        tuple(
            Lead(f"lead-{i}", "3", phone, name=f"Lead {i}", data={"row": i})
            for i, phone in enumerate(phones, start=1)
        )
    )


def presented(outcome: object) -> list[tuple[str, str]]:
    events = getattr(outcome, "events", [])
    return [(e.agent_id, e.lead_id) for e in events if isinstance(e, ev.LeadPresented)]


def test_a_ready_agent_is_shown_the_first_lead(center: Center) -> None:
    ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001", "+15550002"), 2.0)
    assert presented(outcome) == [("a1", "lead-1")]
    assert center.agent("a1").lead_id == "lead-1"
    assert center.agent("a1").state is AgentState.READY
    assert outcome.leads["lead-1"].state is LeadState.PRESENTED
    assert center.leads.waiting("3") == 1


def test_each_ready_agent_gets_a_different_lead(center: Center) -> None:
    center.handle(leads("+15550001", "+15550002", "+15550003"), 0.5)
    ready(center, "a1", 1.0)
    ready(center, "a2", 2.0, "1002")
    assert (center.agent("a1").lead_id, center.agent("a2").lead_id) == ("lead-1", "lead-2")


def test_dialling_the_lead_places_a_preview_call_with_its_data(center: Center) -> None:
    ready(center, "a1", 1.0)
    center.handle(leads("+15550001"), 2.0)
    outcome = center.handle(cmd.DialLead("a1", "call-9"), 3.0)
    call = center.call("call-9")
    assert (call.call_type, call.phone) == (CallType.PREVIEW, "+15550001")
    assert call.crm_params == {"row": 1, "leadId": "lead-1", "leadName": "Lead 1"}
    assert center.agent("a1").state is AgentState.DIALING
    assert center.agent("a1").lead_id is None
    assert outcome.leads["lead-1"].state is LeadState.DIALLED
    assert not any(isinstance(e, ev.LeadReleased) for e in outcome.events)


def test_skipping_shows_the_next_lead(center: Center) -> None:
    ready(center, "a1", 1.0)
    center.handle(leads("+15550001", "+15550002"), 2.0)
    outcome = center.handle(cmd.SkipLead("a1"), 3.0)
    assert ev.LeadReleased("a1", "lead-1", True) in outcome.events
    assert outcome.leads["lead-1"].state is LeadState.SKIPPED
    assert presented(outcome) == [("a1", "lead-2")]


def test_a_lead_shown_to_an_agent_who_leaves_goes_to_the_next_ready_agent(
    center: Center,
) -> None:
    ready(center, "a1", 1.0)
    center.handle(leads("+15550001"), 2.0)
    ready(center, "a2", 3.0, "1002")
    assert center.agent("a2").lead_id is None
    outcome = center.handle(cmd.TakeBreak("a1", "Lunch"), 4.0)
    assert ev.LeadReleased("a1", "lead-1", False) in outcome.events
    assert presented(outcome) == [("a2", "lead-1")]


def test_without_a_lead_dial_and_skip_are_refused(center: Center) -> None:
    ready(center, "a1", 1.0)
    with pytest.raises(NoLead):
        center.handle(cmd.DialLead("a1", "call-9"), 2.0)
    with pytest.raises(NoLead):
        center.handle(cmd.SkipLead("a1"), 2.0)


def test_leads_for_an_unknown_campaign_are_refused_whole(center: Center) -> None:
    bad = cmd.AddLeads((Lead("lead-1", "3", "+15550001"), Lead("lead-2", "99", "+15550002")))
    with pytest.raises(UnknownCampaign):
        center.handle(bad, 1.0)
    assert center.leads.waiting("3") == 0


def test_manual_campaigns_do_not_present_leads(center: Center) -> None:
    center.configure([SALES], BREAK_REASONS)
    ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001"), 2.0)
    assert presented(outcome) == []


PROGRESSIVE = replace(SALES, dial_mode=DialMode.PROGRESSIVE)


def progressive_center() -> Center:
    made = Center(id_source())
    made.configure([PROGRESSIVE], BREAK_REASONS)
    return made


def dialling(center: Center, agent_id: str) -> tuple[str, str] | None:
    agent = center.agent(agent_id)
    if agent.state is not AgentState.DIALING or agent.call_id is None:
        return None
    call = center.call(agent.call_id)
    return call.call_type.value, call.phone


def test_a_progressive_campaign_dials_for_each_ready_agent_with_auto_call() -> None:
    center = progressive_center()
    ready(center, "a1", 1.0)
    ready(center, "a2", 2.0, "1002")
    center.handle(cmd.SetAutoCall("a1", True), 3.0)
    outcome = center.handle(leads("+15550001", "+15550002"), 4.0)
    assert dialling(center, "a1") == ("progressive", "+15550001")
    assert dialling(center, "a2") is None  # auto-call off: a2 dials by hand
    assert outcome.leads["lead-1"].state is LeadState.DIALLED
    assert center.leads.waiting("3") == 1


def test_switching_auto_call_on_starts_dialling_and_each_disposition_dials_the_next() -> None:
    center = progressive_center()
    ready(center, "a1", 1.0)
    center.handle(leads("+15550001", "+15550002"), 2.0)
    assert dialling(center, "a1") is None
    center.handle(cmd.SetAutoCall("a1", True), 3.0)
    assert dialling(center, "a1") == ("progressive", "+15550001")
    call_id = center.agent("a1").call_id or ""
    center.signal(cmd.CustomerAnswered(call_id), 4.0)
    center.signal(cmd.CallEnded(call_id, "customer"), 50.0)
    center.handle(cmd.Dispose("a1", "Sale"), 60.0)
    assert dialling(center, "a1") == ("progressive", "+15550002")


def test_switching_auto_call_off_stops_the_dialer() -> None:
    center = progressive_center()
    ready(center, "a1", 1.0)
    center.handle(cmd.SetAutoCall("a1", True), 2.0)
    center.handle(cmd.SetAutoCall("a1", False), 3.0)
    center.handle(leads("+15550001"), 4.0)
    assert dialling(center, "a1") is None
    assert center.leads.waiting("3") == 1


def test_removing_takes_waiting_leads_off_and_leaves_the_one_shown(center: Center) -> None:
    ready(center, "a1", 1.0)
    center.handle(leads("+15550001", "+15550002", "+15550003"), 2.0)
    with pytest.raises(IllegalTransition, match="being shown"):
        center.handle(cmd.RemoveLeads("3", ("lead-1",)), 3.0)
    with pytest.raises(NoLead):
        center.handle(cmd.RemoveLeads("3", ("lead-9",)), 3.0)
    assert center.leads.waiting("3") == 2  # a refusal changed nothing
    outcome = center.handle(cmd.RemoveLeads("3"), 3.0)
    assert {i: lead.state for i, lead in outcome.leads.items()} == {
        "lead-2": LeadState.REMOVED,
        "lead-3": LeadState.REMOVED,
    }
    assert center.leads.waiting("3") == 0
    # The agent skips the lead shown: nothing is left to show.
    outcome = center.handle(cmd.SkipLead("a1"), 4.0)
    assert presented(outcome) == []
    assert center.agent("a1").lead_id is None


def test_removing_one_lead_keeps_the_order_of_the_rest(center: Center) -> None:
    center.handle(leads("+15550001", "+15550002", "+15550003"), 1.0)
    outcome = center.handle(cmd.RemoveLeads("3", ("lead-2", "lead-2")), 2.0)
    assert list(outcome.leads) == ["lead-2"]
    ready(center, "a1", 3.0)
    assert center.agent("a1").lead_id == "lead-1"
    center.handle(cmd.SkipLead("a1"), 4.0)
    assert center.agent("a1").lead_id == "lead-3"
    with pytest.raises(UnknownCampaign):
        center.handle(cmd.RemoveLeads("9"), 5.0)


def test_a_lead_outside_its_calling_hours_waits_and_is_shown_when_they_open() -> None:
    center = Center(id_source())
    hours = replace(PREVIEW, calling_hours="08:00-21:00")
    center.configure([hours], BREAK_REASONS)
    night_in_new_york = datetime(2024, 6, 3, 6, 0, tzinfo=UTC).timestamp()  # 02:00 there
    ready(center, "a1", night_in_new_york)
    added = cmd.AddLeads((Lead("lead-1", "3", "+12125550001", zones=("America/New_York",)),))
    outcome = center.handle(added, night_in_new_york + 1)
    assert presented(outcome) == []
    assert center.leads.waiting("3") == 1
    opening = 6 * 3600 - 1.0  # 08:00 in New York
    assert StartTimer("hours:3", opening) in outcome.instructions
    outcome = center.signal(cmd.TimerFired("hours:3"), night_in_new_york + 1 + opening)
    assert presented(outcome) == [("a1", "lead-1")]
