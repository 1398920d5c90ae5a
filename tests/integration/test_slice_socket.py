"""The slice over a real socket: a real server process, the simulator, SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CRM_ORIGIN
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient


@pytest.fixture
def toolbar(server: AgentbarServer) -> Iterator[ToolbarClient]:
    with ToolbarClient(server.socket_url, origin=server.base_url) as client:
        yield client


def log_in(toolbar: ToolbarClient, user: str = "agent1") -> dict[str, Any]:
    return toolbar.expect_ok(
        "auth.login",
        username=user,
        password=user,
        authPolicy="AUTH_TYPE_PASSWORD",
        crmOrigin=f"{CRM_ORIGIN}/contacts?id=7",
    )


def get_ready(toolbar: ToolbarClient, campaign_id: str) -> None:
    toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
    toolbar.expect_ok("campaign.select", campaignId=campaign_id)
    toolbar.expect_ok("presence.ready")
    toolbar.wait_event("agent.state_changed", state="ready")


def inbound_campaign(answer: dict[str, Any]) -> str:
    campaign_id: str = next(
        c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Inbound Support"
    )
    return campaign_id


def test_a_call_from_ready_to_disposed_is_stored(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    answer = log_in(toolbar)
    assert answer["token"]
    snapshot = answer["snapshot"]
    assert snapshot["agent"]["state"] == "not_ready"
    assert {c["name"] for c in snapshot["campaigns"]} == {"Inbound Support", "Outbound Sales"}
    campaign_id = inbound_campaign(answer)
    get_ready(toolbar, campaign_id)

    call_id = server.place_call("+14085551212")
    pop = toolbar.wait_event("call.connected", call_id=call_id)["data"]
    assert pop["phone"] == "+14085551212"
    assert pop["call_type"] == "inbound"
    assert pop["campaign_name"] == "Inbound Support"
    assert pop["user_crt"] != pop["customer_crt"]

    toolbar.expect_ok("showcrm.ack", requestId=pop["show_crm_request_id"], recordId="contact-7")
    server.customer_hangs_up(call_id)
    ended = toolbar.wait_event("call.ended", call_id=call_id)["data"]
    assert ended["ended_by"] == "customer"
    assert (ended["user_crt"], ended["customer_crt"]) == (pop["user_crt"], pop["customer_crt"])
    toolbar.wait_event("agent.state_changed", state="wrap_up")

    codes = toolbar.expect_ok("disposition.list")["dispositionCodes"]
    assert codes == [
        {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]},
        {"dispositionClass": "Follow Up", "dispositionCodes": ["Callback", "Escalated"]},
    ]
    toolbar.expect_ok("disposition.dispose", code="Sale", note="bought the plan")
    toolbar.wait_event("call.disposed", call_id=call_id)
    toolbar.wait_event("agent.state_changed", state="ready")
    toolbar.expect_ok("auth.logout")

    [row] = server.query("SELECT * FROM calls WHERE call_id = ?", call_id)
    assert row["state"] == "disposed"
    assert row["agent_id"] == "agent1"
    assert (row["disposition_class"], row["disposition_code"]) == ("Resolved", "Sale")
    assert row["disposition_note"] == "bought the plan"
    assert row["record_id"] == "contact-7"
    assert row["ended_by"] == "customer"
    [session] = server.query("SELECT * FROM sessions")
    assert session["end_reason"] == "agent logout"
    seqs = [r["seq"] for r in server.query("SELECT seq FROM events ORDER BY rowid")]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


def test_agent_hangup_ends_the_call_and_opens_wrap_up(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call()
    toolbar.wait_event("call.connected", call_id=call_id)
    toolbar.expect_ok("call.hangup")
    assert toolbar.wait_event("call.ended", call_id=call_id)["data"]["ended_by"] == "agent"
    toolbar.wait_event("agent.state_changed", state="wrap_up")


def test_a_call_waits_in_queue_until_an_agent_is_ready(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    answer = log_in(toolbar)
    call_id = server.place_call()
    get_ready(toolbar, inbound_campaign(answer))
    assert toolbar.wait_event("call.connected")["data"]["call_id"] == call_id


def test_a_record_set_by_crt_id_is_stored_and_a_snapshot_is_read_afresh(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    # The CRM's setRecordInfoForCrt and refreshTelephony, as the toolbar sends them.
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call("+14085550199")
    pop = toolbar.wait_event("call.connected", call_id=call_id)["data"]

    snapshot = toolbar.expect_ok("snapshot")["snapshot"]
    assert snapshot["agent"]["state"] == "on_call"
    assert snapshot["call"]["callId"] == call_id

    refused = toolbar.request("call.record", crtObjectId="no-such-crt", recordId="rec-1")
    assert refused["error"]["code"] == "unknown_call"
    toolbar.expect_ok("call.record", crtObjectId=pop["customer_crt"], recordId="contact-42")
    [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
    assert row["record_id"] == "contact-42"
    toolbar.expect_ok("call.record", crtObjectId=pop["user_crt"], recordId="contact-43")
    [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
    assert row["record_id"] == "contact-43"
