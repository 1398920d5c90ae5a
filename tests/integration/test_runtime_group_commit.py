"""The runtime's group commit: moves asked while a write is under way are decided and stored
together, in the order asked, each acknowledged only once stored and published; a write that
fails once its moves are decided fails them and every move waiting, and the runtime decides
nothing more (the floor in memory took moves storage never saw). A database that takes no
write refuses the moves before any is decided: the floor goes on, and a telephony signal so
refused is applied once the database takes writes again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model.agent import AgentProfile, BreakReason, Extension
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.commands import (
    GoReady,
    LogIn,
    SelectCampaign,
    SelectExtension,
    TakeBreak,
)
from agentbar.drivers.bus.fanout import agent_topic
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ids import new_id
from agentbar.ports import EventLog, StorageUnavailable, StoredMove
from agentbar.services.runtime import OwnerUnreachable, Runtime
from agentbar.services.signal_pump import MOST_AT_ONCE
from tests.support.memory_storage import MemoryStorage

AGENTS = [f"a{n}" for n in range(1, 7)]


class WatchedLog:
    """The event log, with each write's batch size seen, and a write that can be held up
    (a slow database) or made to fail."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self.batches: list[int] = []
        self.hold: asyncio.Event | None = None
        self.held = asyncio.Event()
        self.fail_next = False
        self.lock_refused: StorageUnavailable | None = None
        self.lock_tries = 0
        self.lock_tried = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self._log, name)

    async def record_decided(
        self, decide: Callable[[], Sequence[StoredMove]], fence: int | None = None
    ) -> None:
        if self.lock_refused is not None:  # the write lock is not had: nothing is decided
            self.lock_tries += 1
            self.lock_tried.set()
            raise self.lock_refused
        moves = decide()
        if moves:
            await self.record_moves(moves, fence)

    async def record_moves(self, moves: Sequence[StoredMove], fence: int | None = None) -> None:
        if self.hold is not None:
            self.held.set()
            await self.hold.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("the database went away")
        await self._log.record_moves(moves, fence)
        self.batches.append(len(moves))


class Floor:
    def __init__(self) -> None:
        self.clock, self.storage, self.bus = VirtualClock(), MemoryStorage(), MemoryBus()
        self.log = WatchedLog(self.storage.events)
        self.center = Center(new_id)
        self.runtime = Runtime(
            self.center,
            self.log,  # type: ignore[arg-type]  # the port's methods, forwarded
            self.bus,
            Simulator(self.clock, new_id),
            self.clock,
            self.storage.floor,
        )

    async def start(self) -> None:
        for agent_id in AGENTS:
            self.storage.catalog.upsert_agent(agent_id, agent_id.upper(), None)
        campaign_id = self.storage.catalog.upsert_campaign(
            "Support", CampaignKind.INBOUND, DEMO_PLAN, AGENTS
        )
        self.center.configure(await self.storage.catalog.campaigns(), [BreakReason("Lunch")])
        await self.runtime.start()
        for n, agent_id in enumerate(AGENTS, 1):
            profile = AgentProfile(agent_id, agent_id.upper(), frozenset({campaign_id}))
            await self.runtime.command(LogIn(profile))
            await self.runtime.command(SelectExtension(agent_id, Extension(f"SIP {n}", str(n))))
            await self.runtime.command(SelectCampaign(agent_id, campaign_id))

    async def calls_taken(self) -> list[str]:
        """The calls offered or queued, in the order stored."""
        events = await self.storage.events.events_since(0, 10_000)
        taken = [e.call_id for e in events if e.kind in ("call.offered", "call.queued")]
        return [call_id for call_id in dict.fromkeys(taken) if call_id is not None]

    async def stored_seqs(self) -> list[int]:
        return [e.seq for e in await self.storage.events.events_since(0, 10_000)]


