"""The floor link inside one process: for one node (which has no doors) and for tests that
run an owner and doors side by side in one process.

Nodes on one `LinkHub` share what Redis holds for the Redis link: the asks waiting for an
owner, and who hears the moves and the answers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from agentbar.drivers.bus.moves import MoveQueue
from agentbar.ports.floor_link import (
    NO_ANSWER,
    Answerer,
    FloorAnswer,
    FloorAsk,
    FloorMove,
    OwnerUnreachable,
    start_by,
)


@dataclass
class LinkHub:
    asks: asyncio.Queue[tuple[float, FloorAsk, asyncio.Future[FloorAnswer]]] = field(
        default_factory=asyncio.Queue
    )
    feeds: set[MoveQueue] = field(default_factory=set)


class MemoryFloorLink:
    def __init__(self, hub: LinkHub | None = None, capacity: int = 10_000) -> None:
        self._hub = hub or LinkHub()
        self._capacity = capacity
        self._mine: set[MoveQueue] = set()
        self._server: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        tasks = [t for t in (self._server, *self._handling) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for feed in list(self._mine):
            feed.close()

    def serve(self, answer: Answerer) -> None:
        self._server = asyncio.create_task(self._serve(answer), name="floor-asks")

    async def _serve(self, answer: Answerer) -> None:
        while True:
            deadline, ask, waiting = await self._hub.asks.get()
            if deadline < time.time() or waiting.done():
                continue
            task = asyncio.create_task(self._answer(answer, ask, waiting))
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)

    @staticmethod
    async def _answer(
        answer: Answerer, ask: FloorAsk, waiting: asyncio.Future[FloorAnswer]
    ) -> None:
        answered = await answer(ask)
        if not waiting.done():
            waiting.set_result(answered)

    async def publish(self, move: FloorMove) -> None:
        for feed in list(self._hub.feeds):
            feed.offer(move)

    async def ask(self, ask: FloorAsk, patience: float) -> FloorAnswer:
        waiting = asyncio.get_running_loop().create_future()
        self._hub.asks.put_nowait((time.time() + start_by(patience), ask, waiting))
        try:
            return await asyncio.wait_for(waiting, patience)
        except TimeoutError:
            raise OwnerUnreachable(NO_ANSWER) from None

    def follow(self) -> MoveQueue:
        def forget(feed: MoveQueue) -> None:
            self._hub.feeds.discard(feed)
            self._mine.discard(feed)

        feed = MoveQueue(self._capacity, forget)
        self._hub.feeds.add(feed)
        self._mine.add(feed)
        return feed
