"""Sessions and presence over real sockets: force login, supervisor logout, idle timeout,
campaign auto-select, breaks and auto-call — a real server process, the simulator, SQLite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentbar.auth.passwords import Passwords
from agentbar.demo import DEMO_PLAN
from agentbar.domain.model.campaign import CampaignKind
from agentbar.ports import Catalog
from tests.conftest import CRM_ORIGIN
from tests.integration.test_bad_input import stored_counts
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

CLOSE_SESSION_ENDED = 4001


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def login_fields(user: str = "agent1", force: bool = False) -> dict[str, Any]:
    return {
        "username": user,
        "password": user,
        "authPolicy": "AUTH_TYPE_PASSWORD",
        "crmOrigin": f"{CRM_ORIGIN}/contacts",
        "force": force,
    }


def campaign_named(answer: dict[str, Any], name: str) -> str:
    campaign_id: str = next(c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == name)
    return campaign_id


def supervisor_logout(server: AgentbarServer, agent_id: str) -> httpx.Response:
    with server.admin() as admin:
        return admin.post(f"/api/v1/agents/{agent_id}/logout")


# -- force login ----------------------------------------------------------------------------


def test_a_force_login_takes_over_the_agent_as_it_is(server: AgentbarServer) -> None:
    with toolbar_for(server) as old, toolbar_for(server) as new:
        first = log_in(old)
        campaign_id = inbound_campaign(first)
        get_ready(old, campaign_id)
        call_id = server.place_call()
        old.wait_event("call.connected", callId=call_id)

        refused = new.request("auth.login", **login_fields())
        assert refused["error"] == {
            "code": "force_login_required",
            "message": "force login required",
        }
        answer = new.expect_ok("auth.login", **login_fields(force=True))
        assert answer["forced"] is True
        agent, call = answer["snapshot"]["agent"], answer["snapshot"]["call"]
        assert (agent["state"], agent["campaignId"]) == ("on_call", campaign_id)
        assert agent["extension"] == {"name": "SIP 1001", "phone": "1001", "kind": "phone"}
        assert call["callId"] == call_id

        assert old.wait_event("session.ended")["data"]["reason"] == "force login"
        assert old.wait_closed() == (CLOSE_SESSION_ENDED, "force login")
        with toolbar_for(server) as third:
            resumed = third.request("auth.resume", token=first["token"], crmOrigin=CRM_ORIGIN)
        assert resumed["error"] == {"code": "invalid_session", "message": "invalid sessionId"}

        # the call goes on, now with the new session's toolbar
        server.customer_hangs_up(call_id)
        assert new.wait_event("call.ended", callId=call_id)["data"]["endedBy"] == "customer"
        new.expect_ok("disposition.dispose", code="Sale")
        new.wait_event("agent.state_changed", state="ready")

    sessions = server.query("SELECT end_reason FROM sessions ORDER BY created_at")
    assert [s["end_reason"] for s in sessions] == ["force login", None]
    [row] = server.query("SELECT state, disposition_code FROM calls WHERE call_id = ?", call_id)
    assert (row["state"], row["disposition_code"]) == ("disposed", "Sale")


# -- supervisor logout ----------------------------------------------------------------------


def test_a_supervisor_logout_closes_the_call_and_the_toolbar(server: AgentbarServer) -> None:
    with toolbar_for(server) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        call_id = server.place_call()
        toolbar.wait_event("call.connected", callId=call_id)
        toolbar.request("ping")  # every event before it has arrived...
        toolbar.events.clear()  # ...and is forgotten

        response = supervisor_logout(server, "agent1")
        assert (response.status_code, response.content) == (204, b"")
        assert toolbar.wait_closed() == (CLOSE_SESSION_ENDED, "supervisor logout")

    # what the toolbar was told, in order, before its socket closed
    told = [(e["event"], e["data"]) for e in toolbar.events]
    kinds = [kind for kind, _ in told]
    assert kinds == [
        "call.ended",
        "call.disposed",
        "agent.state_changed",
        "agent.logged_out",
        "session.ended",
    ]
    assert told[0][1]["endedBy"] == "system"
    assert (told[1][1]["disposedBy"], told[1][1]["dispositionCode"]) == ("system", "Info Given")
    assert told[2][1] == {
        "agentId": "agent1",
        "state": "logged_out",
        "reason": "supervisor logout",
    }
    assert told[4][1]["reason"] == "supervisor logout"
    [row] = server.query("SELECT state, ended_by, disposition_code FROM calls")
    assert (row["state"], row["ended_by"], row["disposition_code"]) == (
        "disposed",
        "system",
        "Info Given",
    )
    [session] = server.query("SELECT end_reason FROM sessions")
    assert session["end_reason"] == "supervisor logout"
    # and the agent may log in again, from scratch
    with toolbar_for(server) as again:
        assert log_in(again)["snapshot"]["agent"]["state"] == "not_ready"


def test_a_supervisor_logout_without_an_active_session_is_refused(server: AgentbarServer) -> None:
    never = supervisor_logout(server, "agent1")
    unknown = supervisor_logout(server, "nobody")
    assert (never.status_code, never.json()) == (
        404,
        {"detail": "agent 'agent1' has no active session"},
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": "agent 'nobody' has no active session"},
    )
    url = f"{server.base_url}/api/v1/agents/agent1/logout"
    with toolbar_for(server) as toolbar:
        log_in(toolbar)
        before = stored_counts(server)
        assert httpx.post(url).status_code == 401
        wrong = httpx.post(url, headers={"Authorization": "Bearer not-" + ADMIN_TOKEN})
        assert wrong.status_code == 403
        assert stored_counts(server) == before
        toolbar.expect_ok("ping")  # still logged in
        assert supervisor_logout(server, "agent1").status_code == 204
        toolbar.wait_closed()
    assert supervisor_logout(server, "agent1").status_code == 404


# -- idle timeout ---------------------------------------------------------------------------


@pytest.fixture
def quick_idle_server(tmp_path: Path) -> Iterator[AgentbarServer]:
    env = {"AGENTBAR_IDLE_TIMEOUT": "1"}
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], env) as running:
        yield running


def wait_for_session_end(server: AgentbarServer, deadline: float = 10.0) -> str:
    """The end reason of the only session once it has one. The server process publishes
    nothing a test can wait on once no socket is open, so this polls its database."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        [row] = server.query("SELECT end_reason FROM sessions")
        if row["end_reason"] is not None:
            reason: str = row["end_reason"]
            return reason
        time.sleep(0.05)
    raise AssertionError(f"the session did not end within {deadline} s")


