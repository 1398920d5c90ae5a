"""The floor's lease as the nodes run it: a free lease is taken and the floor with it; an owner
renews; one whose renewal is refused, or who cannot renew for 80% of the lease, stops deciding
before anyone else may start; a clean stop gives the lease up at once."""

from __future__ import annotations

from agentbar.clock import VirtualClock
from agentbar.ports import LeaseState
from agentbar.services.ownership import FloorOwnership
from tests.support.memory_lease import MemoryFloorLease
from tests.support.memory_tables import Tables

LEASE = 5.0


class Node:
    def __init__(self, node_id: str, lease: MemoryFloorLease, clock: VirtualClock) -> None:
        self.taken: list[int] = []
        self.lost: list[str] = []
        self.ownership = FloorOwnership(
            lease,
            clock,
            node_id,
            LEASE,
            take=self._take,
            lose=self.lost.append,
            sockets=lambda: 7,
        )

    async def _take(self, epoch: int) -> None:
        self.taken.append(epoch)


class FailingLease(MemoryFloorLease):
    """The database is away: every call fails."""

    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.away = False

    async def renew(self, node_id: str, epoch: int, now: float, seconds: float) -> bool:
        if self.away:
            raise ConnectionError("database unreachable")
        return await super().renew(node_id, epoch, now, seconds)

    async def beat(self, node_id: str, now: float, sockets: int) -> None:
        if self.away:
            raise ConnectionError("database unreachable")
        await super().beat(node_id, now, sockets)


async def test_the_first_node_takes_the_floor_and_the_second_stands_by() -> None:
    clock, tables = VirtualClock(), Tables()
    lease = MemoryFloorLease(tables)
    one, two = Node("n1", lease, clock), Node("n2", lease, clock)
    await one.ownership.step()
    await two.ownership.step()
    assert (one.taken, one.ownership.serving, one.ownership.epoch) == ([1], True, 1)
    assert (two.taken, two.ownership.serving, two.ownership.epoch) == ([], False, None)
    assert [(n.node_id, n.sockets) for n in await lease.nodes(0.0)] == [("n1", 7), ("n2", 7)]


async def test_an_owner_that_renews_keeps_the_floor() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    one, two = Node("n1", lease, clock), Node("n2", lease, clock)
    await one.ownership.step()
    for _ in range(10):
        clock.advance(LEASE / 3)
        await one.ownership.step()
        await two.ownership.step()
    assert one.ownership.serving
    assert not one.lost
    assert two.taken == []


async def test_a_dead_owners_floor_is_taken_once_its_lease_runs_out() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    one, two = Node("n1", lease, clock), Node("n2", lease, clock)
    await one.ownership.step()
    clock.advance(LEASE)  # n1 died: it renews no more
    await two.ownership.step()
    assert two.taken == []  # not yet: the lease runs out only after its whole length
    clock.advance(0.01)
    await two.ownership.step()
    assert two.taken == [2]


async def test_a_waiting_node_tries_again_just_after_the_owners_lease_runs_out() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    one, two = Node("n1", lease, clock), Node("n2", lease, clock)
    taken_at = clock.now()
    await one.ownership.step()
    clock.advance(1.0)  # n1 dies now: its lease runs out 4 s from here
    await two.ownership.step()
    assert two.ownership.next_step_in() == LEASE / 3  # not before a third of a lease
    clock.advance(LEASE / 3)
    await two.ownership.step()
    clock.advance(LEASE / 3)
    await two.ownership.step()
    wait = two.ownership.next_step_in()
    assert 0 < wait < LEASE / 3  # the lease runs out sooner than a whole round
    clock.advance(wait)
    await two.ownership.step()
    assert two.taken == [2]
    assert clock.now() - (taken_at + LEASE) <= 0.05  # taken a moment after it ran out


async def test_an_owner_cut_from_the_database_stops_before_another_may_start() -> None:
    clock, tables = VirtualClock(), Tables()
    lease = FailingLease(tables)
    one, two = Node("n1", lease, clock), Node("n2", MemoryFloorLease(tables), clock)
    await one.ownership.step()
    lease.away = True
    stopped_at = None
    while stopped_at is None:
        clock.advance(LEASE / 10)
        await one.ownership.step()
        await two.ownership.step()
        if one.lost:
            stopped_at = clock.now()
        assert two.taken == [], "another node started while the owner still decided"
    assert not one.ownership.serving
    while not two.taken:
        clock.advance(LEASE / 10)
        await two.ownership.step()
    assert clock.now() > stopped_at
    assert two.taken == [2]


async def test_an_owner_whose_renewal_is_refused_stops_at_once() -> None:
    clock, tables = VirtualClock(), Tables()
    lease = MemoryFloorLease(tables)
    one = Node("n1", lease, clock)
    await one.ownership.step()
    tables.lease = LeaseState("n2", 2, clock.now() + LEASE)  # taken behind its back
    await one.ownership.step()
    assert one.lost == ["another node holds the floor's lease"]
    assert not one.ownership.serving


async def test_a_fenced_write_stops_the_owner_once() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    one = Node("n1", lease, clock)
    await one.ownership.step()
    one.ownership.lost("the floor's lease is no longer at epoch 1")
    one.ownership.lost("again")
    assert one.lost == ["the floor's lease is no longer at epoch 1"]


async def test_a_clean_stop_gives_the_lease_up_for_the_next_node_at_once() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    one, two = Node("n1", lease, clock), Node("n2", lease, clock)
    await one.ownership.step()
    await one.ownership.stop()
    await two.ownership.step()
    assert two.taken == [2]


async def test_a_process_alone_on_its_storage_takes_a_dead_processs_lease_at_once() -> None:
    clock, lease = VirtualClock(), MemoryFloorLease(Tables())
    dead, again = Node("n1", lease, clock), Node("n1", lease, clock)
    await dead.ownership.step()
    clock.advance(1.0)
    again.ownership.alone = True
    await again.ownership.step()
    assert again.taken == [2]


async def test_a_process_alone_on_its_storage_waits_out_a_database_it_cannot_write() -> None:
    clock, tables = VirtualClock(), Tables()
    lease = FailingLease(tables)
    one = Node("n1", lease, clock)
    one.ownership.alone = True
    await one.ownership.step()
    lease.away = True  # locked by another process, longer than a lease
    for _ in range(30):
        clock.advance(LEASE / 10)
        await one.ownership.step()
    assert one.lost == []
    assert one.ownership.serving
    lease.away = False
    clock.advance(LEASE / 10)
    await one.ownership.step()
    assert one.lost == []
    assert one.ownership.epoch == 1
