"""Transfers and conferences over the real socket: a real server process, the simulator
(whose external numbers and phones answer at once), SQLite.

Each of the ten requests of the CRM API (transferToPhone, -InCall, -AQ, -IVR, -User,
-Campaign; conferWithPhone, -TPV, -User, -LocalIVR) reaches the toolbar as one event whose
data the CRM bridge turns into the handler's userCustomerCRTInfo; these tests check that data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.conftest import CRM_ORIGIN
from tests.integration.test_bad_input import stored_counts
from tests.integration.test_slice_socket import inbound_campaign, log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

TARGET = "+14155550100"


class Desk:
    """An agent's toolbar, logged in and set up in Inbound Support."""

    def __init__(self, toolbar: ToolbarClient, user: str, phone: str) -> None:
        self.toolbar = toolbar
        answer = log_in(toolbar, user)
        self.token: str = answer["token"]
        self.campaigns = {c["name"]: c["id"] for c in answer["snapshot"]["campaigns"]}
        self.support = inbound_campaign(answer)
        toolbar.expect_ok("extension.select", name=f"SIP {phone}", phone=phone)
        toolbar.expect_ok("campaign.select", campaignId=self.support)

    def ready(self) -> None:
        self.toolbar.expect_ok("presence.ready")
        self.toolbar.wait_event("agent.state_changed", state="ready")

    def connected(self, server: AgentbarServer) -> dict[str, Any]:
        call_id = server.place_call("+14085551212")
        data: dict[str, Any] = self.toolbar.wait_event("call.connected", callId=call_id)["data"]
        return data

    def dispose(self) -> None:
        self.toolbar.expect_ok("disposition.dispose", code="Sale")
        self.toolbar.wait_event("agent.state_changed", state="ready")


@pytest.fixture
def desks(server: AgentbarServer) -> Iterator[tuple[Desk, Desk]]:
    with ExitStack() as stack:
        clients = [
            stack.enter_context(ToolbarClient(server.socket_url, origin=server.base_url))
            for _ in range(2)
        ]
        yield Desk(clients[0], "agent1", "1001"), Desk(clients[1], "agent2", "1002")


def assert_crt_info(data: dict[str, Any], call: dict[str, Any]) -> None:
    """What becomes userCustomerCRTInfo: both legs' CRT ids, call, campaign, phone."""
    assert (data["callId"], data["campaignId"], data["phone"]) == (
        call["callId"],
        call["campaignId"],
        call["phone"],
    )
    assert (data["userCrt"], data["customerCrt"]) == (call["userCrt"], call["customerCrt"])


def test_blind_transfers_to_a_phone_and_an_ivr(
    server: AgentbarServer, desks: tuple[Desk, Desk]
) -> None:
    one, _ = desks
    one.ready()
    for kind, target, party in (("phone", "(415) 555-0100", TARGET), ("ivr", "survey", "Survey")):
        call = one.connected(server)
        answer = one.toolbar.expect_ok("call.transfer", kind=kind, target=target)
        event = one.toolbar.wait_event("call.transfer_requested", callId=call["callId"])
        data = event["data"]
        assert_crt_info(data, call)
        assert (data["transferKind"], data["target"], data["legId"]) == (
            kind,
            party,
            answer["legId"],
        )
        assert data["legId"] not in (call["userCrt"], call["customerCrt"])
        ended = one.toolbar.wait_event("call.ended", callId=call["callId"])["data"]
        assert ended["endedBy"] == "transfer"
        one.toolbar.wait_event("call.transfer_finished", outcome="completed")
        one.dispose()
        [leg] = server.query(
            "SELECT kind, party, purpose FROM call_legs WHERE leg_id = ?", data["legId"]
        )
        assert tuple(leg) == (kind, party, "transfer")