def test_a_session_left_without_a_toolbar_is_logged_out(quick_idle_server: AgentbarServer) -> None:
    server = quick_idle_server
    with toolbar_for(server) as toolbar:
        answer = log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
    assert wait_for_session_end(server) == "idle timeout"
    with toolbar_for(server) as toolbar:
        resumed = toolbar.request("auth.resume", token=answer["token"], crmOrigin=CRM_ORIGIN)
        assert resumed["error"]["code"] == "invalid_session"
        # logged out in the domain too: a fresh login needs no force and starts from scratch
        again = log_in(toolbar)
        assert again["forced"] is False
        assert again["snapshot"]["agent"]["extension"] is None
    kinds = [r["kind"] for r in server.query("SELECT kind FROM events ORDER BY seq")]
    assert kinds.index("agent.logged_out") < kinds.index("session.ended")


# -- campaign auto-select -------------------------------------------------------------------


def provision_solo(catalog: Catalog) -> None:
    """An agent assigned to Inbound Support only."""
    catalog.upsert_agent("solo", "Solo Agent", Passwords(memory_kib=8, time_cost=1).hash("solo"))
    catalog.upsert_campaign("Inbound Support", CampaignKind.INBOUND, DEMO_PLAN, ["solo"])


@pytest.fixture
def solo_server(tmp_path: Path) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], provision=provision_solo) as running:
        yield running


