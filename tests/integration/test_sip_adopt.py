"""The SIP driver cannot take calls back after a restart (its dialogs are not stored yet), so it
reports each call whose customer was still on the line as ended, and the floor closes it: a
call with an agent goes to wrap-up, a waiting one is abandoned, a handed-off one is forgotten.
Nothing is left connected forever."""

from __future__ import annotations

import itertools
from pathlib import Path

from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.commands import CallEnded, Signal
from agentbar.domain.model.handoffs import TransferKind
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState
from agentbar.drivers.telephony.simulator import CustomerScript
from agentbar.drivers.telephony.sip import SipTelephony
from agentbar.drivers.telephony.sip.driver import SipSettings
from agentbar.ports import TelephonyDriver
from tests.integration.test_simulator_adopt import Process
from tests.integration.test_transfers_runtime import CUSTOMER, TARGET


def sip_driver() -> TelephonyDriver:
    """A SIP driver on a loopback port of its own, with no trunk and no extensions."""
    settings = SipSettings(
        host="127.0.0.1",
        port=0,
        trunk=None,
        realm="agentbar",
        ring_timeout=3.0,
        password_of=lambda extension: None,
    )
    counter = itertools.count(1)
    return SipTelephony(settings, lambda kind: f"{kind}-{next(counter)}", lambda dialed: None)


def call_in(state: CallState, *, customer: LegState = LegState.CONNECTED) -> Call:
    call_id = f"call-{state.value}-{customer.value}"
    leg = Leg(f"{call_id}-crt", LegKind.CUSTOMER, CUSTOMER, LegPurpose.CALL, 0.0, customer)
    if customer is LegState.ENDED:
        leg.end_reason = "customer"
    call_type = CallType.MANUAL if state is CallState.DIALING else CallType.INBOUND
    return Call(call_id, call_type, "support", CUSTOMER, leg.leg_id, 0.0, state, legs=[leg])


async def test_every_adopted_call_with_its_customer_on_the_line_is_reported_ended() -> None:
    signals: list[Signal] = []
    driver = sip_driver()
    driver.attach(signals.append)
    live = [
        call_in(CallState.QUEUED),
        call_in(CallState.OFFERED),
        call_in(CallState.DIALING, customer=LegState.RINGING),
        call_in(CallState.CONNECTED),
        call_in(CallState.CONSULTING),
        call_in(CallState.WRAP_UP),  # handed to a phone, not yet disposed
        call_in(CallState.DISPOSED),  # handed off
    ]
    gone = call_in(CallState.WRAP_UP, customer=LegState.ENDED)
    await driver.adopt([*live, gone], {"a1": "1001"})
    assert signals == [CallEnded(call.call_id, "server restarted") for call in live]


async def test_after_a_restart_on_sip_the_floor_closes_every_call_it_held(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    held = await first.talking()
    await first.runtime.command(cmd.Hold("a1"))
    await first.agent_ready("a3", "1003")
    handed_off = first.simulator.place_inbound_call(CUSTOMER, first.campaigns["Support"])
    await first.elapse(0)
    await first.runtime.command(cmd.Transfer("a3", TransferKind.PHONE, TARGET))
    await first.runtime.command(cmd.Dispose("a3", "Sale"))
    await first.runtime.command(cmd.TakeBreak("a3", "Lunch"))
    first.simulator.script_customer(CUSTOMER, CustomerScript(answer_after=None))
    await first.agent_ready("a2", "1002")
    await first.runtime.command(
        cmd.Dial("a2", CUSTOMER, "out-1", CallType.MANUAL, first.campaigns["Outreach"])
    )
    # Nobody is free now: the next customer waits.
    queued = first.simulator.place_inbound_call(CUSTOMER, first.campaigns["Support"])
    await first.elapse(1)
    assert first.center.call("out-1").state is CallState.DIALING
    assert first.center.call(queued).state is CallState.QUEUED
    assert handed_off in first.center.handed_off
    await process.crash(first)

    second = await process.start(telephony=lambda simulator: sip_driver())
    await second.elapse(0)
    assert (second.state("a1"), second.state("a2")) == (AgentState.WRAP_UP, AgentState.WRAP_UP)
    assert second.stored_call(held)["ended_by"] == "server restarted"
    assert second.stored_call("out-1")["ended_by"] == "server restarted"
    assert second.stored_call(queued)["state"] == "abandoned"
    assert second.center.handed_off == {}
    await second.runtime.command(cmd.Dispose("a1", "Sale"))
    assert second.state("a1") is AgentState.READY
    await process.crash(second)