async def test_moves_decided_during_a_write_are_stored_together_and_each_acked_once_stored() -> (
    None
):
    floor = Floor()
    await floor.start()
    before = len(floor.log.batches)
    watching = floor.bus.subscribe(agent_topic("a1"))
    floor.log.hold = asyncio.Event()
    first = asyncio.create_task(floor.runtime.command(GoReady("a1")))
    await floor.log.held.wait()  # the write of a1's move is under way: the rest wait for it
    rest = [asyncio.create_task(floor.runtime.command(GoReady(a))) for a in AGENTS[1:]]
    await asyncio.sleep(0)
    assert not any(task.done() for task in [first, *rest])  # nothing acked before it is stored
    with pytest.raises(TimeoutError):  # nor published
        await asyncio.wait_for(watching.get(), timeout=0.01)
    floor.log.hold.set()
    outcomes = await asyncio.gather(first, *rest)

    assert floor.log.batches[before:] == [1, len(AGENTS) - 1]
    seqs = await floor.stored_seqs()
    assert seqs == list(range(1, len(seqs) + 1))
    for agent_id, outcome in zip(AGENTS, outcomes, strict=True):
        assert [e.topic_agent for e in outcome.events] == [agent_id]
    ready = {a.agent_id: a.state.value for a in (await floor.storage.floor.load_floor()).agents}
    assert ready == dict.fromkeys(AGENTS, "ready")
    assert (await watching.get()).data["state"] == "ready"
    await floor.runtime.stop()


async def test_a_failed_write_fails_the_moves_decided_on_top_of_it_and_halts_the_floor() -> None:
    floor = Floor()
    await floor.start()
    stored = await floor.stored_seqs()
    told: list[str] = []
    floor.runtime.on_unstored = told.append
    floor.log.hold = asyncio.Event()
    floor.log.fail_next = True
    failing = asyncio.create_task(floor.runtime.command(GoReady("a1")))
    await floor.log.held.wait()
    behind = asyncio.create_task(floor.runtime.command(GoReady("a2")))
    await asyncio.sleep(0)
    floor.log.hold.set()
    for task in (failing, behind):
        with pytest.raises(OwnerUnreachable, match="could not be stored") as refused:
            await task
        assert isinstance(refused.value.__cause__, OSError)
    assert await floor.stored_seqs() == stored
    assert told == [
        "a move could not be stored, so memory is ahead of storage (the database went away)"
    ]
    with pytest.raises(OwnerUnreachable, match="starting over"):  # it decides nothing more
        await floor.runtime.command(TakeBreak("a3", "Lunch"))
    await floor.runtime.stop()


async def test_a_database_that_takes_no_write_refuses_before_deciding_and_the_floor_goes_on() -> (
    None
):
    floor = Floor()
    await floor.start()
    stored = await floor.stored_seqs()
    told: list[str] = []
    floor.runtime.on_unstored = told.append
    floor.log.lock_refused = StorageUnavailable("database is locked")
    asks = [asyncio.create_task(floor.runtime.command(GoReady(a))) for a in AGENTS[:3]]
    for task in asks:
        with pytest.raises(StorageUnavailable, match="database is locked"):
            await task
    assert floor.log.lock_tries == 1  # the asks waiting on the same write share its refusal
    assert [floor.center.agents[a].state.value for a in AGENTS[:3]] == ["not_ready"] * 3
    assert await floor.stored_seqs() == stored
    assert told == []
    assert floor.runtime.halted is None

    floor.log.lock_refused = None
    await floor.runtime.command(GoReady("a1"))
    assert await floor.stored_seqs() == [*stored, stored[-1] + 1]  # numbered on from storage
    assert floor.center.agents["a1"].state.value == "ready"
    await floor.runtime.stop()


async def test_a_signal_the_database_took_no_write_for_is_applied_once_it_takes_one() -> None:
    floor = Floor()
    await floor.start()
    await floor.runtime.command(GoReady("a1"))
    campaign_id = floor.center.agents["a1"].campaign_id
    assert campaign_id is not None
    floor.log.lock_refused = StorageUnavailable("database is locked")
    simulator = floor.runtime._telephony
    assert isinstance(simulator, Simulator)
    call_id = simulator.place_inbound_call("+15550100", campaign_id)
    arrived = asyncio.create_task(floor.runtime.caught_up())
    await floor.log.lock_tried.wait()
    floor.log.lock_tried.clear()
    await floor.log.lock_tried.wait()  # refused, and tried again
    assert not arrived.done()
    assert call_id not in floor.center.calls

    floor.log.lock_refused = None
    await asyncio.wait_for(arrived, timeout=5.0)
    assert floor.center.calls[call_id].agent_id == "a1"  # offered once stored
    kinds = [e.kind for e in await floor.storage.events.events_since(0, 10_000)]
    assert "call.offered" in kinds
    await floor.runtime.stop()