def test_a_consult_is_completed_or_cancelled(
    server: AgentbarServer, desks: tuple[Desk, Desk]
) -> None:
    one, _ = desks
    one.ready()
    call = one.connected(server)
    answer = one.toolbar.expect_ok("call.transfer", kind="incall", target=TARGET)
    data = one.toolbar.wait_event("call.transfer_requested")["data"]
    assert_crt_info(data, call)
    assert (data["transferKind"], data["legId"]) == ("incall", answer["legId"])
    one.toolbar.wait_event("call.leg_connected", legId=data["legId"])
    # A toolbar that reloads now sees the consult in its snapshot.
    with ToolbarClient(server.socket_url, origin=server.base_url) as reloaded:
        snapshot = reloaded.expect_ok(
            "auth.resume", token=one.token, crmOrigin=f"{CRM_ORIGIN}/contacts"
        )["snapshot"]
    assert (snapshot["call"]["state"], snapshot["call"]["onHold"]) == ("consulting", True)
    assert snapshot["call"]["legs"] == [
        {
            "legId": data["legId"],
            "kind": "phone",
            "party": TARGET,
            "purpose": "consult",
            "state": "connected",
        }
    ]
    cancelled = one.toolbar.expect_ok("call.transfer.cancel")
    assert cancelled["ok"]
    one.toolbar.wait_event("call.transfer_finished", outcome="cancelled")
    one.toolbar.wait_event("call.resumed", callId=call["callId"])

    again = one.toolbar.expect_ok("call.transfer", kind="incall", target=TARGET)
    one.toolbar.wait_event("call.leg_connected", legId=again["legId"])
    one.toolbar.expect_ok("call.transfer.complete")
    one.toolbar.wait_event("call.transfer_finished", outcome="completed")
    assert one.toolbar.wait_event("call.ended")["data"]["endedBy"] == "transfer"
    rows = server.query(
        "SELECT state FROM call_transfers WHERE call_id = ? ORDER BY requested_at, rowid",
        call["callId"],
    )
    assert [r["state"] for r in rows] == ["cancelled", "completed"]


def test_queue_user_and_campaign_transfers_reach_the_other_agent(
    server: AgentbarServer, desks: tuple[Desk, Desk]
) -> None:
    one, two = desks
    one.ready()
    two.ready()
    for kind, target in (
        ("queue", "Inbound Support"),
        ("user", "agent2"),
        ("campaign", one.support),
    ):
        # agent1 became ready first (or just disposed, and agent2 is busy): it gets the call.
        call = one.connected(server)
        answer = one.toolbar.expect_ok("call.transfer", kind=kind, target=target)
        data = one.toolbar.wait_event("call.transfer_requested", callId=call["callId"])["data"]
        assert_crt_info(data, call)
        assert (data["transferKind"], data["newCallId"]) == (kind, answer["newCallId"])
        assert data["legId"] is None
        pop = two.toolbar.wait_event("call.screen_pop", callId=answer["newCallId"])["data"]
        assert pop["callType"] == "inbound"
        assert pop["customerCrt"] == call["customerCrt"]
        assert pop["userCrt"] != call["userCrt"]
        assert pop["crmParams"] == {
            "transferredFrom": call["callId"],
            "transferredBy": "agent1",
            "transferKind": kind,
        }
        one.dispose()
        two.toolbar.expect_ok("call.hangup")
        two.toolbar.wait_event("call.ended", callId=answer["newCallId"])
        two.dispose()
        [row] = server.query(
            "SELECT transferred_from FROM calls WHERE call_id = ?", answer["newCallId"]
        )
        assert row[0] == call["callId"]


