"""A deposed owner decides nothing that anyone sees: once another node holds the floor's lease,
a move of the old owner is refused by the fence — nothing stored, nothing published, no
telephony instruction carried out, the numbering untouched — and the owner is told to stop."""

from __future__ import annotations

import asyncio

import pytest

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model.agent import AgentProfile, BreakReason, Extension
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.commands import GoReady, LogIn, SelectCampaign, SelectExtension
from agentbar.drivers.bus.fanout import agent_topic
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ids import new_id
from agentbar.ports import Fenced
from agentbar.services.runtime import Runtime
from tests.support.memory_storage import MemoryStorage


async def test_a_deposed_owners_move_is_fenced_and_seen_by_no_one() -> None:
    clock, storage, bus = VirtualClock(), MemoryStorage(), MemoryBus()
    storage.catalog.upsert_agent("a1", "A1", None)
    campaign_id = storage.catalog.upsert_campaign(
        "Support", CampaignKind.INBOUND, DEMO_PLAN, ["a1"]
    )
    center = Center(new_id)
    center.configure(await storage.catalog.campaigns(), [BreakReason("Lunch")])
    simulator = Simulator(clock, new_id)
    runtime = Runtime(center, storage.events, bus, simulator, clock, storage.floor)
    epoch = await storage.lease.acquire("n1", clock.now(), 5.0)
    assert epoch == 1
    runtime.fence = epoch
    told: list[str] = []
    runtime.on_unstored = told.append
    await runtime.start()
    await runtime.command(LogIn(AgentProfile("a1", "A1", frozenset({campaign_id}))))
    await runtime.command(SelectExtension("a1", Extension("SIP 1001", "1001")))
    await runtime.command(SelectCampaign("a1", campaign_id))
    seq = await storage.events.last_seq()
    watching = bus.subscribe(agent_topic("a1"))

    # Another node takes the lease (this one's ran out while it was cut off).
    clock.advance(10.0)
    assert await storage.lease.acquire("n2", clock.now(), 5.0) == 2
    with pytest.raises(Fenced):
        await runtime.command(GoReady("a1"))
    assert told == ["the floor's lease is no longer at epoch 1"]
    assert await storage.events.last_seq() == seq
    [stored] = (await storage.floor.load_floor()).agents
    assert stored.state.value == "not_ready"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(watching.get(), timeout=0.05)
    await runtime.stop()
