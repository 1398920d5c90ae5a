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
    pop = toolbar.wait_event("call.connected", callId=call_id)["data"]
    assert pop["phone"] == "+14085551212"
    assert pop["callType"] == "inbound"
    assert pop["campaignName"] == "Inbound Support"
    assert pop["userCrt"] != pop["customerCrt"]

    toolbar.expect_ok("screen_pop.ack", screenPopId=pop["screenPopId"], recordId="contact-7")
    server.customer_hangs_up(call_id)
    ended = toolbar.wait_event("call.ended", callId=call_id)["data"]
    assert ended["endedBy"] == "customer"
    assert (ended["userCrt"], ended["customerCrt"]) == (pop["userCrt"], pop["customerCrt"])
    toolbar.wait_event("agent.state_changed", state="wrap_up")

    codes = toolbar.expect_ok("disposition.list")["dispositionCodes"]
    assert codes == [
        {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]},
        {"dispositionClass": "Follow Up", "dispositionCodes": ["Callback", "Escalated"]},
    ]
    toolbar.expect_ok("disposition.dispose", code="Sale", note="bought the plan")
    toolbar.wait_event("call.disposed", callId=call_id)
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
    toolbar.wait_event("call.connected", callId=call_id)
    toolbar.expect_ok("call.hangup")
    assert toolbar.wait_event("call.ended", callId=call_id)["data"]["endedBy"] == "agent"
    toolbar.wait_event("agent.state_changed", state="wrap_up")


def test_a_call_waits_in_queue_until_an_agent_is_ready(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    answer = log_in(toolbar)
    call_id = server.place_call()
    get_ready(toolbar, inbound_campaign(answer))
    assert toolbar.wait_event("call.connected")["data"]["callId"] == call_id


def test_a_record_set_by_crt_id_is_stored_and_a_snapshot_is_read_afresh(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    # The CRM's setRecordInfoForCrt and refreshTelephony, as the toolbar sends them.
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call("+14085550199")
    pop = toolbar.wait_event("call.connected", callId=call_id)["data"]

    snapshot = toolbar.expect_ok("snapshot")["snapshot"]
    assert snapshot["agent"]["state"] == "on_call"
    assert snapshot["call"]["callId"] == call_id

    refused = toolbar.request("call.record", callRef="no-such-crt", recordId="rec-1")
    assert refused["error"]["code"] == "unknown_call"
    toolbar.expect_ok("call.record", callRef=pop["customerCrt"], recordId="contact-42")
    [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
    assert row["record_id"] == "contact-42"
    toolbar.expect_ok("call.record", callRef=pop["userCrt"], recordId="contact-43")
    [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
    assert row["record_id"] == "contact-43"


def test_a_view_follows_each_event_that_changed_it(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    # The toolbar draws these views as they come: the server, not the page, works them out.
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call("+14085551212")
    connected = toolbar.wait_event("call.connected", callId=call_id)["data"]
    talking = toolbar.wait_view(state="on_call")
    call = talking["view"]["call"]
    assert (call["callId"], call["state"], call["phone"]) == (call_id, "connected", "+14085551212")
    assert (call["userCrt"], call["customerCrt"]) == (
        connected["userCrt"],
        connected["customerCrt"],
    )
    assert call["screenPopId"] == connected["screenPopId"]
    assert set(talking["view"]) == {"agent", "call", "lead"}

    server.customer_hangs_up(call_id)
    wrap_up = toolbar.wait_view(state="wrap_up")
    assert wrap_up["view"]["call"]["state"] == "wrap_up"
    toolbar.expect_ok("disposition.dispose", code="Sale")
    toolbar.wait_event("call.disposed", callId=call_id)
    ready = toolbar.wait_view(state="ready")
    assert ready["view"]["call"] is None
    toolbar.expect_ok("ping")  # every frame before its answer has arrived
    # A view is sent right after the event that changed it, so it names that event's seq.
    views = [talking, wrap_up, ready, *toolbar.views]
    assert [v["seq"] for v in views] == sorted({v["seq"] for v in views})
    [stored] = server.query(
        "SELECT COUNT(*) AS n FROM events WHERE seq IN ({})".format(
            ",".join(str(v["seq"]) for v in views)
        )
    )
    assert stored["n"] == len(views)


def test_the_events_of_one_move_go_out_together_and_then_one_view(
    server: AgentbarServer, toolbar: ToolbarClient
) -> None:
    # A view drawn between them would hold back the toolbar's handling of the screen pop.
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call("+14085551212")
    frames = [toolbar.receive()]
    while "view" not in frames[-1] or frames[-1]["view"]["agent"]["state"] != "on_call":
        frames.append(toolbar.receive())
    kinds = [f.get("event", "view") for f in frames if "re" not in f]
    answered = kinds.index("call.connected")
    assert kinds[answered - 1 :] == [
        "agent.state_changed",
        "call.connected",
        "call.screen_pop",
        "view",
    ]
    pop, view = frames[-2], frames[-1]
    assert pop["data"]["callId"] == call_id
    assert view["seq"] == pop["seq"]  # it names the last event sent before it
    assert view["view"]["call"]["callId"] == call_id
