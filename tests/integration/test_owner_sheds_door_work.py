"""The floor's owner refuses its doors' new work while it is behind, and nothing else: a door's
new work past the owner's limit comes back `OwnerBusy` at once, never carried out; work in
progress (an ask not marked new) is carried out at the limit all the same."""

from __future__ import annotations

import asyncio
from typing import Any

from agentbar.clock import VirtualClock
from agentbar.domain.center import Center
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.bus.memory_link import LinkHub, MemoryFloorLink
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ids import new_id
from agentbar.ports.floor_link import OwnerBusy, ServiceAsk
from agentbar.services.owner_gate import OwnerGate
from agentbar.services.runtime import Runtime
from tests.support.memory_storage import MemoryStorage


async def test_past_its_limit_the_owner_refuses_a_doors_new_work_and_carries_out_the_rest() -> None:
    clock, storage, hub = VirtualClock(), MemoryStorage(), LinkHub()
    owner_link, door_link = MemoryFloorLink(hub), MemoryFloorLink(hub)
    owner = Runtime(
        Center(new_id), storage.events, MemoryBus(), Simulator(clock, new_id), clock,
        storage.floor, owner_link,
    )  # fmt: skip
    owner.owner_gate = gate = OwnerGate(target=0.02, ceiling=1)
    carried_out: list[dict[str, Any]] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def place(args: dict[str, Any]) -> dict[str, Any]:
        carried_out.append(args)
        if args.get("hold"):
            holding.set()
            await release.wait()
        return {"placed": args["n"]}

    owner.provide("place", place)
    await owner_link.start()
    await door_link.start()
    await owner.start()
    owner.serve_doors()
    try:
        held = asyncio.create_task(door_link.ask(ServiceAsk("place", {"n": 1, "hold": True}), 5))
        await asyncio.wait_for(holding.wait(), timeout=5)
        assert gate.in_flight == 1

        refused = await door_link.ask(ServiceAsk("place", {"n": 2}, new_work=True), 5)
        assert isinstance(refused.refusal, OwnerBusy)
        assert refused.refusal.code == "busy"
        assert "nothing was done" in refused.refusal.message
        assert gate.shed == 1

        in_progress = await asyncio.wait_for(
            door_link.ask(ServiceAsk("place", {"n": 3}), 5), timeout=5
        )
        assert in_progress.result == {"placed": 3}  # not new work: carried out at the limit

        release.set()
        assert (await held).result == {"placed": 1}
        taken = await door_link.ask(ServiceAsk("place", {"n": 4}, new_work=True), 5)
        assert taken.result == {"placed": 4}  # room again: new work is carried out
        assert [args["n"] for args in carried_out] == [1, 3, 4]  # never the refused one
        assert (gate.shed, gate.in_flight) == (1, 0)
    finally:
        release.set()
        await owner.stop()
        await door_link.stop()
        await owner_link.stop()
