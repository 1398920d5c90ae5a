"""The event bus contract, on the memory bus and on Redis: an event reaches every subscriber
of its agent, in order, once; a subscriber that falls behind, is closed or loses its bus ends
with SubscriptionClosed (its socket then resumes from storage), never with a silent gap."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.bus.redis import RedisBus
from agentbar.ports import Envelope, EventBus, Subscription, SubscriptionClosed
from examples.services.redis_server import RedisServer, redis_server

BUSES = [
    pytest.param("memory", id="memory"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]
_channels = itertools.count(1)
_seqs = itertools.count(1)

BusFactory = Callable[[int], EventBus]


@pytest.fixture(params=BUSES)
def make_bus(request: pytest.FixtureRequest) -> BusFactory:
    """Buses of one kind that see each other: nodes on one Redis channel, or one memory bus."""
    if request.param == "memory":
        shared: dict[int, MemoryBus] = {}
        return lambda capacity: shared.setdefault(capacity, MemoryBus(capacity))
    server: RedisServer = request.getfixturevalue("redis")
    channel = f"test-events-{next(_channels)}"
    return lambda capacity: RedisBus(server.url, channel=channel, capacity=capacity)


@pytest.fixture
async def bus(make_bus: BusFactory) -> AsyncIterator[EventBus]:
    started = make_bus(1000)
    await started.start()
    yield started
    await started.stop()


def an_event(agent_id: str | None, kind: str = "agent.state_changed") -> Envelope:
    return Envelope(next(_seqs), kind, 1.5, agent_id, None, {"agentId": agent_id, "n": [1, "x"]})


async def received(subscription: Subscription, count: int) -> list[Envelope]:
    return [await asyncio.wait_for(subscription.get(), 5) for _ in range(count)]


async def read_until_closed(subscription: Subscription) -> int:
    """How many events a subscription still yields before it ends (fails if it does not)."""
    count = 0
    while True:
        try:
            await asyncio.wait_for(subscription.get(), 5)
        except SubscriptionClosed:
            return count
        count += 1


async def test_an_event_reaches_every_subscriber_of_its_agent_in_order(bus: EventBus) -> None:
    first, second = bus.subscribe("agent:a1"), bus.subscribe("agent:a1")
    other = bus.subscribe("agent:a2")
    sent = [an_event("a1"), an_event("a2"), an_event("a1"), an_event(None), an_event("a1")]
    for envelope in sent:
        await bus.publish(envelope)
    mine = [e for e in sent if e.agent_id == "a1"]
    assert await received(first, 3) == mine
    assert await received(second, 3) == mine
    assert await received(other, 1) == [sent[1]]
    # Nothing more came: the next event published is the next one read.
    last = an_event("a1")
    await bus.publish(last)
    assert await received(first, 1) == [last]


async def test_a_subscription_tells_how_many_events_it_holds_unread(make_bus: BusFactory) -> None:
    bus = make_bus(50)
    await bus.start()
    subscription = bus.subscribe("agent:a1")
    assert subscription.waiting() == 0
    sent = [an_event("a1") for _ in range(40)]
    for envelope in sent[:30]:
        await bus.publish(envelope)
    got = await received(subscription, 1)
    assert subscription.waiting() == 29  # the rest is held, read without waiting
    got += await received(subscription, 20)
    for envelope in sent[30:]:  # fits: what was read no longer counts against the capacity
        await bus.publish(envelope)
    got += await received(subscription, 19)
    assert got == sent
    assert subscription.waiting() == 0
    await bus.stop()


async def test_a_closed_subscription_ends_and_gets_nothing_more(bus: EventBus) -> None:
    subscription = bus.subscribe("agent:a1")
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)  # the reader is blocked in get()
    subscription.close()
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(waiting, 5)
    await bus.publish(an_event("a1"))
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(subscription.get(), 5)


async def test_a_subscriber_that_falls_behind_is_closed_not_buffered(make_bus: BusFactory) -> None:
    bus = make_bus(3)
    await bus.start()
    slow, keeping_up = bus.subscribe("agent:a1"), bus.subscribe("agent:a1")
    sent = [an_event("a1") for _ in range(5)]
    got: list[Envelope] = []
    for envelope in sent:
        await bus.publish(envelope)
        got += await received(keeping_up, 1)
    assert got == sent
    assert await read_until_closed(slow) <= 3  # at most what it could hold, then the end
    await bus.stop()


async def test_stopping_the_bus_ends_every_subscription(make_bus: BusFactory) -> None:
    bus = make_bus(1000)
    await bus.start()
    subscription = bus.subscribe("agent:a1")
    await bus.stop()
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(subscription.get(), 5)


# -- what only a bus between processes has ---------------------------------------------------


@asynccontextmanager
async def two_nodes(redis: RedisServer) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two nodes' buses on one Redis channel, started, and stopped afterwards."""
    channel = f"test-events-{next(_channels)}"
    first, second = RedisBus(redis.url, channel=channel), RedisBus(redis.url, channel=channel)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await second.stop()
        await first.stop()


