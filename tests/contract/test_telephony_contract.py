"""What every telephony driver must do with each instruction, and which signals come back.

The same tests run on the simulator and on the SIP driver with real baresip phones.
"""

from __future__ import annotations

from agentbar.domain.model.call import CallType
from agentbar.domain.model.commands import (
    AgentAnswered,
    AgentDidNotAnswer,
    CallEnded,
    CustomerAnswered,
    DialFailed,
    LegAnswered,
)
from agentbar.domain.model.instructions import (
    DialOut,
    EndCall,
    HoldCall,
    OfferToAgent,
    Requeue,
    ResumeCall,
    TransferCall,
)
from agentbar.domain.model.legs import LegKind
from tests.contract.lines import CAMPAIGN, CUSTOMER, OUTBOUND_NUMBER, Lines


async def inbound_answered_by(lines: Lines, extension: str) -> str:
    """A customer's call offered to `extension` and answered; returns the call id."""
    arrived = await lines.customer_calls()
    await lines.driver.execute(OfferToAgent(arrived.call_id, "crt-agent", extension))
    answered = await lines.next_signal(AgentAnswered)
    assert (answered.call_id, answered.user_crt) == (arrived.call_id, "crt-agent")
    await lines.talking(arrived.call_id, extension)
    await lines.talking(arrived.call_id, CUSTOMER)
    return arrived.call_id


async def test_an_inbound_call_arrives_in_its_campaign_with_the_callers_number(
    lines: Lines,
) -> None:
    arrived = await lines.customer_calls()
    assert arrived.call_type is CallType.INBOUND
    assert (arrived.campaign_id, arrived.phone) == (CAMPAIGN, CUSTOMER)
    assert arrived.customer_crt
    await lines.customer_hangs_up(arrived.call_id)
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == (arrived.call_id, "customer")


async def test_an_answered_inbound_call_ends_when_the_customer_hangs_up(lines: Lines) -> None:
    await lines.agent_phone("1001")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.customer_hangs_up(call_id)
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == (call_id, "customer")
    await lines.left(call_id, "1001")


async def test_ending_the_call_hangs_up_both_sides(lines: Lines) -> None:
    await lines.agent_phone("1001")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.driver.execute(EndCall(call_id))
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == (call_id, "agent")
    await lines.left(call_id, "1001")
    await lines.left(call_id, CUSTOMER)


async def test_a_busy_phone_does_not_take_the_offer_and_the_next_agent_does(
    lines: Lines,
) -> None:
    await lines.agent_phone("1001", busy=True)
    await lines.agent_phone("1002")
    arrived = await lines.customer_calls()
    await lines.driver.execute(OfferToAgent(arrived.call_id, "crt-1", "1001"))
    refused = await lines.next_signal(AgentDidNotAnswer)
    assert (refused.call_id, refused.user_crt) == (arrived.call_id, "crt-1")
    await lines.driver.execute(OfferToAgent(arrived.call_id, "crt-2", "1002"))
    answered = await lines.next_signal(AgentAnswered)
    assert answered.user_crt == "crt-2"
    await lines.talking(arrived.call_id, "1002")
    await lines.driver.execute(EndCall(arrived.call_id))
    assert (await lines.next_signal(CallEnded)).ended_by == "agent"


async def test_click_to_dial_connects_the_agent_and_the_customer(lines: Lines) -> None:
    await lines.agent_phone("1001")
    dial = DialOut("call-out-1", "crt-agent", "1001", "crt-customer", OUTBOUND_NUMBER)
    await lines.driver.execute(dial)
    answered = await lines.next_signal(CustomerAnswered)
    assert answered.call_id == "call-out-1"
    await lines.talking("call-out-1", "1001")
    await lines.talking("call-out-1", OUTBOUND_NUMBER)
    await lines.driver.execute(EndCall("call-out-1"))
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == ("call-out-1", "agent")
    await lines.left("call-out-1", OUTBOUND_NUMBER)
    await lines.left("call-out-1", "1001")


async def test_a_busy_customer_fails_the_dial_and_frees_the_agent(lines: Lines) -> None:
    await lines.agent_phone("1001")
    await lines.busy_number(OUTBOUND_NUMBER)
    await lines.driver.execute(
        DialOut("call-out-2", "crt-agent", "1001", "crt-customer", OUTBOUND_NUMBER)
    )
    failed = await lines.next_signal(DialFailed)
    assert (failed.call_id, failed.reason) == ("call-out-2", "busy")


async def test_a_busy_agent_phone_fails_the_dial(lines: Lines) -> None:
    await lines.agent_phone("1001", busy=True)
    await lines.driver.execute(
        DialOut("call-out-3", "crt-agent", "1001", "crt-customer", OUTBOUND_NUMBER)
    )
    failed = await lines.next_signal(DialFailed)
    assert (failed.call_id, failed.reason) == ("call-out-3", "agent_busy")


async def test_hold_and_resume_keep_the_call(lines: Lines) -> None:
    await lines.agent_phone("1001")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.driver.execute(HoldCall(call_id))
    await lines.held(call_id, True)
    await lines.driver.execute(ResumeCall(call_id))
    await lines.held(call_id, False)
    await lines.customer_hangs_up(call_id)
    assert (await lines.next_signal(CallEnded)).ended_by == "customer"


async def test_a_blind_transfer_to_another_agent_moves_the_customer(lines: Lines) -> None:
    await lines.agent_phone("1001")
    await lines.agent_phone("1002")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.driver.execute(TransferCall(call_id, "leg-1", LegKind.USER, "1002"))
    answered = await lines.next_signal(LegAnswered)
    assert (answered.call_id, answered.leg_id) == (call_id, "leg-1")
    await lines.left(call_id, "1001")
    await lines.talking(call_id, "1002")
    await lines.customer_hangs_up(call_id)
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == (call_id, "customer")
    await lines.left(call_id, "1002")


async def test_a_blind_transfer_to_a_number_rings_it_behind_the_trunk(lines: Lines) -> None:
    await lines.agent_phone("1001")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.driver.execute(TransferCall(call_id, "leg-1", LegKind.PHONE, OUTBOUND_NUMBER))
    assert (await lines.next_signal(LegAnswered)).leg_id == "leg-1"
    await lines.left(call_id, "1001")
    await lines.talking(call_id, OUTBOUND_NUMBER)
    await lines.customer_hangs_up(call_id)
    assert (await lines.next_signal(CallEnded)).ended_by == "customer"
    await lines.left(call_id, OUTBOUND_NUMBER)


async def test_a_requeued_call_is_offered_under_its_new_name(lines: Lines) -> None:
    await lines.agent_phone("1001")
    await lines.agent_phone("1002")
    call_id = await inbound_answered_by(lines, "1001")
    await lines.driver.execute(Requeue(call_id, "call-requeued"))
    await lines.left(call_id, "1001")
    await lines.driver.execute(OfferToAgent("call-requeued", "crt-next", "1002"))
    answered = await lines.next_signal(AgentAnswered)
    assert (answered.call_id, answered.user_crt) == ("call-requeued", "crt-next")
    await lines.talking("call-requeued", "1002")
    await lines.customer_hangs_up("call-requeued")
    ended = await lines.next_signal(CallEnded)
    assert (ended.call_id, ended.ended_by) == ("call-requeued", "customer")
