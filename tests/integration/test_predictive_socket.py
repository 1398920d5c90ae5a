"""Predictive dialing on the real server, seen from an agent's toolbar socket and the stored
events: answered calls pop as predictive and the next lead follows; a person no agent reaches
within 2 seconds hears the abandon message and never reaches an agent; numbers on the
do-not-call list and leads outside their calling hours are not dialled; busy lines, answering
machines and numbers nobody answers, scripted through the sandbox API, are given up and the
next lead dialled."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from tests.integration.test_leads_socket import (
    ZONES_AROUND_THE_WORLD,
    a_zone_where_it_is_night,
    add_leads,
)
from tests.integration.test_outbound_socket import outbound_campaign
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

CAMPAIGN = "Outbound Sales"
MESSAGE = "Sorry we missed you: this was Acme Sales, 0800 555 0100."
RETRY_ABANDONED = 86400
"""Seconds before an abandoned lead is dialled again, by default."""
Event = dict[str, Any]


def make_predictive(server: AgentbarServer, **settings: Any) -> None:
    """The demo's outbound campaign, dialing predictively (at any hour unless told)."""
    with server.admin() as admin:
        campaign = admin.get(f"/api/v1/campaigns/{CAMPAIGN}").json()
        kept = {k: v for k, v in campaign.items() if k not in ("id", "name")}
        body = kept | {"dialMode": "predictive", "abandonMessage": MESSAGE} | settings
        put = admin.put(f"/api/v1/campaigns/{CAMPAIGN}", json=body)
        assert put.status_code == 200, put.json()


def script_customer(server: AgentbarServer, phone: str, **script: Any) -> None:
    with server.admin() as admin:
        answer = admin.put(f"/api/v1/simulator/customers/{quote(phone, safe='')}", json=script)
        assert answer.status_code == 204, answer.json()


def auto_call_agent(server: AgentbarServer) -> ToolbarClient:
    """agent1, ready in the predictive campaign with auto-call on (its move applied)."""
    toolbar = ToolbarClient(server.socket_url, origin=server.base_url)
    campaign_id = outbound_campaign(log_in(toolbar))
    toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
    toolbar.expect_ok("campaign.select", campaignId=campaign_id)
    toolbar.expect_ok("presence.ready")
    toolbar.expect_ok("presence.auto_call", on=True)
    return toolbar


def stored(server: AgentbarServer, kind: str) -> list[Event]:
    """Every stored event of `kind`, oldest first, as the events API answers them."""
    found: list[Event] = []
    after = 0
    with server.admin() as admin:
        while True:
            page = admin.get("/api/v1/events", params={"after": after, "limit": 1000}).json()
            found.extend(e for e in page["events"] if e["event"] == kind)
            if not page["events"]:
                return found
            after = page["last"]


