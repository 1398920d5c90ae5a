"""Conferences and consultations on SIP, heard: real baresip phones each playing its own tone,
Janus's AudioBridge mixing the conference. Each party of a three-party conference hears the
other two and not itself; a completed consult leaves the customer hearing the target."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agentbar.domain.model.commands import AgentAnswered, DigitsCollected, LegAnswered, LegEnded
from agentbar.domain.model.instructions import (
    AddLeg,
    CompleteConsult,
    ConsultCall,
    EndCall,
    OfferToAgent,
    TransferCall,
)
from agentbar.domain.model.ivr import DigitCollection
from agentbar.domain.model.legs import LegKind
from agentbar.drivers.media.janus import JanusClient
from examples.services.janus import have_janus, janus_server
from examples.services.prompts import have_prompt_tools, tone
from tests.contract.lines import CUSTOMER, SipLines
from tests.support.audio import WAV_HEADER, latest_recording, tone_level
from tests.support.baresip import Phone, have_baresip, write_tone

pytestmark = pytest.mark.sip

CUSTOMER_TONE, AGENT_TONE, OTHER_TONE = 440.0, 1000.0, 700.0
"""The customer's, agent 1001's and agent 1002's voices."""
PROMPT_TONE = 1500.0
"""What the IVR "Main Menu" says."""
KEYED = "Account Check"
"""The IVR that asks for an account number (up to 6 digits, ended by '#'), saying what "Main
Menu" says."""


@pytest.fixture
async def lines(tmp_path: Path) -> AsyncIterator[SipLines]:
    if not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup --sip installs it")
    if not have_janus() or not have_prompt_tools():
        pytest.fail("Janus or opus-tools is missing: scripts/setup --janus installs them")
    async with AsyncExitStack() as stack:
        janus = stack.enter_context(janus_server())
        client = JanusClient.signing(janus.url, janus.token_secret)
        prompts = tmp_path / "prompts"
        prompts.mkdir()
        tone(PROMPT_TONE, prompts / "main-menu.opus")
        tone(PROMPT_TONE, prompts / "account-check.opus")
        sip = SipLines(tmp_path, stack)
        collections = {KEYED: DigitCollection(max_digits=6, terminator="#", timeout_seconds=10)}
        await sip.open(
            ring_timeout=5.0, janus=client, ivr_prompts=prompts, ivr_collection=collections.get
        )
        yield sip


async def connected_call(lines: SipLines) -> str:
    await lines.agent_phone("1001")
    arrived = await lines.customer_calls()
    await lines.driver.execute(OfferToAgent(arrived.call_id, "crt-agent", "1001"))
    await lines.next_signal(AgentAnswered)
    await lines.talking(arrived.call_id, CUSTOMER)
    # They talk a moment first. (baresip names a recording by the second it starts in, and a
    # re-INVITE within the call's first second would reuse the name and spoil it.)
    assert lines.customer is not None
    await heard(lines.customer, 1.0)
    return arrived.call_id


async def heard(phone: Phone, seconds: float = 1.5) -> None:
    """Wait until the phone has recorded `seconds` more of what it hears, from now on."""
    start = position(phone)

    def enough() -> None:
        deadline = time.monotonic() + 10.0
        while seconds_since(phone, start) < seconds:
            if time.monotonic() > deadline:
                raise AssertionError(f"{phone.name} recorded less than {seconds} s more")
            time.sleep(0.05)  # audio accrues continuously; no event marks an amount of it

    await asyncio.to_thread(enough)


def position(phone: Phone) -> tuple[Path, int]:
    """Where the phone's recording stands: its latest file and that file's size."""
    path = latest_recording(phone)
    return path, path.stat().st_size


def seconds_since(phone: Phone, start: tuple[Path, int]) -> float:
    """Seconds the phone recorded after `start` (a newer file counts from its beginning)."""
    path, size = position(phone)
    before = start[1] if start[0] == path else WAV_HEADER
    return max(size - before, 0) / (8000 * 2)


async def test_each_party_of_a_three_way_conference_hears_the_other_two(
    lines: SipLines, tmp_path: Path
) -> None:
    call_id = await connected_call(lines)
    await lines.agent_phone("1002", tone=write_tone(tmp_path / "other.wav", OTHER_TONE))
    await lines.driver.execute(AddLeg(call_id, "crt-party", LegKind.USER, "1002"))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-party"
    parties = {
        "customer": (lines.customer, CUSTOMER_TONE),
        "agent": (lines.phones["1001"], AGENT_TONE),
        "party": (lines.phones["1002"], OTHER_TONE),
    }
    for phone, _ in parties.values():
        assert phone is not None
        await heard(phone)
    await lines.driver.execute(EndCall(call_id))
    for name, (phone, own) in parties.items():
        assert phone is not None
        path = latest_recording(phone)
        others = [voice for _, voice in parties.values() if voice != own]
        levels = {voice: tone_level(path, voice) for voice in (*others, own)}
        for voice in others:
            assert levels[voice] > 0.05, f"the {name} does not hear {voice} Hz: {levels}"
        assert levels[own] < min(levels[t] for t in others) / 4, (
            f"the {name} hears itself: {levels}"
        )


