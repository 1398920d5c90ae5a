"""The floor link over Redis: asks in a list, answers and moves over pub/sub.

Asks go into one list that the owner pops (`BRPOP`): an ask made while no node owns the floor
waits there for the next owner instead of being lost, and each is taken by exactly one node.
It carries the deadline by which an owner must start it (`start_by`: the door's patience less
the room to answer); an owner drops an ask past it, so an ask is carried out only while its door
will still take the answer. Answers come back on the asking node's own
channel, moves on one channel every door listens to — pub/sub, because a door that misses a
move notices (a gap in the numbers, a broken subscription) and reloads the floor from storage,
the one durable record.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from agentbar.drivers.bus.floor_wire import (
    answer_doc,
    answer_of,
    ask_doc,
    ask_of,
    move_doc,
    move_of,
)
from agentbar.drivers.bus.moves import MoveQueue
from agentbar.drivers.bus.redis import RETRY_PAUSES, resubscribed
from agentbar.ports.floor_link import (
    NO_ANSWER,
    Answerer,
    FloorAnswer,
    FloorAsk,
    FloorMove,
    OwnerUnreachable,
    start_by,
)

log = logging.getLogger(__name__)

PREFIX = "agentbar:floor"


class RedisFloorLink:
    def __init__(
        self, url: str, node_id: str, capacity: int = 10_000, prefix: str = PREFIX
    ) -> None:
        self._url = url
        self._node = node_id
        self._asks_list = f"{prefix}:asks"
        self._moves_channel = f"{prefix}:moves"
        self._answers_channel = f"{prefix}:answers:{node_id}"
        self._capacity = capacity
        self._client: aioredis.Redis | None = None
        self._asks = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[FloorAnswer]] = {}
        self._feeds: set[MoveQueue] = set()
        self._reader: asyncio.Task[None] | None = None
        self._server: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(self._url)
        pubsub = await self._subscribe()
        self._reader = asyncio.create_task(self._read(pubsub), name="floor-link")

    async def stop(self) -> None:
        for task in (self._server, self._reader, *self._handling):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._server, self._reader, *self._handling) if t is not None),
            return_exceptions=True,
        )
        for feed in list(self._feeds):
            feed.close()
        if self._client is not None:
            await self._client.aclose()

    # -- the owner's side -----------------------------------------------------------------

    def serve(self, answer: Answerer) -> None:
        self._server = asyncio.create_task(self._serve(answer), name="floor-asks")

    async def publish(self, move: FloorMove) -> None:
        assert self._client is not None
        try:
            await self._client.publish(self._moves_channel, move_doc(move))
        except RedisError as error:  # the doors see a gap and reload the floor from storage
            log.warning("telling the doors move %d failed: %s", move.number, error)

    async def _serve(self, answer: Answerer) -> None:
        assert self._client is not None
        attempt = 0
        while True:
            try:
                popped = await self._client.brpop([self._asks_list], timeout=1)
                attempt = 0
            except (RedisError, OSError) as error:
                log.warning("taking asks from Redis failed (%s)", error)
                await asyncio.sleep(RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)])
                attempt += 1
                continue
            if popped is None:
                continue
            doc: dict[str, Any] = json.loads(popped[1])
            if doc["deadline"] < time.time():
                log.warning("dropped ask %s of node %s: its time ran out", doc["id"], doc["node"])
                continue
            task = asyncio.create_task(self._answer(answer, doc))
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)

    async def _answer(self, answer: Answerer, doc: dict[str, Any]) -> None:
        assert self._client is not None
        try:
            answered = await answer(ask_of(doc["ask"]))
        except Exception:
            log.exception("ask %s of node %s failed", doc["id"], doc["node"])
            return  # the door's ask times out: nothing acknowledged
        reply = json.dumps({"id": doc["id"], "answer": answer_doc(answered)})
        try:
            await self._client.publish(doc["answers"], reply)
        except RedisError as error:
            log.warning("answering node %s failed: %s", doc["node"], error)

    # -- a door's side ----------------------------------------------------------------------

    async def ask(self, ask: FloorAsk, patience: float) -> FloorAnswer:
        assert self._client is not None
        ask_id = f"{self._node}-{next(self._asks)}"
        waiting = asyncio.get_running_loop().create_future()
        self._waiting[ask_id] = waiting
        doc = {
            "id": ask_id,
            "node": self._node,
            "answers": self._answers_channel,
            "deadline": time.time() + start_by(patience),
            "ask": ask_doc(ask),
        }
        try:
            await self._client.lpush(self._asks_list, json.dumps(doc))
            return await asyncio.wait_for(waiting, patience)
        except (TimeoutError, RedisError) as failed:
            raise OwnerUnreachable(NO_ANSWER) from failed
        finally:
            self._waiting.pop(ask_id, None)

    def follow(self) -> MoveQueue:
        feed = MoveQueue(self._capacity, self._feeds.discard)
        self._feeds.add(feed)
        return feed

    async def _subscribe(self) -> aioredis.client.PubSub:
        assert self._client is not None
        pubsub = self._client.pubsub()
        await pubsub.subscribe(self._moves_channel, self._answers_channel)
        confirmed = 0
        while confirmed < 2:  # both confirmed: what is published after this reaches us
            message = await pubsub.get_message(timeout=5.0)
            if message is None:
                raise ConnectionError("Redis did not confirm the floor link's subscription")
            if message["type"] == "subscribe":
                confirmed += 1
        return pubsub

    async def _read(self, pubsub: aioredis.client.PubSub) -> None:
        attempt = 0
        while True:
            try:
                async for message in pubsub.listen():
                    attempt = 0
                    if message["type"] != "message":
                        continue
                    if message["channel"].decode() == self._moves_channel:
                        move = move_of(message["data"])
                        for feed in list(self._feeds):
                            feed.offer(move)
                    else:
                        self._answered(message["data"])
            except (RedisError, OSError) as error:
                log.warning("lost the floor link's subscription (%s)", error)
            for feed in list(self._feeds):
                feed.close()  # moves may have been missed: every door reloads the floor
            pubsub = await resubscribed(pubsub, self._subscribe, attempt, "the floor link")

    def _answered(self, raw: bytes) -> None:
        doc = json.loads(raw)
        waiting = self._waiting.get(doc["id"])
        if waiting is not None and not waiting.done():
            waiting.set_result(answer_of(doc["answer"]))
