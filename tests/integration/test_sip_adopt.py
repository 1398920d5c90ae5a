"""What the SIP driver makes of the calls the floor restored after a restart, from the dialogs
it kept (`drivers/telephony/sip/stored.py`), without phones (tests/sip/test_sip_restart.py has
them): a call whose every live leg has a kept dialog is taken back without a word; a call that
has not (a dial or a transfer still ringing, a customer never answered, a driver that keeps
nothing) is reported ended, and the floor closes it — a call with an agent goes to wrap-up, a
waiting one is abandoned, a handed-off one is forgotten. Kept dialogs no call took back are
forgotten and hung up. Nothing is left connected forever."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.commands import CallEnded, Signal
from agentbar.domain.model.handoffs import TransferKind
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState
from agentbar.drivers.telephony.simulator import CustomerScript
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.drivers.telephony.sip import legs as sip
from agentbar.drivers.telephony.sip.message import SipMessage, parse
from agentbar.drivers.telephony.sip.sdp import Origin
from agentbar.drivers.telephony.sip.stored import leg_doc
from agentbar.ports import DialogStore
from tests.integration.test_simulator_adopt import Process
from tests.integration.test_transfers_runtime import CUSTOMER, TARGET
from tests.support.memory_storage import MemoryStorage


def sip_driver(dialogs: DialogStore | None = None) -> SipTelephony:
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
    return SipTelephony(
        settings, lambda kind: f"{kind}-{next(counter)}", lambda dialed: None, dialogs
    )


def call_in(state: CallState, *, customer: LegState = LegState.CONNECTED) -> Call:
    call_id = f"call-{state.value}-{customer.value}"
    leg = Leg(f"{call_id}-crt", LegKind.CUSTOMER, CUSTOMER, LegPurpose.CALL, 0.0, customer)
    if customer is LegState.ENDED:
        leg.end_reason = "customer"
    call_type = CallType.MANUAL if state is CallState.DIALING else CallType.INBOUND
    return Call(call_id, call_type, "support", CUSTOMER, leg.leg_id, 0.0, state, legs=[leg])


def with_leg(call: Call, leg_id: str, kind: LegKind, state: LegState, **fields: object) -> Call:
    purpose = LegPurpose.TRANSFER if kind is LegKind.PHONE else LegPurpose.CALL
    call.legs.append(Leg(leg_id, kind, "a1", purpose, 0.0, state))
    for name, value in fields.items():
        setattr(call, name, value)
    return call


def a_dialog(
    role: sip.Role, crt: str, address: tuple[str, int] = ("127.0.0.1", 9), cseq: int = 4
) -> sip.Leg:
    """An established dialog as the driver keeps one."""
    return sip.Leg(
        role=role,
        sip_call_id=f"{crt}-dialog@127.0.0.1",
        local="<sip:agentbar@127.0.0.1:5060>;tag=ours",
        remote=f"<sip:{crt}@127.0.0.1>;tag=theirs",
        target=f"sip:{crt}@{address[0]}:{address[1]}",
        address=address,
        origin=Origin(session=77, version=3),
        incoming=role is sip.Role.CUSTOMER,
        cseq=cseq,
        remote_sdp=b"v=0\r\n",
        sent_sdp=b"v=0\r\n",
        up=True,
        crt=crt,
    )


async def kept(store: DialogStore, call_id: str, *dialogs: sip.Leg) -> None:
    for dialog in dialogs:
        await store.save(dialog.sip_call_id, leg_doc(dialog, call_id))


async def test_without_kept_dialogs_every_call_with_its_customer_on_the_line_is_ended() -> None:
    signals: list[Signal] = []
    driver = sip_driver(MemoryStorage().dialogs)
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
    assert driver.live_calls() == []


async def test_a_call_whose_every_live_leg_has_a_kept_dialog_is_taken_back_silently() -> None:
    store = MemoryStorage().dialogs
    connected = with_leg(call_in(CallState.CONNECTED), "u1", LegKind.AGENT, LegState.CONNECTED)
    await kept(store, connected.call_id, a_dialog(sip.Role.CUSTOMER, connected.customer_crt))
    await kept(store, connected.call_id, a_dialog(sip.Role.AGENT, "u1"))
    # Requeued and offered again: the agent's phone ringing needs no dialog (offered anew).
    offered = with_leg(call_in(CallState.OFFERED), "u2", LegKind.AGENT, LegState.RINGING)
    await kept(store, offered.call_id, a_dialog(sip.Role.CUSTOMER, offered.customer_crt))
    # Handed to a number by a blind transfer, and disposed by its agent.
    handed = with_leg(call_in(CallState.DISPOSED), "t1", LegKind.PHONE, LegState.CONNECTED)
    await kept(store, handed.call_id, a_dialog(sip.Role.CUSTOMER, handed.customer_crt))
    await kept(store, handed.call_id, a_dialog(sip.Role.TARGET, "t1"))
    before = await store.load_all()
    signals: list[Signal] = []
    driver = sip_driver(store)
    driver.attach(signals.append)
    await driver.adopt([connected, offered, handed], {"a1": "1001"})
    assert signals == []
    assert sorted(driver.live_calls()) == sorted(
        [connected.call_id, offered.call_id, handed.call_id]
    )
    assert await store.load_all() == before


async def test_a_call_with_a_live_leg_that_has_no_kept_dialog_is_ended() -> None:
    store = MemoryStorage().dialogs
    # The agent answered a dial; the customer's phone still rang when the process died.
    dialing = call_in(CallState.DIALING, customer=LegState.RINGING)
    with_leg(dialing, "u1", LegKind.AGENT, LegState.RINGING)
    await kept(store, dialing.call_id, a_dialog(sip.Role.AGENT, "u1"))
    # A transfer target still ringing.
    ringing = with_leg(call_in(CallState.WRAP_UP), "t1", LegKind.PHONE, LegState.RINGING)
    await kept(store, ringing.call_id, a_dialog(sip.Role.CUSTOMER, ringing.customer_crt))
    # Connected as the floor knows it, but only the customer's dialog was kept.
    half = with_leg(call_in(CallState.CONNECTED), "u3", LegKind.AGENT, LegState.CONNECTED)
    await kept(store, half.call_id, a_dialog(sip.Role.CUSTOMER, half.customer_crt))
    # A call the floor no longer has.
    await kept(store, "call-gone", a_dialog(sip.Role.CUSTOMER, "crt-gone"))
    signals: list[Signal] = []
    driver = sip_driver(store)
    driver.attach(signals.append)
    await driver.adopt([dialing, ringing, half], {"a1": "1001"})
    assert signals == [
        CallEnded(call.call_id, "server restarted") for call in (dialing, ringing, half)
    ]
    assert driver.live_calls() == []
    assert await store.load_all() == {}


class Phone(asyncio.DatagramProtocol):
    """A UDP socket standing for a phone: it hands on the first request it gets."""

    def __init__(self) -> None:
        self.request: asyncio.Future[SipMessage] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if not self.request.done():
            self.request.set_result(parse(data))


async def test_a_kept_dialog_no_call_took_back_is_hung_up_once_the_driver_runs() -> None:
    loop = asyncio.get_running_loop()
    transport, phone = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.1", 0))
    address = transport.get_extra_info("sockname")[:2]
    store = MemoryStorage().dialogs
    dialog = a_dialog(sip.Role.AGENT, "u9", address=address, cseq=6)
    await kept(store, "call-gone", dialog)
    driver = sip_driver(store)
    driver.attach(lambda signal: None)
    await driver.adopt([], {})
    assert await store.load_all() == {}
    await driver.start()
    try:
        bye = await asyncio.wait_for(phone.request, 5.0)
    finally:
        transport.close()
        await driver.stop()
    assert (bye.method, bye.uri, bye.call_id, bye.cseq) == (
        "BYE",
        dialog.target,
        dialog.sip_call_id,
        (7, "BYE"),
    )
    assert (bye.require("From"), bye.require("To")) == (dialog.local, dialog.remote)


async def test_after_a_restart_the_floor_closes_every_call_sip_did_not_keep(tmp_path: Path) -> None:
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
