"""Timers in virtual time: ring-no-answer, misses, busy phones, wrap-up timeout, abandonment.

The runtime, the simulator and SQLite are real; only the clock is virtual, so minutes of
ringing and wrap-up pass in milliseconds and never depend on the machine's speed.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason, Extension
from agentbar.domain.model.call import CallType
from agentbar.domain.model.campaign import CampaignKind, Routing
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import (
    CustomerMix,
    CustomerScript,
    PhoneScript,
    Simulator,
)
from agentbar.services.runtime import Runtime


@dataclass
class Floor:
    clock: VirtualClock
    storage: SqlDatabase
    simulator: Simulator
    runtime: Runtime
    campaign_id: str

    @property
    def center(self) -> Center:
        return self.runtime.center

    async def elapse(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass, applying everything that happens on the way."""
        target = self.clock.now() + seconds
        await self.runtime.settle()
        while (due := self.clock.next_due()) is not None and due <= target:
            self.clock.advance(due - self.clock.now())
            await self.runtime.settle()
        self.clock.advance(target - self.clock.now())
        await self.runtime.settle()

    async def ready(self, agent_id: str, phone: str) -> None:
        profile = AgentProfile(agent_id, agent_id, frozenset({self.campaign_id}))
        await self.runtime.command(cmd.LogIn(profile))
        await self.runtime.command(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)))
        await self.runtime.command(cmd.SelectCampaign(agent_id, self.campaign_id))
        await self.runtime.command(cmd.GoReady(agent_id))

    def state(self, agent_id: str) -> AgentState:
        return self.center.agent(agent_id).state

    def stored_call(self, call_id: str) -> dict[str, object]:
        with self.storage.engine.connect() as c:
            row = c.exec_driver_sql("SELECT * FROM calls WHERE call_id = ?", (call_id,))
            return dict(row.mappings().one())


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[Floor]:
    clock = VirtualClock()
    counter = itertools.count(1)
    new_id = lambda kind: f"{kind}-{next(counter)}"  # noqa: E731
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'floor.db'}")
    storage.migrate()
    for agent_id in ("a1", "a2"):
        storage.catalog.upsert_agent(agent_id, agent_id, None)
    campaign_id = storage.catalog.upsert_campaign(
        "Support",
        CampaignKind.INBOUND,
        DEMO_PLAN,
        ["a1", "a2"],
        ring_timeout=10.0,
        max_misses=2,
        wrap_up_timeout=30.0,
        default_disposition="Info Given",
    )
    center = Center(new_id)
    center.configure(
        await storage.catalog.campaigns(), [BreakReason("Lunch"), BreakReason("Unavailable")]
    )
    simulator = Simulator(clock, new_id)
    runtime = Runtime(center, storage.events, MemoryBus(), simulator, clock, storage.floor)
    await runtime.start()
    yield Floor(clock, storage, simulator, runtime, campaign_id)
    await runtime.stop()
    storage.close()


async def test_an_unanswered_offer_moves_on_to_the_next_agent(floor: Floor) -> None:
    floor.simulator.script_phone("1001", PhoneScript(answer_after=None))
    floor.simulator.script_phone("1002", PhoneScript(answer_after=1.0))
    await floor.ready("a1", "1001")
    await floor.elapse(1)
    await floor.ready("a2", "1002")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(9.9)
    assert floor.center.call(call_id).agent_id == "a1"
    assert floor.state("a1") is AgentState.RESERVED
    await floor.elapse(0.2)
    assert floor.center.call(call_id).agent_id == "a2"
    assert floor.state("a1") is AgentState.READY
    assert floor.center.agent("a1").missed == 1
    await floor.elapse(1)
    assert floor.state("a2") is AgentState.ON_CALL
    assert floor.stored_call(call_id)["state"] == "connected"