def test_the_four_conferences_and_dropping_a_leg(
    server: AgentbarServer, desks: tuple[Desk, Desk]
) -> None:
    one, two = desks
    one.ready()
    call = one.connected(server)
    two.ready()
    legs = {}
    for kind, target, party in (
        ("phone", TARGET, TARGET),
        ("tpv", "+1 415 555 0199", "+14155550199"),
        ("user", "agent2", "agent2"),
        ("ivr", "Main Menu", "Main Menu"),
    ):
        answer = one.toolbar.expect_ok("call.conference", kind=kind, target=target)
        data = one.toolbar.wait_event("call.conference_requested", conferenceKind=kind)["data"]
        assert_crt_info(data, call)
        assert (data["target"], data["legId"]) == (party, answer["legId"])
        one.toolbar.wait_event("call.leg_connected", legId=answer["legId"])
        legs[kind] = answer["legId"]
    joined = two.toolbar.wait_event("call.conference_joined")["data"]
    assert (joined["callId"], joined["hostAgentId"]) == (call["callId"], "agent1")
    two.toolbar.wait_event("agent.state_changed", state="conferencing")
    with ToolbarClient(server.socket_url, origin=server.base_url) as reloaded:
        snapshot = reloaded.expect_ok(
            "auth.resume", token=two.token, crmOrigin=f"{CRM_ORIGIN}/contacts"
        )["snapshot"]
    assert snapshot["agent"]["state"] == "conferencing"
    assert (snapshot["call"]["callId"], snapshot["call"]["role"]) == (call["callId"], "party")
    assert len(set(legs.values()) | {call["userCrt"], call["customerCrt"]}) == 6

    one.toolbar.expect_ok("call.leg.drop", legId=legs["user"])
    one.toolbar.wait_event("call.leg_ended", legId=legs["user"], reason="dropped")
    two.toolbar.wait_event("agent.state_changed", state="ready")
    server.customer_hangs_up(call["callId"])
    one.toolbar.wait_event("call.ended", callId=call["callId"])
    rows = server.query(
        "SELECT kind, end_reason FROM call_legs WHERE call_id = ? ORDER BY position",
        call["callId"],
    )
    assert [tuple(r) for r in rows] == [
        ("customer", "customer"),
        ("agent", "customer"),
        ("phone", "customer"),
        ("tpv", "customer"),
        ("user", "dropped"),
        ("ivr", "customer"),
    ]
    [flag] = server.query("SELECT tpv FROM calls WHERE call_id = ?", call["callId"])
    assert flag[0] == 1


@pytest.mark.parametrize(
    ("cmd", "fields", "code"),
    [
        ("call.transfer", {"kind": "fax", "target": "1"}, "bad_frame"),
        ("call.transfer", {"kind": "phone"}, "bad_frame"),
        ("call.transfer", {"kind": "phone", "target": "call me maybe"}, "invalid_phone"),
        ("call.transfer", {"kind": "ivr", "target": "Billing"}, "unknown_target"),
        ("call.transfer", {"kind": "queue", "target": "Outbound Sales"}, "unknown_target"),
        ("call.transfer", {"kind": "user", "target": "agent2"}, "target_unavailable"),
        ("call.transfer.complete", {}, "no_consult"),
        ("call.transfer.cancel", {}, "no_consult"),
        ("call.conference", {"kind": "tpv", "target": ""}, "bad_frame"),
        ("call.conference", {"kind": "user", "target": "agent1"}, "target_unavailable"),
        ("call.leg.drop", {"legId": "crt-nothing"}, "unknown_leg"),
    ],
)
def test_bad_requests_get_a_specific_error_and_change_nothing(
    server: AgentbarServer,
    desks: tuple[Desk, Desk],
    cmd: str,
    fields: dict[str, Any],
    code: str,
) -> None:
    one, _ = desks
    one.ready()
    call = one.connected(server)
    before = stored_counts(server)
    answer = one.toolbar.request(cmd, **fields)
    assert answer["ok"] is False
    assert answer["error"]["code"] == code, answer
    assert stored_counts(server) == before
    assert server.query("SELECT count(*) FROM call_transfers")[0][0] == 0
    # The call is untouched: still connected to agent1.
    [row] = server.query("SELECT state, agent_id FROM calls WHERE call_id = ?", call["callId"])
    assert tuple(row) == ("connected", "agent1")
