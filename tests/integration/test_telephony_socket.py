"""One socket-level scenario, both telephony drivers: a real agentbar process driven through the
toolbar socket, its calls carried by the simulator or by the SIP driver between real phones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol

import pytest

from examples.services.janus import have_janus, janus_server
from examples.services.prompts import tone
from tests.conftest import CRM_ORIGIN
from tests.integration.test_outbound_socket import outbound_campaign
from tests.integration.test_slice_socket import inbound_campaign, log_in
from tests.support.baresip import Phone, have_baresip, phone, port_block, write_tone
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

CALLER = "+14085551212"
DIALED = "+18005550100"
CALLED = "+14155550123"
PASSWORD = "socket-secret"


class World(Protocol):
    server: AgentbarServer

    def customer_calls(self) -> None: ...

    def customer_hangs_up(self, call_id: str) -> None: ...

    def check_talking(self, *parties: str) -> None:
        """Where phones are real: each of them reports the call established."""
        ...

    def check_hung_up(self, *parties: str) -> None: ...

    def customer_will_key(self, keys: str) -> None:
        """The keys the customer presses when an IVR asks (said before it asks)."""
        ...

    def customer_keys(self) -> None:
        """The IVR asks now: where phones are real, the customer presses the keys."""
        ...


class SimulatedWorld:
    def __init__(self, server: AgentbarServer) -> None:
        self.server = server

    def customer_calls(self) -> None:
        self.server.place_call(CALLER)

    def customer_hangs_up(self, call_id: str) -> None:
        self.server.customer_hangs_up(call_id)

    def check_talking(self, *parties: str) -> None:
        return None  # the simulator has no phones; the toolbar events are the whole check

    def check_hung_up(self, *parties: str) -> None:
        return None

    def customer_will_key(self, keys: str) -> None:
        with self.server.admin() as client:
            client.put(
                f"/api/v1/simulator/customers/{CALLER}", json={"ivrKeys": keys}
            ).raise_for_status()

    def customer_keys(self) -> None:
        return None  # the simulated customer keys as scripted once the IVR answers


class SipWorld:
    def __init__(self, server: AgentbarServer, sip_port: int, phones: dict[str, Phone]) -> None:
        self.server = server
        self.sip_port = sip_port
        self.phones = phones

    def customer_calls(self) -> None:
        self.phones[CALLER].dial(f"sip:{DIALED}@127.0.0.1:{self.sip_port}")

    def customer_hangs_up(self, call_id: str) -> None:
        self.phones[CALLER].hang_up()

    def check_talking(self, *parties: str) -> None:
        for party in parties:
            self.phones[party].wait_event("CALL_ESTABLISHED")

    def check_hung_up(self, *parties: str) -> None:
        for party in parties:
            self.phones[party].wait_event("CALL_CLOSED")

    def customer_will_key(self, keys: str) -> None:
        self.keys = keys

    def customer_keys(self) -> None:
        self.phones[CALLER].command("sndcode", self.keys)  # RFC 4733 events in its RTP


@pytest.fixture(params=["simulator", pytest.param("sip", marks=pytest.mark.sip)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "simulator":
        with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as server:
            yield SimulatedWorld(server)
        return
    if not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup installs it (apt baresip-core)")
    if not have_janus():
        pytest.fail("Janus is not installed: scripts/setup --janus installs it")
    voice = write_tone(tmp_path / "voice.wav", 440)
    with ExitStack() as stack:
        trunk = stack.enter_context(
            phone(
                tmp_path,
                "trunk",
                f"<sip:{CALLED}@127.0.0.1:{{sip_port}}>;regint=0;answermode=auto",
                tone=voice,
            )
        )
        sip_port = port_block(2)  # kept clear of the phones' ports
        janus = stack.enter_context(janus_server())  # mixes the conferences
        prompts = tmp_path / "prompts"
        prompts.mkdir()
        tone(1500.0, prompts / "main-menu.opus")  # what the IVR "Main Menu" says
        env = {
            "AGENTBAR_IVR_PROMPTS": str(prompts),
            "AGENTBAR_JANUS_URL": janus.url,
            "AGENTBAR_JANUS_TOKEN_SECRET": janus.token_secret,
            "AGENTBAR_TELEPHONY": "sip",
            "AGENTBAR_SIP_LISTEN_PORT": str(sip_port),
            # A name, as operators write it: agentbar resolves it once at start.
            "AGENTBAR_SIP_TRUNK": f"localhost:{trunk.sip_port}",
            "AGENTBAR_SIP_PASSWORD": PASSWORD,
            "AGENTBAR_SIP_ROUTES": f"{DIALED}=Inbound Support",
        }
        server = stack.enter_context(agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], env))
        agent = stack.enter_context(
            phone(
                tmp_path,
                "ext1001",
                f"<sip:1001@127.0.0.1:{sip_port}>;auth_pass={PASSWORD};answermode=auto",
                tone=voice,
            )
        )
        agent.wait_event("REGISTER_OK")
        other = stack.enter_context(
            phone(
                tmp_path,
                "ext1002",
                f"<sip:1002@127.0.0.1:{sip_port}>;auth_pass={PASSWORD};answermode=auto",
                tone=voice,
            )
        )
        other.wait_event("REGISTER_OK")
        caller = stack.enter_context(
            phone(tmp_path, "caller", f"<sip:{CALLER}@127.0.0.1:{{sip_port}}>;regint=0", tone=voice)
        )
        phones = {"1001": agent, "1002": other, CALLER: caller, CALLED: trunk}
        yield SipWorld(server, sip_port, phones)


def test_an_inbound_call_is_answered_and_the_customer_hanging_up_ends_it(world: World) -> None:
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        answer = log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=inbound_campaign(answer))
        toolbar.expect_ok("presence.ready")
        toolbar.wait_event("agent.state_changed", state="ready")

        world.customer_calls()
        pop = toolbar.wait_event("call.connected", timeout=10.0)["data"]
        assert (pop["phone"], pop["callType"]) == (CALLER, "inbound")
        assert pop["campaignName"] == "Inbound Support"
        world.check_talking("1001", CALLER)

        world.customer_hangs_up(pop["callId"])
        ended = toolbar.wait_event("call.ended", callId=pop["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "customer"
        assert (ended["userCrt"], ended["customerCrt"]) == (pop["userCrt"], pop["customerCrt"])
        world.check_hung_up("1001")
        toolbar.wait_event("agent.state_changed", state="wrap_up")
        toolbar.expect_ok("disposition.dispose", code="Sale")
        toolbar.wait_event("agent.state_changed", state="ready")


def test_click_to_dial_rings_the_agent_then_the_customer(world: World) -> None:
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        answer = log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=outbound_campaign(answer))
        call_id = toolbar.expect_ok("call.dial", phone="(415) 555-0123", callType="click_to_dial")[
            "callId"
        ]
        assert toolbar.wait_event("call.dialing", callId=call_id)["data"]["phone"] == CALLED
        toolbar.wait_event("call.connected", callId=call_id, timeout=10.0)
        world.check_talking("1001", CALLED)

        toolbar.expect_ok("call.hangup")
        ended = toolbar.wait_event("call.ended", callId=call_id, timeout=10.0)["data"]
        assert ended["endedBy"] == "agent"
        world.check_hung_up("1001", CALLED)
    [row] = world.server.query("SELECT * FROM calls WHERE call_id = ?", call_id)
    assert (row["phone"], row["ended_by"]) == (CALLED, "agent")


def ready_in_support(toolbar: ToolbarClient, user: str, extension: str) -> None:
    answer = log_in(toolbar, user)
    toolbar.expect_ok("extension.select", name=f"SIP {extension}", phone=extension)
    toolbar.expect_ok("campaign.select", campaignId=inbound_campaign(answer))
    toolbar.expect_ok("presence.ready")
    toolbar.wait_event("agent.state_changed", state="ready")


def test_a_transfer_to_another_agent_moves_the_customer_to_their_phone(world: World) -> None:
    url, origin = world.server.socket_url, world.server.base_url
    with ToolbarClient(url, origin=origin) as one, ToolbarClient(url, origin=origin) as two:
        ready_in_support(one, "agent1", "1001")
        world.customer_calls()
        first = one.wait_event("call.connected", timeout=10.0)["data"]
        world.check_talking("1001", CALLER)
        ready_in_support(two, "agent2", "1002")

        one.expect_ok("call.transfer", kind="user", target="agent2")
        assert one.wait_event("call.ended", callId=first["callId"])["data"]["endedBy"] == (
            "transfer"
        )
        second = two.wait_event("call.connected", timeout=10.0)["data"]
        assert second["phone"] == CALLER
        assert second["callId"] != first["callId"]
        world.check_hung_up("1001")
        world.check_talking("1002")

        world.customer_hangs_up(second["callId"])
        ended = two.wait_event("call.ended", callId=second["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "customer"
        world.check_hung_up("1002")


def test_a_blind_transfer_to_a_number_hands_the_customer_over(world: World) -> None:
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        ready_in_support(toolbar, "agent1", "1001")
        world.customer_calls()
        call = toolbar.wait_event("call.connected", timeout=10.0)["data"]
        toolbar.expect_ok("call.transfer", kind="phone", target="(415) 555-0123")
        ended = toolbar.wait_event("call.ended", callId=call["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "transfer"
        toolbar.wait_event("call.transfer_finished", outcome="completed")
        world.check_hung_up("1001")
        world.check_talking(CALLED)
        world.customer_hangs_up(call["callId"])
        world.check_hung_up(CALLED)


def test_a_consult_to_a_number_is_cancelled_then_completed(world: World) -> None:
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        ready_in_support(toolbar, "agent1", "1001")
        world.customer_calls()
        call = toolbar.wait_event("call.connected", timeout=10.0)["data"]
        world.check_talking("1001", CALLER)

        consult = toolbar.expect_ok("call.transfer", kind="incall", target=CALLED)
        toolbar.wait_event("call.leg_connected", legId=consult["legId"], timeout=10.0)
        world.check_talking(CALLED)
        toolbar.expect_ok("call.transfer.cancel")
        toolbar.wait_event("call.transfer_finished", outcome="cancelled")
        toolbar.wait_event("call.resumed", callId=call["callId"])
        world.check_hung_up(CALLED)

        again = toolbar.expect_ok("call.transfer", kind="incall", target=CALLED)
        toolbar.wait_event("call.leg_connected", legId=again["legId"], timeout=10.0)
        world.check_talking(CALLED)
        toolbar.expect_ok("call.transfer.complete")
        toolbar.wait_event("call.transfer_finished", outcome="completed")
        ended = toolbar.wait_event("call.ended", callId=call["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "transfer"
        world.check_hung_up("1001")
        world.customer_hangs_up(call["callId"])
        world.check_hung_up(CALLED)


def test_a_conference_with_a_number_an_agent_and_an_ivr_then_one_dropped(world: World) -> None:
    url, origin = world.server.socket_url, world.server.base_url
    with ToolbarClient(url, origin=origin) as one, ToolbarClient(url, origin=origin) as two:
        ready_in_support(one, "agent1", "1001")
        world.customer_calls()
        call = one.wait_event("call.connected", timeout=10.0)["data"]
        world.check_talking("1001", CALLER)
        ready_in_support(two, "agent2", "1002")

        phone_leg = one.expect_ok("call.conference", kind="phone", target=CALLED)["legId"]
        one.wait_event("call.leg_connected", legId=phone_leg, timeout=10.0)
        world.check_talking(CALLED)
        user_leg = one.expect_ok("call.conference", kind="user", target="agent2")["legId"]
        one.wait_event("call.leg_connected", legId=user_leg, timeout=10.0)
        two.wait_event("agent.state_changed", state="conferencing")
        world.check_talking("1002")

        ivr_leg = one.expect_ok("call.conference", kind="ivr", target="Main Menu")["legId"]
        one.wait_event("call.leg_connected", legId=ivr_leg, timeout=10.0)

        one.expect_ok("call.leg.drop", legId=user_leg)
        one.wait_event("call.leg_ended", legId=user_leg, reason="dropped")
        world.check_hung_up("1002")
        two.wait_event("agent.state_changed", state="ready")

        world.customer_hangs_up(call["callId"])
        ended = one.wait_event("call.ended", callId=call["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "customer"
        world.check_hung_up("1001", CALLED)


def test_an_ivr_conferenced_in_collects_the_customers_keys_for_the_agent(world: World) -> None:
    with world.server.admin() as client:
        ivr = {"collectDigits": {"maxDigits": 6, "terminator": "#", "timeoutSeconds": 10}}
        client.put("/api/v1/ivrs/Main Menu", json=ivr).raise_for_status()
    world.customer_will_key("2024#")
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        ready_in_support(toolbar, "agent1", "1001")
        world.customer_calls()
        call = toolbar.wait_event("call.connected", timeout=10.0)["data"]
        world.check_talking("1001", CALLER)
        leg = toolbar.expect_ok("call.conference", kind="ivr", target="Main Menu")["legId"]
        toolbar.wait_event("call.leg_connected", legId=leg, timeout=10.0)
        world.customer_keys()
        keyed = toolbar.wait_event("call.ivr_digits", legId=leg, timeout=10.0)["data"]
        assert keyed == {
            "callId": call["callId"],
            "agentId": "agent1",
            "legId": leg,
            "ivr": "Main Menu",
            "digits": "2024",
            "endedBy": "terminator",
        }
        world.customer_hangs_up(call["callId"])
        toolbar.wait_event("call.ended", callId=call["callId"], timeout=10.0)


def test_a_transfer_to_an_ivr_hands_the_customer_over(world: World) -> None:
    with ToolbarClient(world.server.socket_url, origin=world.server.base_url) as toolbar:
        ready_in_support(toolbar, "agent1", "1001")
        world.customer_calls()
        call = toolbar.wait_event("call.connected", timeout=10.0)["data"]
        world.check_talking("1001", CALLER)
        toolbar.expect_ok("call.transfer", kind="ivr", target="Main Menu")
        ended = toolbar.wait_event("call.ended", callId=call["callId"], timeout=10.0)["data"]
        assert ended["endedBy"] == "transfer"
        toolbar.wait_event("call.transfer_finished", outcome="completed")
        world.check_hung_up("1001")
        world.customer_hangs_up(call["callId"])
        world.check_hung_up(CALLER)