async def test_a_consult_to_another_agent_completes_with_the_customer_hearing_them(
    lines: SipLines, tmp_path: Path
) -> None:
    call_id = await connected_call(lines)
    # A consult dials a number; an agent's extension number is called at its phone.
    await lines.agent_phone("1002", tone=write_tone(tmp_path / "other.wav", OTHER_TONE))
    await lines.driver.execute(ConsultCall(call_id, "crt-consult", "1002"))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-consult"
    agent, other, customer = lines.phones["1001"], lines.phones["1002"], lines.customer
    assert customer is not None
    # The agent and the target talk alone.
    await heard(agent)
    assert tone_level(latest_recording(agent), OTHER_TONE) > 0.05
    await lines.driver.execute(CompleteConsult(call_id, "crt-consult"))
    await asyncio.to_thread(agent.wait_event, "CALL_CLOSED")
    await heard(other, 3.0)  # the target's recording, from its answer on
    await lines.driver.execute(EndCall(call_id))
    await asyncio.to_thread(customer.wait_event, "CALL_CLOSED")
    await asyncio.to_thread(other.wait_event, "CALL_CLOSED")
    # The target hears the customer now...
    assert tone_level(latest_recording(other), CUSTOMER_TONE) > 0.05
    # ...and the customer the target: its audio comes from the target's phone. (baresip stops
    # recording what it hears after the consult's hold re-INVITE, so its log is the witness.)
    log = (customer.workdir / "baresip.log").read_text(errors="replace")
    assert f"from 127.0.0.1:{other.rtp_port})" in log.split("SSRC changed")[-1]


async def test_an_ivr_in_a_conference_is_heard_by_the_customer_and_the_agent(
    lines: SipLines,
) -> None:
    call_id = await connected_call(lines)
    await lines.driver.execute(AddLeg(call_id, "crt-ivr", LegKind.IVR, "Main Menu"))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-ivr"
    agent, customer = lines.phones["1001"], lines.customer
    assert customer is not None
    await heard(customer, 1.0)
    await heard(agent, 1.0)
    for phone, other in ((customer, AGENT_TONE), (agent, CUSTOMER_TONE)):
        path = latest_recording(phone)
        levels = {f: tone_level(path, f, 0.5) for f in (PROMPT_TONE, other)}
        assert levels[PROMPT_TONE] > 0.02, f"{phone.name} does not hear the IVR: {levels}"
        assert levels[other] > 0.02, f"{phone.name} no longer hears the other side: {levels}"
    await lines.driver.execute(EndCall(call_id))


async def test_a_transfer_to_an_ivr_leaves_the_customer_with_its_prompt(
    lines: SipLines,
) -> None:
    call_id = await connected_call(lines)
    await lines.driver.execute(TransferCall(call_id, "crt-ivr", LegKind.IVR, "Main Menu"))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-ivr"
    agent, customer = lines.phones["1001"], lines.customer
    assert customer is not None
    await asyncio.to_thread(agent.wait_event, "CALL_CLOSED")
    await heard(customer, 1.5)
    levels = {f: tone_level(latest_recording(customer), f) for f in (PROMPT_TONE, AGENT_TONE)}
    assert levels[PROMPT_TONE] > 0.02, f"the customer does not hear the IVR: {levels}"
    assert levels[AGENT_TONE] < 0.01, f"the customer still hears the agent: {levels}"
    await lines.driver.execute(EndCall(call_id))


async def test_an_ivr_without_a_prompt_is_refused_and_the_call_goes_on(
    lines: SipLines,
) -> None:
    call_id = await connected_call(lines)
    await lines.driver.execute(AddLeg(call_id, "crt-ivr", LegKind.IVR, "Survey"))
    ended = await lines.next_signal(LegEnded)
    assert (ended.leg_id, ended.reason) == ("crt-ivr", "busy")
    assert lines.customer is not None
    assert not lines.customer.has_seen("CALL_CLOSED")
    await lines.driver.execute(EndCall(call_id))


async def test_an_ivr_hears_the_keys_the_customer_presses_while_they_hear_its_prompt(
    lines: SipLines,
) -> None:
    call_id = await connected_call(lines)
    await lines.driver.execute(TransferCall(call_id, "crt-ivr", LegKind.IVR, KEYED))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-ivr"
    customer = lines.customer
    assert customer is not None
    await heard(customer, 1.0)
    prompt = tone_level(latest_recording(customer), PROMPT_TONE, 0.5)
    assert prompt > 0.02, f"the customer does not hear the prompt while keying: {prompt}"
    customer.command("sndcode", "42#")  # RFC 4733 events in the call's RTP
    collected = await lines.next_signal(DigitsCollected)
    assert (collected.leg_id, collected.digits, collected.ended) == ("crt-ivr", "42", "terminator")
    await lines.driver.execute(EndCall(call_id))


async def test_while_a_conferenced_ivr_collects_the_agent_does_not_hear_the_customer(
    lines: SipLines,
) -> None:
    call_id = await connected_call(lines)
    await lines.driver.execute(AddLeg(call_id, "crt-ivr", LegKind.IVR, KEYED))
    assert (await lines.next_signal(LegAnswered)).leg_id == "crt-ivr"
    agent, customer = lines.phones["1001"], lines.customer
    assert customer is not None
    await heard(agent, 1.0)
    keying = tone_level(latest_recording(agent), CUSTOMER_TONE, 0.5)
    assert keying < 0.01, f"the agent hears the customer while the IVR collects: {keying}"
    customer.command("sndcode", "123456")
    collected = await lines.next_signal(DigitsCollected)
    assert (collected.digits, collected.ended) == ("123456", "max_digits")
    await heard(agent, 1.5)
    back = tone_level(latest_recording(agent), CUSTOMER_TONE, 0.5)
    assert back > 0.02, f"the agent does not hear the customer after the IVR: {back}"
    await lines.driver.execute(EndCall(call_id))
