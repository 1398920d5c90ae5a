"""Outbound calls over the real socket: click-to-dial, manual dial, hold, failures."""

from __future__ import annotations

from typing import Any

from tests.integration.test_bad_input import stored_counts
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient


def outbound_campaign(answer: dict[str, Any]) -> str:
    campaign_id: str = next(
        c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Outbound Sales"
    )
    return campaign_id


def test_click_to_dial_pops_with_the_crm_params_then_connects(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        campaign_id = outbound_campaign(log_in(toolbar))
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        answer = toolbar.expect_ok(
            "call.dial",
            phone="(408) 555-1212",
            callType="click_to_dial",
            customerId="cust-567",
            additionalParams={"leadSource": "web", "url": "https://crm.test/contacts/567"},
        )
        call_id = answer["callId"]
        dialing = toolbar.wait_event("call.dialing", callId=call_id)["data"]
        assert dialing["phone"] == "+14085551212"
        pop = toolbar.wait_event("call.screen_pop", callId=call_id)["data"]
        assert pop["callType"] == "click_to_dial"
        assert pop["campaignName"] == "Outbound Sales"
        assert pop["crmParams"] == {
            "leadSource": "web",
            "url": "https://crm.test/contacts/567",
            "customerId": "cust-567",
        }
        toolbar.wait_event("call.connected", callId=call_id)
        toolbar.wait_event("agent.state_changed", state="on_call")

        toolbar.expect_ok("call.hold")
        toolbar.wait_event("call.held", callId=call_id)
        assert toolbar.request("call.hold")["error"]["code"] == "illegal_transition"
        toolbar.expect_ok("call.resume")
        toolbar.wait_event("call.resumed", callId=call_id)

        toolbar.expect_ok("call.hangup")
        assert toolbar.wait_event("call.ended", callId=call_id)["data"]["endedBy"] == "agent"
        toolbar.expect_ok("disposition.dispose", code="Sale")
        # The agent dialled while not ready, and returns there.
        toolbar.wait_event("agent.state_changed", state="not_ready")

    [row] = server.query("SELECT * FROM calls WHERE call_id = ?", call_id)
    assert (row["call_type"], row["state"], row["disposition_code"]) == (
        "click_to_dial",
        "disposed",
        "Sale",
    )
    assert row["phone"] == "+14085551212"


def test_a_bad_number_or_a_missing_extension_dials_nothing(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar)
        no_extension = toolbar.request("call.dial", phone="+14085551212")
        assert no_extension["error"]["code"] == "not_set_up"
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        before = stored_counts(server)
        bad = toolbar.request("call.dial", phone="call me maybe")
        assert bad["error"]["code"] == "invalid_phone"
        huge = toolbar.request(
            "call.dial", phone="+14085551212", additionalParams={"blob": "x" * 5000}
        )
        assert huge["error"]["code"] == "bad_frame"
        assert "additionalParams" in huge["error"]["message"]
        assert stored_counts(server) == before


def test_dispose_and_dial_disposes_then_dials_at_once(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = log_in(toolbar)
        inbound = next(
            c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Inbound Support"
        )
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=inbound)
        toolbar.expect_ok("presence.ready")
        first = server.place_call("+14085550001")
        toolbar.wait_event("call.connected", callId=first)
        server.customer_hangs_up(first)
        toolbar.wait_event("agent.state_changed", state="wrap_up")

        refused = toolbar.request(
            "disposition.dispose_and_dial", code="Callback", phone="+14085550002"
        )
        assert refused["error"]["code"] == "callback_not_allowed"
        next_call = toolbar.expect_ok(
            "disposition.dispose_and_dial", code="Info Given", phone="+14085550002"
        )["callId"]
        toolbar.wait_event("call.disposed", callId=first, dispositionCode="Info Given")
        pop = toolbar.wait_event("call.screen_pop", callId=next_call)["data"]
        assert (pop["callType"], pop["phone"]) == ("manual", "+14085550002")
        toolbar.wait_event("call.connected", callId=next_call)
    states = [
        row["data"]
        for row in server.query(
            "SELECT data FROM events WHERE kind = 'agent.state_changed' ORDER BY seq"
        )
    ]
    # wrap-up went straight to dialling: never ready in between.
    assert '"state": "wrap_up"' in states[-3]
    assert '"state": "dialing"' in states[-2]
    assert '"state": "on_call"' in states[-1]