async def _calls_placed_while_the_writer_is_busy(
    floor: Floor, numbers: list[str]
) -> tuple[list[str], list[int]]:
    """Three agents ready, then customers call while the writer stores a fourth going ready:
    the signals wait for it. Once the floor has taken them all: the calls placed, and the
    sizes of the writes from the fourth agent's on."""
    await floor.start()
    for agent_id in AGENTS[:3]:
        await floor.runtime.command(GoReady(agent_id))
    campaign_id = floor.center.agents["a1"].campaign_id
    assert campaign_id is not None
    simulator = floor.runtime._telephony
    assert isinstance(simulator, Simulator)
    before = len(floor.log.batches)
    floor.log.hold = asyncio.Event()
    busy = asyncio.create_task(floor.runtime.command(GoReady("a4")))
    await floor.log.held.wait()  # the writer is busy: the customers' calls wait for it
    placed = [simulator.place_inbound_call(number, campaign_id) for number in numbers]
    arrived = asyncio.create_task(floor.runtime.caught_up())
    await asyncio.sleep(0)
    assert not arrived.done()
    floor.log.hold.set()
    await busy
    await asyncio.wait_for(arrived, timeout=5.0)
    return placed, floor.log.batches[before:]


async def test_signals_received_during_a_write_are_stored_together_in_the_order_received() -> None:
    floor = Floor()

    placed, writes = await _calls_placed_while_the_writer_is_busy(
        floor, [f"+1555010{n}" for n in range(3)]
    )

    assert writes == [1, 3]  # one write for the three signals
    assert await floor.calls_taken() == placed
    assert all(floor.center.calls[call_id].agent_id is not None for call_id in placed)
    await floor.runtime.stop()


async def test_a_burst_of_signals_is_stored_in_the_order_received_in_writes_of_a_bounded_size() -> (
    None
):
    floor = Floor()
    burst = 2 * MOST_AT_ONCE + 1

    placed, writes = await _calls_placed_while_the_writer_is_busy(
        floor, [f"+1555{n:07d}" for n in range(burst)]
    )

    # Every signal waited at once, yet no write carried more than MOST_AT_ONCE of them.
    assert writes == [1, MOST_AT_ONCE, MOST_AT_ONCE, 1]
    assert await floor.calls_taken() == placed  # every call, in the order the signals came
    offered = [floor.center.calls[call_id].agent_id for call_id in placed]
    assert set(offered[:4]) == set(AGENTS[:4])  # the first four in get the four ready agents
    assert offered[4:] == [None] * (burst - 4)  # the rest queue behind them
    await floor.runtime.stop()


async def test_signals_the_database_took_no_write_for_are_applied_in_order_once_it_takes_one() -> (
    None
):
    floor = Floor()
    await floor.start()
    await floor.runtime.command(GoReady("a1"))
    campaign_id = floor.center.agents["a1"].campaign_id
    assert campaign_id is not None
    simulator = floor.runtime._telephony
    assert isinstance(simulator, Simulator)
    floor.log.lock_refused = StorageUnavailable("database is locked")
    placed = [simulator.place_inbound_call(f"+1555020{n}", campaign_id) for n in range(3)]
    arrived = asyncio.create_task(floor.runtime.caught_up())
    await floor.log.lock_tried.wait()
    floor.log.lock_tried.clear()
    await floor.log.lock_tried.wait()  # refused, and tried again
    assert not arrived.done()

    floor.log.lock_refused = None
    await asyncio.wait_for(arrived, timeout=5.0)
    assert await floor.calls_taken() == placed
    assert floor.center.calls[placed[0]].agent_id == "a1"  # the first call in gets the agent
    await floor.runtime.stop()
