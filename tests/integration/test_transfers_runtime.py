"""Transfers and conferences really move the call in the simulated network, in virtual time.

The runtime, the simulator and SQLite are real; only the clock is virtual. Each test checks
three things: the agents' states, the line in the simulator (who the customer talks to, which
legs ring or are answered), and the call record as stored (legs, transfers).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason, Extension
from agentbar.domain.model.call import CallState
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import TargetUnavailable
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.instructions import AddLeg
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import CustomerScript, IvrScript, PhoneScript, Simulator
from agentbar.services.runtime import Runtime
from tests.integration.test_runtime_timers import Floor

TARGET = "+14155550100"
CUSTOMER = "+14085551212"


class TransferFloor(Floor):
    """The virtual-time floor with three agents and campaigns to transfer between."""

    campaigns: dict[str, str]

    async def agent_ready(self, agent_id: str, phone: str, campaign: str = "Support") -> None:
        profile = AgentProfile(agent_id, agent_id, frozenset(self.campaigns.values()))
        await self.runtime.command(cmd.LogIn(profile))
        await self.runtime.command(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)))
        await self.runtime.command(cmd.SelectCampaign(agent_id, self.campaigns[campaign]))
        await self.runtime.command(cmd.GoReady(agent_id))

    async def talking(self, also_ready: tuple[str, str] | None = None) -> str:
        """a1 (extension 1001) is talking to a customer who called Support; `also_ready`
        (agent, phone) became ready after a1, so stays ready."""
        await self.agent_ready("a1", "1001")
        if also_ready is not None:
            await self.elapse(1)
            await self.agent_ready(*also_ready)
        call_id = self.simulator.place_inbound_call(CUSTOMER, self.campaigns["Support"])
        await self.elapse(0)
        assert self.state("a1") is AgentState.ON_CALL
        return call_id

    async def transfer(self, kind: TransferKind, target: str) -> None:
        await self.runtime.command(cmd.Transfer("a1", kind, target))
        await self.elapse(0)

    async def conference(self, kind: ConferenceKind, target: str) -> str:
        outcome = await self.runtime.command(cmd.Conference("a1", kind, target))
        await self.elapse(0)
        [leg_id] = [i.leg_id for i in outcome.instructions if isinstance(i, AddLeg)]
        return leg_id

    def legs(self, call_id: str) -> list[dict[str, object]]:
        with self.storage.engine.connect() as c:
            rows = c.exec_driver_sql(
                "SELECT * FROM call_legs WHERE call_id = ? ORDER BY position", (call_id,)
            )
            return [dict(r) for r in rows.mappings()]

    def transfers(self, call_id: str) -> list[dict[str, object]]:
        with self.storage.engine.connect() as c:
            rows = c.exec_driver_sql("SELECT * FROM call_transfers WHERE call_id = ?", (call_id,))
            return [dict(r) for r in rows.mappings()]


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[TransferFloor]:
    clock = VirtualClock()
    counter = itertools.count(1)
    new_id = lambda kind: f"{kind}-{next(counter)}"  # noqa: E731
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'floor.db'}")
    storage.migrate()
    agents = ["a1", "a2", "a3"]
    for agent_id in agents:
        storage.catalog.upsert_agent(agent_id, agent_id, None)
    campaigns = {
        name: storage.catalog.upsert_campaign(name, kind, DEMO_PLAN, agents, ring_timeout=10.0)
        for name, kind in (
            ("Support", CampaignKind.INBOUND),
            ("Billing", CampaignKind.INBOUND),
            ("Outreach", CampaignKind.OUTBOUND),
        )
    }
    storage.catalog.upsert_ivr("Survey", 0)
    center = Center(new_id)
    center.configure(
        await storage.catalog.campaigns(), [BreakReason("Lunch")], await storage.catalog.ivrs()
    )
    simulator = Simulator(clock, new_id)
    runtime = Runtime(center, storage.events, MemoryBus(), simulator, clock, storage.floor)
    await runtime.start()
    made = TransferFloor(clock, storage, simulator, runtime, campaigns["Support"])
    made.campaigns = campaigns
    yield made
    await runtime.stop()
    storage.close()


# -- blind transfers --------------------------------------------------------------------------


async def test_a_blind_transfer_bridges_the_customer_to_the_phone(floor: TransferFloor) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(answer_after=3.0, hang_up_after=60.0))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.PHONE, TARGET)
    assert floor.state("a1") is AgentState.WRAP_UP
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.customer_with) == (None, TARGET)
    [(leg_id, (address, answered))] = line.legs.items()
    assert (address, answered) == (TARGET, False)
    await floor.elapse(3)
    assert floor.simulator.line(call_id).legs[leg_id] == (TARGET, True)  # type: ignore[union-attr]
    await floor.runtime.command(cmd.Dispose("a1", "Sale"))
    assert floor.state("a1") is AgentState.READY
    # The agent has moved on; the customer and the phone talk until the phone hangs up.
    await floor.elapse(59.9)
    assert floor.simulator.line(call_id) is not None
    await floor.elapse(0.2)
    assert floor.simulator.line(call_id) is None
    stored = floor.stored_call(call_id)
    assert (stored["state"], stored["ended_by"], stored["disposition_code"]) == (
        "disposed",
        "transfer",
        "Sale",
    )
    legs = {leg["kind"]: leg for leg in floor.legs(call_id)}
    assert legs["agent"]["end_reason"] == "transferred"
    assert (legs["phone"]["party"], legs["phone"]["purpose"]) == (TARGET, "transfer")
    assert legs["phone"]["answered_at"] is not None
    assert legs["phone"]["end_reason"] == "hung_up"
    assert legs["customer"]["ended_at"] is not None
    [transfer] = floor.transfers(call_id)
    assert (transfer["kind"], transfer["target"], transfer["state"]) == (
        "phone",
        TARGET,
        "completed",
    )


async def test_a_blind_transfer_to_a_busy_phone_ends_the_call(floor: TransferFloor) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(busy=True))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.PHONE, TARGET)
    assert floor.simulator.line(call_id) is None
    legs = {leg["kind"]: leg for leg in floor.legs(call_id)}
    assert legs["phone"]["end_reason"] == "busy"
    assert legs["customer"]["end_reason"] == "busy"
    assert floor.state("a1") is AgentState.WRAP_UP


async def test_a_transfer_to_an_ivr_leaves_the_customer_with_it(floor: TransferFloor) -> None:
    floor.simulator.script_ivr("Survey", IvrScript(hang_up_after=20.0))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.IVR, "survey")
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.customer_with) == (None, "Survey")
    assert floor.state("a1") is AgentState.WRAP_UP
    await floor.elapse(20)
    assert floor.simulator.line(call_id) is None
    legs = {leg["kind"]: leg for leg in floor.legs(call_id)}
    assert (legs["ivr"]["party"], legs["ivr"]["end_reason"]) == ("Survey", "hung_up")


# -- consult ----------------------------------------------------------------------------------


async def test_a_consult_then_complete_hands_the_customer_to_the_target(
    floor: TransferFloor,
) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(answer_after=2.0))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.INCALL, TARGET)
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.on_hold, line.agent_phone, line.customer_with) == (True, "1001", None)
    assert floor.center.call(call_id).state is CallState.CONSULTING
    await floor.elapse(2)
    assert list(floor.simulator.line(call_id).legs.values()) == [(TARGET, True)]  # type: ignore[union-attr]
    await floor.runtime.command(cmd.CompleteTransfer("a1"))
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.on_hold, line.agent_phone, line.customer_with) == (False, None, TARGET)
    assert floor.state("a1") is AgentState.WRAP_UP
    floor.simulator.hang_up_customer(call_id)
    await floor.elapse(0)
    legs = {leg["kind"]: leg for leg in floor.legs(call_id)}
    assert legs["phone"]["purpose"] == "consult"
    assert legs["phone"]["end_reason"] == "customer"
    assert floor.transfers(call_id)[0]["state"] == "completed"


async def test_a_cancelled_consult_returns_to_the_customer(floor: TransferFloor) -> None:
    call_id = await floor.talking()
    await floor.transfer(TransferKind.INCALL, TARGET)
    await floor.runtime.command(cmd.CancelTransfer("a1"))
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.on_hold, line.agent_phone, line.legs) == (False, "1001", {})
    assert floor.center.call(call_id).state is CallState.CONNECTED
    assert floor.stored_call(call_id)["state"] == "connected"
    assert floor.transfers(call_id)[0]["state"] == "cancelled"


async def test_an_unanswered_consult_fails_back_to_the_customer(floor: TransferFloor) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(answer_after=None))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.INCALL, TARGET)
    await floor.elapse(29.9)
    assert floor.center.call(call_id).state is CallState.CONSULTING
    await floor.elapse(0.2)
    assert floor.center.call(call_id).state is CallState.CONNECTED
    assert floor.simulator.is_on_hold(call_id) is False
    assert floor.transfers(call_id)[0]["state"] == "failed"
    assert floor.legs(call_id)[-1]["end_reason"] == "no_answer"


# -- back into routing ------------------------------------------------------------------------


async def test_a_queue_transfer_rings_the_next_agent_of_that_queue(floor: TransferFloor) -> None:
    await floor.agent_ready("a2", "1002", "Billing")
    call_id = await floor.talking()
    await floor.transfer(TransferKind.QUEUE, "Billing")
    assert floor.state("a1") is AgentState.WRAP_UP
    assert floor.state("a2") is AgentState.ON_CALL
    new_id = floor.center.agent("a2").call_id
    assert new_id is not None
    assert new_id != call_id
    # The same line, now bridged to a2's phone, still answers to its old name.
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.call_id, line.agent_phone) == (new_id, "1002")
    stored = floor.stored_call(new_id)
    assert (stored["transferred_from"], stored["call_type"], stored["campaign_id"]) == (
        call_id,
        "inbound",
        int(floor.campaigns["Billing"]),
    )
    assert floor.transfers(call_id)[0]["new_call_id"] == new_id
    floor.simulator.hang_up_customer(call_id)
    await floor.elapse(0)
    assert floor.state("a2") is AgentState.WRAP_UP
    assert floor.state("a1") is AgentState.WRAP_UP  # their own part still needs disposing
    assert [leg["kind"] for leg in floor.legs(new_id)] == ["customer", "agent"]


async def test_a_campaign_transfer_may_go_to_an_outbound_campaign(floor: TransferFloor) -> None:
    await floor.agent_ready("a3", "1003", "Outreach")
    await floor.talking()
    await floor.transfer(TransferKind.CAMPAIGN, "Outreach")
    assert floor.state("a3") is AgentState.ON_CALL
    new_id = floor.center.agent("a3").call_id
    assert new_id is not None
    assert floor.center.call(new_id).crm_params["transferKind"] == "campaign"


async def test_a_user_transfer_rings_that_agent_or_is_refused(floor: TransferFloor) -> None:
    floor.simulator.script_phone("1002", PhoneScript(answer_after=4.0))
    call_id = await floor.talking()
    with pytest.raises(TargetUnavailable):
        await floor.runtime.command(cmd.Transfer("a1", TransferKind.USER, "a2"))
    assert floor.simulator.line(call_id).agent_phone == "1001"  # type: ignore[union-attr]
    assert floor.transfers(call_id) == []
    await floor.agent_ready("a2", "1002", "Billing")
    await floor.transfer(TransferKind.USER, "a2")
    assert floor.state("a2") is AgentState.RESERVED
    await floor.elapse(4)
    assert floor.state("a2") is AgentState.ON_CALL
    assert floor.simulator.line(call_id).agent_phone == "1002"  # type: ignore[union-attr]


async def test_an_unanswered_user_transfer_follows_the_ring_timeout_rules(
    floor: TransferFloor,
) -> None:
    floor.simulator.script_phone("1002", PhoneScript(answer_after=None))
    await floor.talking(also_ready=("a2", "1002"))
    await floor.transfer(TransferKind.USER, "a2")
    new_id = floor.center.agent("a2").call_id
    assert new_id is not None
    first_offer = floor.center.call(new_id).user_crt
    await floor.elapse(9.9)
    assert floor.center.agent("a2").missed == 0
    await floor.elapse(0.2)
    # Missed: back to the front of its campaign's queue, and offered afresh to the one
    # ready agent of that campaign.
    call = floor.center.call(new_id)
    assert floor.center.agent("a2").missed == 1
    assert (call.state, call.agent_id) == (CallState.OFFERED, "a2")
    assert call.user_crt != first_offer
    agent_legs = [leg for leg in floor.legs(new_id) if leg["kind"] == "agent"]
    assert [leg["end_reason"] for leg in agent_legs] == ["no_answer", None]


# -- conferences ------------------------------------------------------------------------------


async def test_a_phone_conference_adds_a_party_that_can_be_dropped(floor: TransferFloor) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(answer_after=1.0))
    call_id = await floor.talking()
    leg_id = await floor.conference(ConferenceKind.PHONE, TARGET)
    await floor.elapse(1)
    line = floor.simulator.line(call_id)
    assert line is not None
    assert (line.agent_phone, line.legs) == ("1001", {leg_id: (TARGET, True)})
    await floor.runtime.command(cmd.DropLeg("a1", leg_id))
    assert floor.simulator.line(call_id).legs == {}  # type: ignore[union-attr]
    assert floor.state("a1") is AgentState.ON_CALL
    [leg] = [leg for leg in floor.legs(call_id) if leg["leg_id"] == leg_id]
    assert (leg["purpose"], leg["end_reason"]) == ("conference", "dropped")


async def test_a_tpv_conference_flags_the_call(floor: TransferFloor) -> None:
    call_id = await floor.talking()
    await floor.conference(ConferenceKind.TPV, TARGET)
    assert floor.stored_call(call_id)["tpv"] == 1
    assert floor.legs(call_id)[-1]["kind"] == "tpv"


async def test_a_user_conference_joins_another_agent_until_the_customer_hangs_up(
    floor: TransferFloor,
) -> None:
    floor.simulator.script_phone("1002", PhoneScript(answer_after=2.0))
    call_id = await floor.talking(also_ready=("a2", "1002"))
    assert floor.state("a2") is AgentState.READY
    leg_id = await floor.conference(ConferenceKind.USER, "a2")
    assert floor.state("a2") is AgentState.INVITED
    await floor.elapse(2)
    assert floor.state("a2") is AgentState.CONFERENCING
    assert floor.simulator.line(call_id).legs == {leg_id: ("1002", True)}  # type: ignore[union-attr]
    floor.simulator.hang_up_customer(call_id)
    await floor.elapse(0)
    assert floor.state("a1") is AgentState.WRAP_UP
    assert floor.state("a2") is AgentState.READY
    assert all(leg["ended_at"] is not None for leg in floor.legs(call_id))


async def test_a_local_ivr_conference_leg_ends_on_its_own(floor: TransferFloor) -> None:
    floor.simulator.script_ivr("Survey", IvrScript(hang_up_after=5.0))
    call_id = await floor.talking()
    leg_id = await floor.conference(ConferenceKind.IVR, "Survey")
    await floor.elapse(5)
    assert floor.simulator.line(call_id).legs == {}  # type: ignore[union-attr]
    assert floor.state("a1") is AgentState.ON_CALL
    [leg] = [leg for leg in floor.legs(call_id) if leg["leg_id"] == leg_id]
    assert (leg["kind"], leg["party"], leg["end_reason"]) == ("ivr", "Survey", "hung_up")


async def test_a_customer_who_hangs_up_as_the_queue_transfer_starts_is_not_left_queued(
    floor: TransferFloor,
) -> None:
    call_id = await floor.talking()
    # The hangup reaches the runtime's inbox, not yet applied, as the transfer is decided.
    floor.simulator.hang_up_customer(call_id)
    # The transfer is decided first; its answer waits until the hangup is applied too.
    outcome = await floor.runtime.command(cmd.Transfer("a1", TransferKind.QUEUE, "Billing"))
    [new_id] = [c for c in outcome.calls if c != call_id]
    await floor.elapse(0)
    assert new_id not in floor.center.calls
    assert floor.center.waiting_count(floor.campaigns["Billing"]) == 0
    assert floor.stored_call(new_id)["state"] == "abandoned"
    assert floor.simulator.live_calls() == []


async def test_completing_a_consult_whose_target_just_hung_up_ends_the_line(
    floor: TransferFloor,
) -> None:
    floor.simulator.script_customer(TARGET, CustomerScript(answer_after=1.0, hang_up_after=5.0))
    call_id = await floor.talking()
    await floor.transfer(TransferKind.INCALL, TARGET)
    await floor.elapse(1)
    # The target hangs up; its LegEnded waits in the inbox as the agent completes.
    floor.clock.advance(5)
    await floor.runtime.command(cmd.CompleteTransfer("a1"))
    await floor.elapse(0)
    assert floor.simulator.line(call_id) is None
    assert floor.state("a1") is AgentState.WRAP_UP
    assert all(leg["ended_at"] is not None for leg in floor.legs(call_id))