@pytest.mark.redis
async def test_an_event_published_on_one_node_reaches_subscribers_on_another(
    redis: RedisServer,
) -> None:
    async with two_nodes(redis) as (owner, door):
        on_door, on_owner = door.subscribe("agent:a1"), owner.subscribe("agent:a1")
        sent = [an_event("a1"), an_event("a1")]
        for envelope in sent:
            await owner.publish(envelope)
        assert await received(on_door, 2) == sent
        assert await received(on_owner, 2) == sent


@pytest.mark.redis
async def test_an_event_delivered_here_reaches_this_nodes_subscribers_only(
    redis: RedisServer,
) -> None:
    async with two_nodes(redis) as (here, there):
        on_here, on_there = here.subscribe("agent:a1"), there.subscribe("agent:a1")
        unseen, published = an_event("a1"), an_event("a1")
        here.deliver_here(unseen)
        await here.publish(published)
        assert await received(on_here, 2) == [unseen, published]
        assert await received(on_there, 1) == [published]  # the one delivered here never went


async def test_deliver_here_reaches_the_agents_subscribers_like_publish(bus: EventBus) -> None:
    mine, other = bus.subscribe("agent:a1"), bus.subscribe("agent:a2")
    envelope = an_event("a1")
    bus.deliver_here(envelope)
    await bus.publish(an_event("a2"))
    assert await received(mine, 1) == [envelope]
    assert [e.agent_id for e in await received(other, 1)] == ["a2"]


async def ping_until_ready(bus: EventBus) -> None:
    """Readiness is polled, as a load balancer polls /readyz."""
    async with asyncio.timeout(10):
        while True:
            try:
                await bus.ping()
                return
            except Exception:
                await asyncio.sleep(0.02)


@pytest.mark.redis
async def test_a_lost_subscription_ends_local_subscribers_and_is_made_again(
    redis: RedisServer,
) -> None:
    bus = RedisBus(redis.url, channel=f"test-events-{next(_channels)}")
    await bus.start()
    before = bus.subscribe("agent:a1")
    with redis.client() as admin:
        assert admin.client_kill_filter(_type="pubsub") >= 1
    with pytest.raises(SubscriptionClosed):  # a gap is never silent: the socket resumes
        await asyncio.wait_for(before.get(), 5)
    await ping_until_ready(bus)
    after = bus.subscribe("agent:a1")
    event = an_event("a1")
    await bus.publish(event)
    assert await received(after, 1) == [event]
    await bus.stop()


@pytest.mark.redis
async def test_a_bus_without_its_redis_is_not_ready_and_ends_its_subscribers() -> None:
    with redis_server() as own:
        bus = RedisBus(own.url, channel="test-events-gone")
        await bus.start()
        subscription = bus.subscribe("agent:a1")
        own.process.kill()
        own.process.wait()
        with pytest.raises(SubscriptionClosed):
            await asyncio.wait_for(subscription.get(), 5)
        await bus.publish(an_event("a1"))  # stored already; the failure is not the caller's
        with pytest.raises(Exception):  # noqa: B017, PT011 (whatever the client raises)
            await bus.ping()
        await bus.stop()
