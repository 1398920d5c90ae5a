"""The floor's lease, every driver: one holder at a time, a new epoch per holder, renewals only
by the holder of the epoch, writes fenced by the epoch they carry, and the nodes' heartbeats."""

from __future__ import annotations

import pytest

from agentbar.domain.model.agent import Agent, AgentProfile
from agentbar.domain.model.durable import FloorChanges
from agentbar.ports import Envelope, Fenced, LeaseState, NodeSeen, Storage


async def test_a_new_storage_has_a_free_lease_at_epoch_zero(storage: Storage) -> None:
    assert await storage.lease.lease() == LeaseState(None, 0, 0.0)


async def test_one_node_at_a_time_holds_the_lease_each_with_a_new_epoch(
    storage: Storage,
) -> None:
    lease = storage.lease
    assert await lease.acquire("n1", 100.0, 5.0) == 1
    assert await lease.acquire("n2", 104.0, 5.0) is None
    # Not even a process with the holder's own id takes over a lease it did not renew.
    assert await lease.acquire("n1", 104.0, 5.0) is None
    assert await lease.renew("n1", 1, 104.0, 5.0)
    assert await lease.acquire("n2", 108.0, 5.0) is None
    assert await lease.lease() == LeaseState("n1", 1, 109.0)
    # Run out: the next node takes it with the next epoch; the old holder cannot renew.
    assert await lease.acquire("n2", 109.5, 5.0) == 2
    assert not await lease.renew("n1", 1, 110.0, 5.0)
    assert await lease.lease() == LeaseState("n2", 2, 114.5)


async def test_a_released_lease_is_taken_at_once(storage: Storage) -> None:
    lease = storage.lease
    assert await lease.acquire("n1", 100.0, 5.0) == 1
    await lease.release("n2", 1)  # not the holder: nothing happens
    assert (await lease.lease()).owner == "n1"
    await lease.release("n1", 1)
    assert await lease.acquire("n2", 100.5, 5.0) == 2


async def test_a_write_fenced_by_an_old_epoch_stores_nothing(storage: Storage) -> None:
    lease = storage.lease
    assert await lease.acquire("n1", 100.0, 5.0) == 1
    agent = Agent(AgentProfile("a1", "A1", frozenset()))
    first = Envelope(1, "agent.ready", 100.0, "a1", None, {})
    await storage.events.record([first], [], floor=FloorChanges(agents=[agent]), fence=1)
    assert await lease.acquire("n2", 200.0, 5.0) == 2
    late = Envelope(2, "agent.ready", 201.0, "a1", None, {})
    with pytest.raises(Fenced):
        await storage.events.record([late], [], floor=FloorChanges(agents_gone=["a1"]), fence=1)
    assert await storage.events.last_seq() == 1
    assert [a.agent_id for a in (await storage.floor.load_floor()).agents] == ["a1"]
    await storage.events.record([late], [], floor=FloorChanges(agents_gone=["a1"]), fence=2)
    assert (await storage.floor.load_floor()).agents == []


async def test_nodes_are_listed_by_their_last_heartbeat(storage: Storage) -> None:
    lease = storage.lease
    await lease.beat("n2", 100.0, 3)
    await lease.beat("n1", 101.0, 0)
    await lease.beat("n2", 102.0, 5)
    assert await lease.nodes(since=0.0) == [NodeSeen("n1", 101.0, 0), NodeSeen("n2", 102.0, 5)]
    assert await lease.nodes(since=101.5) == [NodeSeen("n2", 102.0, 5)]


async def test_a_lease_whose_holder_is_known_dead_is_taken_at_once(storage: Storage) -> None:
    lease = storage.lease
    assert await lease.acquire("n1", 100.0, 5.0) == 1
    assert await lease.acquire("n1", 101.0, 5.0) is None
    assert await lease.acquire("n1", 101.0, 5.0, holder_is_dead=True) == 2
    assert await lease.lease() == LeaseState("n1", 2, 106.0)
    assert not await lease.renew("n1", 1, 102.0, 5.0)