async def test_an_agent_who_keeps_missing_calls_is_put_on_break(floor: Floor) -> None:
    floor.simulator.script_phone("1001", PhoneScript(answer_after=None))
    await floor.ready("a1", "1001")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(10.5)
    assert floor.center.call(call_id).state.value == "offered"  # the second offer, to a1 again
    await floor.elapse(10)
    agent = floor.center.agent("a1")
    assert (agent.state, agent.break_reason) == (AgentState.BREAK, "Unavailable")
    assert floor.center.waiting_count(floor.campaign_id) == 1
    assert floor.runtime.pending_timers == frozenset()
    # The call waits for the next ready agent.
    await floor.ready("a2", "1002")
    await floor.elapse(0)
    assert floor.center.call(call_id).agent_id == "a2"


async def test_a_busy_phone_passes_the_call_on_at_once(floor: Floor) -> None:
    floor.simulator.script_phone("1001", PhoneScript(busy=True))
    await floor.ready("a1", "1001")
    await floor.elapse(1)
    await floor.ready("a2", "1002")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(0)
    assert floor.center.call(call_id).agent_id == "a2"
    assert floor.state("a2") is AgentState.ON_CALL
    assert floor.center.agent("a1").missed == 1


async def test_wrap_up_times_out_with_the_default_disposition(floor: Floor) -> None:
    await floor.ready("a1", "1001")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(0)
    floor.simulator.hang_up_customer(call_id)
    await floor.elapse(29)
    assert floor.state("a1") is AgentState.WRAP_UP
    await floor.elapse(1)
    assert floor.state("a1") is AgentState.READY
    stored = floor.stored_call(call_id)
    assert (stored["state"], stored["disposition_class"], stored["disposition_code"]) == (
        "disposed",
        "Resolved",
        "Info Given",
    )


async def test_disposing_in_time_cancels_the_wrap_up_timer(floor: Floor) -> None:
    await floor.ready("a1", "1001")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(0)
    floor.simulator.hang_up_customer(call_id)
    await floor.elapse(5)
    assert f"wrapup:{call_id}" in floor.runtime.pending_timers
    await floor.runtime.command(cmd.Dispose("a1", "Escalated"))
    assert floor.runtime.pending_timers == frozenset()
    await floor.elapse(60)
    assert floor.stored_call(call_id)["disposition_code"] == "Escalated"


async def test_a_customer_who_gives_up_in_the_queue_abandons_the_call(floor: Floor) -> None:
    call_id = floor.simulator.place_inbound_call(
        "+14085551212", floor.campaign_id, hang_up_after=45.0
    )
    await floor.elapse(44)
    assert floor.center.waiting_count(floor.campaign_id) == 1
    await floor.elapse(1)
    assert floor.center.waiting_count(floor.campaign_id) == 0
    stored = floor.stored_call(call_id)
    assert (stored["state"], stored["ended_by"]) == ("abandoned", "customer")


async def dial_out(floor: Floor, phone: str = "+14085551212") -> str:
    await floor.ready("a1", "1001")
    call_id = f"out-{phone[-4:]}"
    await floor.runtime.command(
        cmd.Dial("a1", phone, call_id, CallType.MANUAL, campaign_id=floor.campaign_id)
    )
    return call_id


@pytest.mark.parametrize(
    ("script", "after", "ended_by"),
    [
        (CustomerScript(busy=True), 0.0, "busy"),
        (CustomerScript(answer_after=None), 30.0, "no_answer"),
    ],
)
async def test_an_outbound_call_that_never_connects_goes_to_wrap_up(
    floor: Floor, script: CustomerScript, after: float, ended_by: str
) -> None:
    floor.simulator.script_customer("+14085551212", script)
    call_id = await dial_out(floor)
    await floor.elapse(max(after - 1, 0))
    if after:
        assert floor.state("a1") is AgentState.DIALING
    await floor.elapse(1)
    assert floor.state("a1") is AgentState.WRAP_UP
    assert floor.stored_call(call_id)["ended_by"] == ended_by


async def test_an_agent_phone_that_does_not_answer_fails_the_dial(floor: Floor) -> None:
    floor.simulator.script_phone("1001", PhoneScript(answer_after=None))
    call_id = await dial_out(floor)
    await floor.elapse(30)
    assert floor.stored_call(call_id)["ended_by"] == "agent_no_answer"
    assert floor.state("a1") is AgentState.WRAP_UP


