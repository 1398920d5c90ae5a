"""Callbacks over the real socket: scheduled by a disposition, dialled when due, kept across
a restart of the server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient


def in_wrap_up(server: AgentbarServer, toolbar: ToolbarClient) -> str:
    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    call_id = server.place_call("+14085550042")
    toolbar.wait_event("call.connected", callId=call_id)
    server.customer_hangs_up(call_id)
    toolbar.wait_event("agent.state_changed", state="wrap_up")
    return call_id


def test_a_self_callback_is_dialled_when_it_falls_due(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        in_wrap_up(server, toolbar)
        at = datetime.now(UTC) + timedelta(seconds=1.5)
        answer = toolbar.expect_ok(
            "disposition.dispose",
            code="Callback",
            callback={"at": at.isoformat(), "selfCallback": True, "params": {"ticket": "T-9"}},
        )
        callback_id = answer["callbackId"]
        scheduled = toolbar.wait_event("callback.scheduled", callbackId=callback_id)["data"]
        assert scheduled["forAgent"] == "agent1"
        assert abs(scheduled["dueAt"] - at.timestamp()) < 0.001
        toolbar.wait_event("agent.state_changed", state="ready")
        pop = toolbar.wait_event("call.screen_pop", callType="callback", timeout=10)["data"]
        assert pop["phone"] == "+14085550042"
        assert pop["crmParams"] == {"ticket": "T-9", "callbackId": callback_id}
    [row] = server.query("SELECT state, call_id FROM callbacks")
    assert (row["state"], row["call_id"]) == ("dialled", pop["callId"])


def test_a_callback_time_without_zone_or_in_the_past_is_refused(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        in_wrap_up(server, toolbar)
        naive = toolbar.request(
            "disposition.dispose", code="Callback", callback={"at": "2030-01-01T10:00:00"}
        )
        assert naive["error"]["code"] == "bad_frame"
        assert "timezone" in naive["error"]["message"]
        past = toolbar.request(
            "disposition.dispose",
            code="Callback",
            callback={"at": "2020-01-01T10:00:00+00:00"},
        )
        assert past["error"] == {
            "code": "invalid_callback",
            "message": "the callback time must be in the future",
        }
        assert server.query("SELECT count(*) AS n FROM callbacks")[0]["n"] == 0
        toolbar.expect_ok("disposition.dispose", code="Sale")


def test_scheduled_callbacks_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN]) as first:
        toolbar = ToolbarClient(first.socket_url, origin=first.base_url)
        in_wrap_up(first, toolbar)
        at = datetime.now(UTC) + timedelta(hours=2)
        toolbar.expect_ok("disposition.dispose", code="Callback", callback={"at": at.isoformat()})
        toolbar.close()
    with agentbar_server(data_dir, [CRM_ORIGIN]) as second:
        assert "restored 1 scheduled callback(s)" in second.log()
        [row] = second.query("SELECT state, for_agent FROM callbacks")
        assert (row["state"], row["for_agent"]) == ("scheduled", None)
