"""The Redis event bus: events fan out to every node through one pub/sub channel.

Why pub/sub and not a stream: the bus only carries live events to sockets, and every event is
stored (with its `seq`) before it is published, so what a node misses is read back from
storage, never from the bus. Pub/sub costs one message per event per node and keeps nothing in
Redis; a stream would keep a second copy of the event log that nothing reads back.

What pub/sub loses is what is sent while a node is not subscribed, so the rule here is: a
node whose subscription breaks (or whose publish fails) closes every local subscription at
once, and their sockets reconnect and resume from their last `seq` — a gap is never silent on
this node. It resubscribes with a growing pause, and `ping` (readiness) fails until it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from agentbar.drivers.bus.fanout import Fanout, LocalSubscription
from agentbar.ports import Envelope

log = logging.getLogger(__name__)

RETRY_PAUSES = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


def encode(envelope: Envelope) -> str:
    return json.dumps(
        {
            "seq": envelope.seq,
            "kind": envelope.kind,
            "at": envelope.at,
            "agentId": envelope.agent_id,
            "callId": envelope.call_id,
            "data": envelope.data,
        },
        separators=(",", ":"),
    )


def decode(raw: bytes | str) -> Envelope:
    fields: dict[str, Any] = json.loads(raw)
    return Envelope(
        seq=int(fields["seq"]),
        kind=str(fields["kind"]),
        at=float(fields["at"]),
        agent_id=fields["agentId"],
        call_id=fields["callId"],
        data=dict(fields["data"]),
    )


class RedisBus:
    def __init__(self, url: str, channel: str = "agentbar:events", capacity: int = 1000) -> None:
        self._url = url
        self._channel = channel
        self._fanout = Fanout(capacity)
        self._client: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(self._url)
        pubsub = await self._subscribe()  # the first time, failing to reach Redis fails start
        self._reader = asyncio.create_task(self._read(pubsub))

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._fanout.close_all()
        if self._client is not None:
            await self._client.aclose()

    async def ping(self) -> None:
        if not self._subscribed.is_set():
            raise ConnectionError(f"not subscribed to Redis at {self._url}")
        assert self._client is not None
        await self._client.ping()

    async def publish(self, envelope: Envelope) -> None:
        assert self._client is not None
        try:
            await self._client.publish(self._channel, encode(envelope))
        except RedisError as error:
            # The event is stored; this node's sockets resume from storage and find it there.
            log.warning("publishing to Redis failed (%s): resuming this node's sockets", error)
            self._fanout.close_all()

    def deliver_here(self, envelope: Envelope) -> None:
        self._fanout.deliver(envelope)

    def subscribe(self, topic: str) -> LocalSubscription:
        return self._fanout.subscribe(topic)

    async def _subscribe(self) -> aioredis.client.PubSub:
        """A pub/sub connection subscribed to the channel, confirmed by Redis."""
        assert self._client is not None
        pubsub = self._client.pubsub()
        await pubsub.subscribe(self._channel)
        while True:  # wait for the confirmation: events published after it reach us
            message = await pubsub.get_message(timeout=5.0)
            if message is None:
                raise ConnectionError("Redis did not confirm the subscription")
            if message["type"] == "subscribe":
                break
        self._subscribed.set()
        return pubsub

    async def _read(self, pubsub: aioredis.client.PubSub) -> None:
        attempt = 0
        while True:
            try:
                async for message in pubsub.listen():
                    attempt = 0
                    if message["type"] == "message":
                        self._fanout.deliver(decode(message["data"]))
            except (RedisError, OSError) as error:
                log.warning("lost the Redis subscription (%s): resuming this node's sockets", error)
            self._subscribed.clear()
            self._fanout.close_all()
            pubsub = await resubscribed(pubsub, self._subscribe, attempt, "the event bus")


async def resubscribed(
    broken: aioredis.client.PubSub,
    subscribe: Callable[[], Awaitable[aioredis.client.PubSub]],
    attempt: int,
    what: str,
) -> aioredis.client.PubSub:
    """A broken subscription closed, and a new one once Redis takes it, after a pause that
    grows with each failed attempt."""
    # Typed through a Callable: redis-py annotates aclose only from 8.2 on.
    close: Callable[[], Awaitable[None]] = broken.aclose
    with contextlib.suppress(RedisError, OSError):
        await close()
    while True:
        await asyncio.sleep(RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)])
        attempt += 1
        try:
            return await subscribe()
        except (RedisError, OSError) as error:
            log.warning("resubscribing %s to Redis failed (%s)", what, error)