def wait_stored(server: AgentbarServer, kind: str, timeout: float = 10.0, **data: Any) -> Event:
    """The first stored event of `kind` whose data has `data`, once it is stored. Polled:
    events that concern no agent reach no toolbar socket, so storage is where they show."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in stored(server, kind):
            if all(event["data"].get(k) == v for k, v in data.items()):
                return event
        time.sleep(0.05)
    raise AssertionError(f"no {kind} event with {data} was stored within {timeout} s")


def lead_states(server: AgentbarServer) -> dict[str, str]:
    return {r["lead_id"]: r["state"] for r in server.query("SELECT lead_id, state FROM leads")}


def test_an_auto_call_agent_talks_to_answered_customers_one_lead_after_another(
    server: AgentbarServer,
) -> None:
    make_predictive(server)
    # The first customer picks up after a moment's ringing and hangs up after talking.
    script_customer(server, "(415) 555-0101", answerAfter=0.2, hangUpAfter=1.5)
    with auto_call_agent(server) as toolbar:
        leads = {"leads": [{"phone": "+14155550101", "name": "Ada"}, {"phone": "+14155550102"}]}
        first, second = add_leads(server, leads).json()["leadIds"]
        pop = toolbar.wait_event("call.screen_pop")["data"]
        assert (pop["callType"], pop["phone"]) == ("predictive", "+14155550101")
        assert pop["crmParams"] == {"leadId": first, "leadName": "Ada"}
        call_id = pop["callId"]
        toolbar.wait_view(state="on_call")
        ended = toolbar.wait_event("call.ended", callId=call_id)["data"]
        assert ended["endedBy"] == "customer"
        toolbar.wait_event("agent.state_changed", state="wrap_up")
        toolbar.expect_ok("disposition.dispose", code="Sale")
        again = toolbar.wait_event("call.screen_pop")["data"]
        assert (again["callType"], again["crmParams"]) == ("predictive", {"leadId": second})
        assert again["callId"] != call_id
    dialled = [e["data"] for e in stored(server, "dialer.dialled")]
    assert [(d["leadId"], d["phone"]) for d in dialled] == [
        (first, "+14155550101"),
        (second, "+14155550102"),
    ]
    assert stored(server, "dialer.abandoned") == []
    assert lead_states(server) == {first: "dialled", second: "dialled"}


def test_a_person_no_agent_reaches_in_time_hears_the_message_and_reaches_no_agent(
    server: AgentbarServer,
) -> None:
    make_predictive(server)
    script_customer(server, "+14155550101", answerAfter=1.0)
    with auto_call_agent(server) as toolbar:
        [lead_id] = add_leads(server, {"leads": [{"phone": "+14155550101"}]}).json()["leadIds"]
        # The lead was dialled for the free agent as it was added (the answer follows the
        # move); the agent leaves before the customer picks up, a second later.
        [dial] = stored(server, "dialer.dialled")
        call_id = dial["data"]["callId"]
        toolbar.expect_ok("presence.break", reason="Lunch")
        abandoned = wait_stored(server, "dialer.abandoned", callId=call_id)
        assert abandoned["data"] == {
            "callId": call_id,
            "campaignId": dial["data"]["campaignId"],
            "phone": "+14155550101",
            "reason": "no_agent",
            "messagePlayed": True,
        }
        toolbar.expect_ok("snapshot")  # a round trip: any frame sent before it has arrived
        reached = [e for e in toolbar.events_in_order if e["data"].get("callId") == call_id]
        assert reached == []
    with server.admin() as admin:
        played = admin.get("/api/v1/simulator/abandon-messages")
    assert played.status_code == 200
    assert played.json() == {"played": [{"callId": call_id, "message": MESSAGE}]}
    for kind in ("call.offered", "call.screen_pop", "call.connected"):
        assert [e for e in stored(server, kind) if e["callId"] == call_id] == []
    [row] = server.query("SELECT state, agent_id FROM calls WHERE call_id = ?", call_id)
    assert (row["state"], row["agent_id"]) == ("abandoned", None)
    # The lead goes back to its list, to be tried again after the campaign's delay.
    with server.admin() as admin:
        [lead] = admin.get(f"/api/v1/campaigns/{CAMPAIGN}/leads").json()["leads"]
    assert (lead["id"], lead["state"]) == (lead_id, "new")
    assert [(a["callId"], a["outcome"]) for a in lead["attempts"]] == [(call_id, "abandoned")]
    assert lead["nextTryAt"] == pytest.approx(abandoned["at"] + RETRY_ABANDONED)


def test_a_number_on_the_do_not_call_list_is_never_dialled_and_the_next_lead_is(
    server: AgentbarServer,
) -> None:
    make_predictive(server)
    with server.admin() as admin:
        assert admin.put("/api/v1/do-not-call/%2B14155550101").status_code == 200
    with auto_call_agent(server) as toolbar:
        leads = {"leads": [{"phone": "+14155550101"}, {"phone": "+14155550102"}]}
        listed, allowed = add_leads(server, leads).json()["leadIds"]
        pop = toolbar.wait_event("call.screen_pop")["data"]
        assert (pop["callType"], pop["phone"]) == ("predictive", "+14155550102")
        assert pop["crmParams"] == {"leadId": allowed}
    assert [e["data"]["phone"] for e in stored(server, "dialer.dialled")] == ["+14155550102"]
    assert lead_states(server) == {listed: "blocked", allowed: "dialled"}


def a_zone_where_it_is_day() -> str:
    """A zone whose clock reads between 10:00 and 19:00 now: well inside 08:00-21:00."""
    for zone in ZONES_AROUND_THE_WORLD:
        local = datetime.now(ZoneInfo(zone))
        if 10 <= local.hour < 19:
            return zone
    raise AssertionError("no candidate zone is at work")  # at most 5 hours apart: impossible


def test_a_lead_outside_its_calling_hours_waits_in_place_while_the_next_is_dialled(
    server: AgentbarServer,
) -> None:
    make_predictive(server, callingHours="08:00-21:00", timeZone="America/New_York")
    night, day = a_zone_where_it_is_night(), a_zone_where_it_is_day()
    leads = {
        "leads": [
            {"phone": "+14155550101", "timeZone": night},
            {"phone": "+14155550102", "timeZone": day},
        ]
    }
    with auto_call_agent(server) as toolbar:
        asleep, awake = add_leads(server, leads).json()["leadIds"]
        pop = toolbar.wait_event("call.screen_pop")["data"]
        assert (pop["phone"], pop["crmParams"]) == ("+14155550102", {"leadId": awake})
    assert [e["data"]["leadId"] for e in stored(server, "dialer.dialled")] == [awake]
    [row] = server.query("SELECT state, zones, call_id FROM leads WHERE lead_id = ?", asleep)
    assert (row["state"], row["zones"], row["call_id"]) == ("new", night, None)


def test_busy_lines_and_answering_machines_are_given_up_and_the_next_lead_dialled(
    server: AgentbarServer,
) -> None:
    make_predictive(server)
    script_customer(server, "+14155550101", busy=True)
    script_customer(server, "415-555-0102", answerAfter=0.3, machine=True)
    with auto_call_agent(server) as toolbar:
        phones = ["+14155550101", "+14155550102", "+14155550103"]
        ids = add_leads(server, {"leads": [{"phone": p} for p in phones]}).json()["leadIds"]
        pop = toolbar.wait_event("call.screen_pop")["data"]
        assert (pop["phone"], pop["crmParams"]) == ("+14155550103", {"leadId": ids[2]})
    dialled = {e["data"]["phone"]: e["data"]["callId"] for e in stored(server, "dialer.dialled")}
    assert list(dialled) == phones
    outcomes = {e["callId"]: e["data"]["outcome"] for e in stored(server, "dialer.not_reached")}
    assert outcomes == {dialled[phones[0]]: "busy", dialled[phones[1]]: "machine"}
    assert stored(server, "dialer.abandoned") == []


@pytest.mark.slow
def test_a_number_nobody_answers_rings_the_minimum_ring_time_then_is_given_up(
    server: AgentbarServer,
) -> None:
    make_predictive(server)  # minRingSeconds: 15, the least the law allows
    script_customer(server, "+14155550101", answerAfter=None)
    with auto_call_agent(server) as toolbar:
        phones = ["+14155550101", "+14155550102"]
        ids = add_leads(server, {"leads": [{"phone": p} for p in phones]}).json()["leadIds"]
        # A campaign with few dials measured places no call ahead of its one free agent: the
        # next lead is dialled once the first is given up.
        pop = toolbar.wait_event("call.screen_pop", timeout=25)["data"]
        assert (pop["phone"], pop["crmParams"]) == ("+14155550102", {"leadId": ids[1]})
    first = next(e for e in stored(server, "dialer.dialled") if e["data"]["phone"] == phones[0])
    [given_up] = stored(server, "dialer.not_reached")
    assert (given_up["callId"], given_up["data"]["outcome"]) == (first["callId"], "no_answer")
    assert given_up["at"] - first["at"] == pytest.approx(15, abs=1)