def test_an_agent_with_one_campaign_works_in_it_from_login(solo_server: AgentbarServer) -> None:
    server = solo_server
    with toolbar_for(server) as toolbar:
        answer = log_in(toolbar, "solo")
        [campaign] = answer["snapshot"]["campaigns"]
        assert campaign["name"] == "Inbound Support"
        assert answer["snapshot"]["agent"]["campaignId"] == campaign["id"]
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("presence.ready")  # no campaign.select needed
        toolbar.wait_event("agent.state_changed", state="ready")
    [selected] = server.query(
        "SELECT data FROM events WHERE agent_id = 'solo' AND kind = 'agent.campaign_selected'"
    )
    assert '"campaignName": "Inbound Support"' in selected["data"]
    with toolbar_for(server) as toolbar:
        assert log_in(toolbar, "agent1")["snapshot"]["agent"]["campaignId"] is None


# -- breaks ---------------------------------------------------------------------------------


def test_a_break_with_a_configured_reason(server: AgentbarServer) -> None:
    with toolbar_for(server) as toolbar:
        answer = log_in(toolbar)
        assert answer["snapshot"]["breakReasons"] == [
            {"name": "Training", "productive": True},
            {"name": "Snacks", "productive": False},
            {"name": "Lunch", "productive": False},
            {"name": "Unavailable", "productive": False},
        ]
        toolbar.expect_ok("presence.break", reason="lunch")
        changed = toolbar.wait_event("agent.state_changed", state="break")
        assert changed["data"]["reason"] == "Lunch"

        before = stored_counts(server)
        refused = toolbar.request("presence.break", reason="Nap")
        assert refused["error"]["code"] == "unknown_break_reason"
        assert "Training, Snacks, Lunch, Unavailable" in refused["error"]["message"]
        assert stored_counts(server) == before

        with toolbar_for(server) as tab:
            resumed = tab.expect_ok("auth.resume", token=answer["token"], crmOrigin=CRM_ORIGIN)
        agent = resumed["snapshot"]["agent"]
        assert (agent["state"], agent["breakReason"]) == ("break", "Lunch")


# -- auto-call ------------------------------------------------------------------------------


def test_auto_call_switches_only_in_an_outbound_campaign(server: AgentbarServer) -> None:
    with toolbar_for(server) as toolbar:
        answer = log_in(toolbar)
        assert answer["snapshot"]["agent"]["autoCall"] is False
        inbound, outbound = inbound_campaign(answer), campaign_named(answer, "Outbound Sales")
        before = stored_counts(server)
        unset = toolbar.request("presence.auto_call", on=True)
        assert unset["error"]["code"] == "not_outbound_campaign"
        toolbar.expect_ok("campaign.select", campaignId=inbound)
        before = stored_counts(server)
        wrong = toolbar.request("presence.auto_call", on=True)
        assert wrong["error"] == {
            "code": "not_outbound_campaign",
            "message": "auto-call needs an outbound campaign; 'Inbound Support' is inbound",
        }
        bad = toolbar.request("presence.auto_call", on="yes")
        assert bad["error"]["code"] == "bad_frame"
        assert stored_counts(server) == before

        toolbar.expect_ok("campaign.select", campaignId=outbound)
        toolbar.expect_ok("presence.auto_call", on=True)
        on = toolbar.wait_event("agent.auto_call_changed")
        assert on["data"] == {"agentId": "agent1", "on": True}
        with toolbar_for(server) as tab:
            resumed = tab.expect_ok("auth.resume", token=answer["token"], crmOrigin=CRM_ORIGIN)
        assert resumed["snapshot"]["agent"]["autoCall"] is True

        toolbar.expect_ok("campaign.select", campaignId=inbound)
        assert toolbar.wait_event("agent.auto_call_changed")["data"]["on"] is False