async def test_a_scripted_customer_answers_talks_and_hangs_up(floor: Floor) -> None:
    floor.simulator.script_customer(
        "+14085551212", CustomerScript(answer_after=4.0, hang_up_after=60.0)
    )
    call_id = await dial_out(floor)
    await floor.elapse(3.9)
    assert floor.state("a1") is AgentState.DIALING
    await floor.elapse(0.2)
    assert floor.state("a1") is AgentState.ON_CALL
    await floor.elapse(59.8)
    assert floor.state("a1") is AgentState.ON_CALL
    await floor.elapse(0.2)
    assert floor.state("a1") is AgentState.WRAP_UP
    stored = floor.stored_call(call_id)
    assert (stored["call_type"], stored["ended_by"]) == ("manual", "customer")


async def test_ring_all_rings_every_phone_and_the_quickest_takes_the_call(
    floor: Floor,
) -> None:
    campaign = replace(floor.center.campaign(floor.campaign_id), routing=Routing.RING_ALL)
    floor.center.configure([campaign], [BreakReason("Lunch")])
    floor.simulator.script_phone("1001", PhoneScript(answer_after=3.0))
    floor.simulator.script_phone("1002", PhoneScript(answer_after=1.0))
    await floor.ready("a1", "1001")
    await floor.ready("a2", "1002")
    call_id = floor.simulator.place_inbound_call("+14085551212", floor.campaign_id)
    await floor.elapse(0.5)
    assert floor.state("a1") is AgentState.RESERVED
    assert floor.state("a2") is AgentState.RESERVED
    await floor.elapse(1)
    assert floor.center.call(call_id).agent_id == "a2"
    assert floor.state("a2") is AgentState.ON_CALL
    assert floor.state("a1") is AgentState.READY
    await floor.elapse(5)  # a1's phone stopped ringing: its answer never comes
    assert floor.state("a1") is AgentState.READY
    assert floor.stored_call(call_id)["agent_id"] == "a2"


async def test_a_seeded_mix_of_customers_plays_out_the_same_way_twice(tmp_path: Path) -> None:
    async def outcomes(seed: int, run: str) -> list[tuple[object, float]]:
        clock = VirtualClock()
        counter = itertools.count(1)
        storage = SqlDatabase(f"sqlite:///{tmp_path / f'{run}.db'}")
        storage.migrate()
        storage.catalog.upsert_agent("a1", "a1", None)
        campaign_id = storage.catalog.upsert_campaign(
            "Sales", CampaignKind.OUTBOUND, DEMO_PLAN, ["a1"]
        )
        center = Center(lambda kind: f"{kind}-{next(counter)}")
        center.configure(await storage.catalog.campaigns(), [BreakReason("Lunch")])
        mix = CustomerMix(busy=0.3, no_answer=0.3, answer_after=(1, 9), talk=(5, 50))
        simulator = Simulator(clock, center.new_id, customers=mix, seed=seed)
        runtime = Runtime(center, storage.events, MemoryBus(), simulator, clock, storage.floor)
        await runtime.start()
        floor = Floor(clock, storage, simulator, runtime, campaign_id)
        await floor.ready("a1", "1001")
        ended = []
        for n in range(8):
            call_id = f"out-{n}"
            await runtime.command(cmd.Dial("a1", f"+1415555{n:04d}", call_id, CallType.MANUAL))
            await floor.elapse(120)
            if floor.state("a1") is AgentState.ON_CALL:
                await runtime.command(cmd.HangUp("a1"))
                await floor.elapse(0)
            ended.append((floor.stored_call(call_id)["ended_by"], floor.clock.now()))
            await runtime.command(cmd.Dispose("a1", "Sale"))
        await runtime.stop()
        storage.close()
        return ended

    first = await outcomes(42, "first")
    assert first == await outcomes(42, "again")
    assert {by for by, _ in first} >= {"busy", "no_answer"}
