"""What only real SIP phones can show: audio flowing between them and not through agentbar, the
order in which click-to-dial rings, a phone that rings out, a wrong password, a hang-up on the
agent's own phone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agentbar.domain.model.commands import (
    AgentAnswered,
    AgentDidNotAnswer,
    CallEnded,
    CustomerAnswered,
)
from agentbar.domain.model.instructions import DialOut, EndCall, OfferToAgent
from tests.contract.lines import CUSTOMER, OUTBOUND_NUMBER, SipLines
from tests.support.baresip import dominant_frequency, have_baresip, phone

pytestmark = pytest.mark.sip

AGENT_TONE, CUSTOMER_TONE = 1000.0, 440.0


@pytest.fixture
async def sip(tmp_path: Path) -> AsyncIterator[SipLines]:
    if not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup --sip installs it")
    async with AsyncExitStack() as stack:
        lines = SipLines(tmp_path, stack)
        await lines.open(ring_timeout=1.0)
        yield lines


async def answered_inbound(sip: SipLines) -> str:
    await sip.agent_phone("1001")
    arrived = await sip.customer_calls()
    await sip.driver.execute(OfferToAgent(arrived.call_id, "crt-1", "1001"))
    await sip.next_signal(AgentAnswered)
    await sip.talking(arrived.call_id, "1001")
    await sip.talking(arrived.call_id, CUSTOMER)
    return arrived.call_id


async def test_audio_flows_between_the_phones_both_ways(sip: SipLines) -> None:
    call_id = await answered_inbound(sip)
    agent, customer = sip.phones["1001"], sip.customer
    assert customer is not None
    await asyncio.gather(
        asyncio.to_thread(agent.wait_recorded, 1.5),
        asyncio.to_thread(customer.wait_recorded, 1.5),
    )
    await sip.driver.execute(EndCall(call_id))
    await sip.next_signal(CallEnded)
    await sip.left(call_id, "1001")
    await sip.left(call_id, CUSTOMER)
    assert dominant_frequency(customer.recording("dec")) == pytest.approx(AGENT_TONE, rel=0.05)
    assert dominant_frequency(agent.recording("dec")) == pytest.approx(CUSTOMER_TONE, rel=0.05)


async def test_media_goes_straight_between_the_phones(sip: SipLines) -> None:
    await answered_inbound(sip)
    agent, customer = sip.phones["1001"], sip.customer
    assert customer is not None
    await asyncio.to_thread(agent.wait_event, "CALL_RTPESTAB")
    # baresip logs where its RTP comes from: the customer's own RTP port, not agentbar.
    log = (agent.workdir / "baresip.log").read_text(errors="replace")
    assert f"receiving from 127.0.0.1:{customer.rtp_port}" in log


async def test_click_to_dial_rings_the_agent_before_the_customer(sip: SipLines) -> None:
    await sip.agent_phone("1001", answers=False)
    agent = sip.phones["1001"]
    assert sip.trunk is not None
    await sip.driver.execute(DialOut("call-1", "crt-a", "1001", "crt-c", OUTBOUND_NUMBER))
    ringing = await asyncio.to_thread(agent.wait_event, "CALL_INCOMING")
    # The agent's phone shows whom it is calling.
    assert OUTBOUND_NUMBER in ringing.data["peeruri"]
    # While the agent's phone rings, the customer's (auto-answering) phone is not called.
    with pytest.raises(TimeoutError):
        await sip.next_signal(CustomerAnswered, within=0.5)
    assert not sip.trunk.has_seen("CALL_REMOTE_SDP")
    await asyncio.to_thread(agent.accept)
    await sip.next_signal(CustomerAnswered)
    await sip.talking("call-1", "1001")
    await sip.talking("call-1", OUTBOUND_NUMBER)
    await sip.driver.execute(EndCall("call-1"))
    await sip.next_signal(CallEnded)


async def test_the_agent_hanging_up_on_the_phone_ends_both_legs(sip: SipLines) -> None:
    call_id = await answered_inbound(sip)
    await asyncio.to_thread(sip.phones["1001"].hang_up)
    ended = await sip.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == (call_id, "agent")
    await sip.left(call_id, CUSTOMER)


async def test_a_phone_that_rings_out_is_reported_as_not_answering(sip: SipLines) -> None:
    await sip.agent_phone("1001", answers=False)
    arrived = await sip.customer_calls()
    await sip.driver.execute(OfferToAgent(arrived.call_id, "crt-1", "1001"))
    await asyncio.to_thread(sip.phones["1001"].wait_event, "CALL_INCOMING")
    missed = await sip.next_signal(AgentDidNotAnswer, within=5.0)
    assert missed.user_crt == "crt-1"
    await sip.left(arrived.call_id, "1001")  # the ringing was cancelled
    await sip.customer_hangs_up(arrived.call_id)
    assert (await sip.next_signal(CallEnded)).ended_by == "customer"


async def test_an_unregistered_extension_does_not_answer(sip: SipLines) -> None:
    arrived = await sip.customer_calls()
    await sip.driver.execute(OfferToAgent(arrived.call_id, "crt-1", "1009"))
    assert (await sip.next_signal(AgentDidNotAnswer)).user_crt == "crt-1"


async def test_a_wrong_password_is_refused(sip: SipLines, tmp_path: Path) -> None:
    host, port = sip.driver.address
    account = f"<sip:1001@{host}:{port}>;auth_pass=wrong;regint=300"
    with phone(tmp_path, "intruder", account, tone=tmp_path / "agent.wav") as intruder:
        await asyncio.to_thread(intruder.wait_event, "REGISTER_FAIL")
        assert sip.driver.registrar.lookup("1001") is None
        await asyncio.to_thread(intruder.stop)


async def test_ring_all_gives_the_call_to_the_first_phone_and_hangs_up_the_other(
    sip: SipLines,
) -> None:
    await sip.agent_phone("1001")
    await sip.agent_phone("1002")
    arrived = await sip.customer_calls()
    await sip.driver.execute(OfferToAgent(arrived.call_id, "crt-1", "1001"))
    await sip.driver.execute(OfferToAgent(arrived.call_id, "crt-2", "1002"))
    answered = await sip.next_signal(AgentAnswered)
    winner, loser = ("1001", "1002") if answered.user_crt == "crt-1" else ("1002", "1001")
    await sip.talking(arrived.call_id, winner)
    await sip.left(arrived.call_id, loser)
    assert sip.queue.empty()  # no second answer reported
    await sip.customer_hangs_up(arrived.call_id)
    assert (await sip.next_signal(CallEnded)).ended_by == "customer"
    await sip.left(arrived.call_id, winner)


async def test_the_agent_holding_on_the_phone_keeps_the_call(sip: SipLines) -> None:
    call_id = await answered_inbound(sip)
    agent = sip.phones["1001"]
    answer = await asyncio.to_thread(agent.command, "hold")
    assert answer["ok"], answer
    # agentbar answers the phone's re-INVITE (a sendonly offer) and the call goes on.
    await asyncio.to_thread(
        agent.wait_event, "CALL_REMOTE_SDP", 10.0, lambda e: e.data["param"] == "answer"
    )
    assert (await asyncio.to_thread(agent.command, "resume"))["ok"]
    await asyncio.to_thread(
        agent.wait_event, "CALL_REMOTE_SDP", 10.0, lambda e: e.data["param"] == "answer"
    )
    assert not agent.has_seen("CALL_CLOSED")
    await sip.customer_hangs_up(call_id)
    assert (await sip.next_signal(CallEnded)).ended_by == "customer"
