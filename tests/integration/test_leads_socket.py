"""Preview dialling over the real socket and the admin API: leads shown, skipped, dialled."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from agentbar.demo import DEMO_PLAN
from agentbar.domain.model.campaign import ANY_HOUR, CampaignKind, DialMode
from agentbar.ports import Catalog
from tests.conftest import CRM_ORIGIN
from tests.integration.test_outbound_socket import outbound_campaign
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

LEADS = {
    "leads": [
        {"phone": "(415) 555-0101", "name": "Ada", "data": {"plan": "gold"}},
        {"phone": "+14155550102", "name": "Grace"},
    ]
}


def add_leads(
    server: AgentbarServer, body: object, campaign: str = "Outbound Sales"
) -> httpx.Response:
    with server.admin() as admin:
        return admin.post(f"/api/v1/campaigns/{campaign}/leads", json=body)


def test_a_ready_agent_previews_skips_and_dials_leads(server: AgentbarServer) -> None:
    response = add_leads(server, LEADS)
    assert response.status_code == 201
    first, second = response.json()["leadIds"]
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        campaign_id = outbound_campaign(log_in(toolbar))
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        toolbar.expect_ok("presence.ready")
        shown = toolbar.wait_event("lead.presented")["data"]
        assert (shown["leadId"], shown["phone"], shown["name"]) == (first, "+14155550101", "Ada")
        toolbar.expect_ok("lead.skip")
        toolbar.wait_event("lead.released", leadId=first, skipped=True)
        assert toolbar.wait_event("lead.presented")["data"]["leadId"] == second
        call_id = toolbar.expect_ok("lead.dial")["callId"]
        pop = toolbar.wait_event("call.screen_pop", callId=call_id)["data"]
        assert pop["callType"] == "preview"
        assert pop["crmParams"] == {"leadId": second, "leadName": "Grace"}
        assert toolbar.request("lead.dial")["error"]["code"] == "no_lead"
    states = {r["lead_id"]: r["state"] for r in server.query("SELECT lead_id, state FROM leads")}
    assert states == {first: "skipped", second: "dialled"}


def test_bad_leads_are_refused_whole(server: AgentbarServer) -> None:
    bad_phone = add_leads(server, {"leads": [{"phone": "+14155550101"}, {"phone": "nope"}]})
    assert bad_phone.status_code == 422
    assert "lead 1: 'nope' is not a phone number" in bad_phone.json()["detail"]
    unknown = add_leads(server, LEADS, campaign="Nope")
    assert unknown.status_code == 404
    inbound = add_leads(server, LEADS, campaign="Inbound Support")
    assert inbound.status_code == 422
    empty = add_leads(server, {"leads": []})
    assert empty.status_code == 422
    assert server.query("SELECT count(*) AS n FROM leads")[0]["n"] == 0


def test_leads_not_yet_called_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN]) as first:
        ids = add_leads(first, LEADS).json()["leadIds"]
        toolbar = ToolbarClient(first.socket_url, origin=first.base_url)
        login = log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=outbound_campaign(login))
        toolbar.expect_ok("presence.ready")
        shown = toolbar.wait_event("lead.presented", leadId=ids[0])
        toolbar.close()
    with agentbar_server(data_dir, [CRM_ORIGIN]) as second:
        toolbar = ToolbarClient(second.socket_url, origin=second.base_url)
        toolbar.expect_ok(
            "auth.resume", token=login["token"], crmOrigin=CRM_ORIGIN, lastSeq=shown["seq"]
        )
        # The agent is still ready, and the lead on screen before the restart is shown again.
        toolbar.wait_event("lead.released", leadId=ids[0])
        toolbar.wait_event("lead.presented", leadId=ids[0])
        toolbar.close()


def dialer_campaign(catalog: Catalog) -> None:
    catalog.upsert_agent("agent1", "Agent 1", None)
    catalog.upsert_campaign(
        "Dialer",
        CampaignKind.OUTBOUND,
        DEMO_PLAN,
        ["agent1"],
        dial_mode=DialMode.PROGRESSIVE,
        calling_hours=ANY_HOUR,  # the test runs at any hour of the leads' day
    )


def test_a_progressive_campaign_dials_lead_after_lead_for_an_auto_call_agent(
    tmp_path: Path,
) -> None:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], provision=dialer_campaign) as server:
        toolbar = ToolbarClient(server.socket_url, origin=server.base_url)
        answer = log_in(toolbar)
        dialer = next(c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Dialer")
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=dialer)
        toolbar.expect_ok("presence.ready")
        toolbar.expect_ok("presence.auto_call", on=True)
        ids = add_leads(server, LEADS, campaign="Dialer").json()["leadIds"]
        first = toolbar.wait_event("call.screen_pop", callType="progressive")["data"]
        assert (first["phone"], first["crmParams"]["leadId"]) == ("+14155550101", ids[0])
        toolbar.wait_event("call.connected", callId=first["callId"])
        toolbar.expect_ok("call.hangup")
        toolbar.wait_event("agent.state_changed", state="wrap_up")
        toolbar.expect_ok("disposition.dispose", code="Sale")
        second = toolbar.wait_event("call.screen_pop", callType="progressive")["data"]
        assert second["crmParams"]["leadId"] == ids[1]
        toolbar.close()


ZONES_AROUND_THE_WORLD = (
    "Pacific/Kiritimati",
    "Asia/Tokyo",
    "Asia/Dubai",
    "Europe/London",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)
"""At most 5 hours apart round the clock: at any moment one is at work and one asleep."""


def a_zone_where_it_is_night() -> str:
    """A zone whose clock reads between 00:30 and 06:30 now: far from any hour's edge, so the
    test does not depend on when it runs."""
    for zone in ZONES_AROUND_THE_WORLD:
        local = datetime.now(ZoneInfo(zone))
        if 0.5 <= local.hour + local.minute / 60 < 6.5:
            return zone
    raise AssertionError("every candidate zone is awake")  # zones 3 hours apart: impossible


def test_a_lead_outside_its_calling_hours_waits_and_bad_zones_are_refused(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        campaign = admin.get("/api/v1/campaigns/Outbound Sales").json()
        hours = {"callingHours": "08:00-21:00", "timeZone": "America/New_York"}
        settings = {k: v for k, v in campaign.items() if k not in ("id", "name")} | hours
        assert admin.put("/api/v1/campaigns/Outbound Sales", json=settings).status_code == 200
    night = a_zone_where_it_is_night()
    asleep = {"leads": [{"phone": "+14155550101", "timeZone": night}]}
    [lead_id] = add_leads(server, asleep).json()["leadIds"]
    bad = add_leads(server, {"leads": [{"phone": "+14155550102", "timeZone": "Mars/Olympus"}]})
    assert bad.status_code == 422
    assert "lead 0: unknown time zone 'Mars/Olympus'" in bad.json()["detail"]
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        campaign_id = outbound_campaign(log_in(toolbar))
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        toolbar.expect_ok("presence.ready")
        snapshot = toolbar.expect_ok("snapshot")["snapshot"]  # the agent's move is applied
        assert snapshot["agent"]["state"] == "ready"
        assert not [e for e in toolbar.events if e.get("event") == "lead.presented"]
    [row] = server.query("SELECT state, zones FROM leads WHERE lead_id = ?", lead_id)
    assert (row["state"], row["zones"]) == ("new", night)  # waiting for its morning, in place
