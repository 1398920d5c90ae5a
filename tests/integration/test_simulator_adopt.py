"""After a crash the simulated network takes back the lines of the calls the floor restored.

Two processes in a row on one SQLite file: the first gets calls into a state (held, queued,
handed to a phone, dialling, consulting) and dies without a word; the second restores the floor,
its simulator adopts the live calls, and every line must then behave as one it placed itself.
Time is virtual: the second process's clock starts where the first one's stopped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentState, BreakReason
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.commands import DialFailed, Signal
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import CustomerScript, PhoneScript, Simulator
from agentbar.ports import TelephonyDriver
from agentbar.services.runtime import Runtime
from tests.integration.test_transfers_runtime import CUSTOMER, TARGET, TransferFloor

AGENTS = ("a1", "a2", "a3")
CAMPAIGNS = (
    ("Support", CampaignKind.INBOUND),
    ("Billing", CampaignKind.INBOUND),
    ("Outreach", CampaignKind.OUTBOUND),
)


class Process:
    """One agentbar process after another on the same database, as `serve` runs after a crash."""

    def __init__(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path / 'floor.db'}"
        self.clock = VirtualClock()
        self.runs = 0

    async def start(
        self,
        prepare: Callable[[Simulator], None] = lambda simulator: None,
        telephony: Callable[[Simulator], TelephonyDriver] = lambda simulator: simulator,
    ) -> TransferFloor:
        """A process on the database: the first creates it, a later one restores its floor.
        `prepare` scripts the new simulator before it adopts anything; `telephony` picks the
        driver the runtime uses (the simulator unless told otherwise)."""
        self.runs += 1
        counter = itertools.count(1)
        run = self.runs
        new_id = lambda kind: f"{kind}-{run}.{next(counter)}"  # noqa: E731 - unique across runs
        storage = SqlDatabase(self.url)
        if run == 1:
            _provision(storage)
        center = Center(new_id)
        center.configure(
            await storage.catalog.campaigns(), [BreakReason("Lunch")], await storage.catalog.ivrs()
        )
        # A process's timers live on its own clock; the network's time goes on from the last.
        self.clock = VirtualClock(self.clock.now())
        simulator = Simulator(self.clock, new_id)
        prepare(simulator)
        runtime = Runtime(
            center, storage.events, MemoryBus(), telephony(simulator), self.clock, storage.floor
        )
        if run > 1:
            await runtime.restore()
        await runtime.start()
        if run > 1:
            await runtime.recover()
        made = TransferFloor(self.clock, storage, simulator, runtime, "")
        made.campaigns = {c.name: c.campaign_id for c in center.campaigns.values()}
        made.campaign_id = made.campaigns["Support"]
        await made.elapse(0)
        return made

    @staticmethod
    async def crash(floor: TransferFloor) -> None:
        """The process dies: stopping writes nothing, so storage holds what it held when the
        last move was stored, as after `kill -9`."""
        await floor.runtime.stop()
        floor.storage.close()


def _provision(storage: SqlDatabase) -> None:
    storage.migrate()
    for agent_id in AGENTS:
        storage.catalog.upsert_agent(agent_id, agent_id, None)
    for name, kind in CAMPAIGNS:
        storage.catalog.upsert_campaign(name, kind, DEMO_PLAN, list(AGENTS), ring_timeout=10.0)
    storage.catalog.upsert_ivr("Survey", 0)


async def test_a_held_call_is_taken_back_resumed_and_hung_up_by_the_customer(
    tmp_path: Path,
) -> None:
    process = Process(tmp_path)
    first = await process.start()
    call_id = await first.talking()
    await first.runtime.command(cmd.Hold("a1"))
    await process.crash(first)

    second = await process.start()
    line = second.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.on_hold, line.customer_with) == ("1001", True, None)
    await second.runtime.command(cmd.Resume("a1"))
    assert not second.simulator.is_on_hold(call_id)
    second.simulator.hang_up_customer(call_id)
    await second.elapse(0)
    assert second.state("a1") is AgentState.WRAP_UP
    assert second.stored_call(call_id)["ended_by"] == "customer"
    assert second.simulator.line(call_id) is None
    await process.crash(second)


async def test_a_queued_customer_still_waits_and_may_give_up(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    await first.talking()
    queued = first.simulator.place_inbound_call(CUSTOMER, first.campaigns["Support"])
    await first.elapse(0)
    await process.crash(first)

    second = await process.start()
    line = second.simulator.line(queued)
    assert line is not None
    assert (line.agent_phone, line.on_hold, line.customer_with) == (None, False, None)
    assert second.center.waiting_count(second.campaigns["Support"]) == 1
    second.simulator.hang_up_customer(queued)
    await second.elapse(0)
    assert queued not in second.center.calls
    assert second.stored_call(queued)["state"] == "abandoned"
    await process.crash(second)


async def test_a_customer_handed_to_a_phone_stays_with_it_until_hanging_up(
    tmp_path: Path,
) -> None:
    process = Process(tmp_path)
    first = await process.start()
    call_id = await first.talking()
    await first.transfer(TransferKind.PHONE, TARGET)
    await first.runtime.command(cmd.Dispose("a1", "Sale"))
    assert call_id in first.center.handed_off
    await process.crash(first)

    second = await process.start()
    assert call_id in second.center.handed_off
    line = second.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.customer_with) == (None, TARGET)
    assert list(line.legs.values()) == [(TARGET, True)]
    second.simulator.hang_up_customer(call_id)
    await second.elapse(0)
    assert call_id not in second.center.handed_off
    legs = {leg["kind"]: leg for leg in second.legs(call_id)}
    assert (legs["phone"]["end_reason"], legs["customer"]["end_reason"]) == (
        "customer",
        "customer",
    )
    await process.crash(second)


async def test_a_dial_the_customer_had_not_answered_is_dialled_again(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    first.simulator.script_customer(CUSTOMER, CustomerScript(answer_after=None))
    await first.agent_ready("a1", "1001")
    await first.runtime.command(
        cmd.Dial("a1", CUSTOMER, "out-1", CallType.MANUAL, first.campaigns["Outreach"])
    )
    await first.elapse(5)
    assert first.state("a1") is AgentState.DIALING
    await process.crash(first)

    second = await process.start(
        prepare=lambda sim: sim.script_customer(CUSTOMER, CustomerScript(answer_after=2.0))
    )
    await second.elapse(1.9)
    assert second.state("a1") is AgentState.DIALING
    await second.elapse(0.2)
    assert second.state("a1") is AgentState.ON_CALL
    assert second.center.call("out-1").state is CallState.CONNECTED
    line = second.simulator.line("out-1")
    assert line is not None
    assert (line.agent_phone, line.on_hold) == ("1001", False)
    await second.runtime.command(cmd.HangUp("a1"))
    await second.elapse(0)
    assert second.stored_call("out-1")["ended_by"] == "agent"
    await process.crash(second)


async def test_a_dial_with_no_extension_to_ring_is_reported_failed(tmp_path: Path) -> None:
    signals: list[Signal] = []
    simulator = Simulator(VirtualClock(), lambda kind: f"{kind}-1")
    simulator.attach(signals.append)
    dialing = Call(
        "out-1",
        CallType.MANUAL,
        "outreach",
        CUSTOMER,
        "crt-customer",
        0.0,
        CallState.DIALING,
        agent_id="a1",
        user_crt="crt-agent",
        legs=[Leg("crt-customer", LegKind.CUSTOMER, CUSTOMER, LegPurpose.CALL, 0.0)],
    )
    await simulator.adopt([dialing], {})
    assert signals == [DialFailed("out-1", "server restarted")]
    assert simulator.live_calls() == []


async def test_a_consult_in_progress_is_taken_back_and_completed(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    call_id = await first.talking()
    await first.transfer(TransferKind.INCALL, TARGET)
    assert first.center.call(call_id).state is CallState.CONSULTING
    await process.crash(first)

    second = await process.start()
    line = second.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.on_hold, line.customer_with) == ("1001", True, None)
    assert list(line.legs.values()) == [(TARGET, True)]
    await second.runtime.command(cmd.CompleteTransfer("a1"))
    await second.elapse(0)
    assert second.state("a1") is AgentState.WRAP_UP
    line = second.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.on_hold, line.customer_with) == (None, False, TARGET)
    await process.crash(second)


async def test_a_conference_leg_that_was_ringing_rings_again(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    first.simulator.script_customer(TARGET, CustomerScript(answer_after=None))
    call_id = await first.talking()
    leg_id = await first.conference(ConferenceKind.PHONE, TARGET)
    await process.crash(first)

    second = await process.start(
        prepare=lambda sim: sim.script_customer(TARGET, CustomerScript(answer_after=1.0))
    )
    line = second.simulator.line(call_id)
    assert line is not None
    assert line.legs == {leg_id: (TARGET, False)}
    await second.elapse(1)
    line = second.simulator.line(call_id)
    assert line is not None
    assert line.legs == {leg_id: (TARGET, True)}
    assert {leg["leg_id"]: leg["state"] for leg in second.legs(call_id)}[leg_id] == "connected"
    await second.runtime.command(cmd.DropLeg("a1", leg_id))
    await second.elapse(0)
    assert second.simulator.line(call_id).legs == {}  # type: ignore[union-attr]
    await process.crash(second)


async def test_an_offer_ringing_at_the_crash_is_made_again_and_answered(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    first.simulator.script_phone("1001", PhoneScript(answer_after=None))
    await first.agent_ready("a1", "1001")
    call_id = first.simulator.place_inbound_call(CUSTOMER, first.campaigns["Support"])
    await first.elapse(1)
    assert first.state("a1") is AgentState.RESERVED
    await process.crash(first)

    second = await process.start()
    assert second.state("a1") is AgentState.ON_CALL
    line = second.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.on_hold) == ("1001", False)
    await process.crash(second)


async def test_a_requeued_customer_may_still_hang_up_under_the_old_name(tmp_path: Path) -> None:
    process = Process(tmp_path)
    first = await process.start()
    call_id = await first.talking()
    await first.transfer(TransferKind.QUEUE, "Billing")
    [requeued] = [c for c in first.center.calls.values() if c.transferred_from == call_id]
    await process.crash(first)

    second = await process.start()
    assert second.simulator.line(call_id) == second.simulator.line(requeued.call_id)
    second.simulator.hang_up_customer(call_id)
    await second.elapse(0)
    assert requeued.call_id not in second.center.calls
    assert second.stored_call(requeued.call_id)["state"] == "abandoned"
    await process.crash(second)
