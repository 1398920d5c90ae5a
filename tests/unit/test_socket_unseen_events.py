"""A toolbar socket sends the events its node found it may have missed (`UnseenEvents`) before
any newer one, once each: an event the last owner stored but never published comes from
storage ahead of the new owner's first, and its late live copy is dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from starlette.websockets import WebSocket, WebSocketState

from agentbar.ports import Envelope
from agentbar.services.event_replay import EventReplay
from agentbar.services.session_values import Session
from agentbar.services.unseen_events import UnseenEvents
from agentbar.web.socket import ToolbarServices, ToolbarSocket

AGENT = "agent1"


def event(seq: int, agent_id: str = AGENT, kind: str = "call.offered") -> Envelope:
    return Envelope(seq, kind, 0.0, agent_id, None, {"n": seq})


class Stored:
    def __init__(self, events: list[Envelope]) -> None:
        self.events = events

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        return [e for e in self.events if e.agent_id == agent_id and e.seq > seq][:limit]

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        return [e for e in self.events if e.seq > seq][:limit]


class Handed:
    """The bus: what `deliver_here` handed, kept aside so the test decides when it arrives."""

    def __init__(self) -> None:
        self.handed: list[Envelope] = []
        self.arrived = asyncio.Event()
        """Set at the first one: a reload hands its range over in one go."""

    def deliver_here(self, envelope: Envelope) -> None:
        self.handed.append(envelope)
        self.arrived.set()


class Live:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Envelope] = asyncio.Queue()

    async def get(self) -> Envelope:
        return await self.queue.get()

    def waiting(self) -> int:
        return self.queue.qsize()

    def close(self) -> None:
        pass


class Wire:
    def __init__(self) -> None:
        self.application_state = WebSocketState.CONNECTED
        self.sent: list[dict[str, Any]] = []
        self.changed = asyncio.Condition()

    async def send_json(self, message: dict[str, Any]) -> None:
        async with self.changed:
            self.sent.append(message)
            self.changed.notify_all()

    async def close(self, code: int, reason: str = "") -> None:
        self.application_state = WebSocketState.DISCONNECTED

    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.sent if "event" in m]

    async def until_sent(self, count: int) -> list[int]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.seqs()) >= count), 5)
        return self.seqs()


class Floor:
    """The runtime and desk as the socket uses them: the floor holds every event at once."""

    async def holds(self, seq: int) -> None:
        pass

    async def view_after(self, agent_id: str, seq: int) -> None:
        return None


def socket_on(stored: Stored, unseen: UnseenEvents, wire: Wire) -> ToolbarSocket:
    floor = Floor()
    services = ToolbarServices(
        sessions=cast(Any, SimpleNamespace()),
        crm_settings=cast(Any, SimpleNamespace()),
        desk=cast(Any, floor),
        runtime=cast(Any, floor),
        event_replay=EventReplay(cast(Any, stored)),
        unseen_events=unseen,
        bus=cast(Any, SimpleNamespace()),
        browser_phones=cast(Any, SimpleNamespace()),
    )
    socket = ToolbarSocket(cast(WebSocket, wire), services)
    socket._session = Session("s1", AGENT, "http://crm.test")
    return socket


@dataclass
class Forwarding:
    """A socket forwarding `live` events to `wire`, on a node whose storage is `stored`."""

    stored: Stored
    bus: Handed
    unseen: UnseenEvents
    wire: Wire
    live: Live


@asynccontextmanager
async def forwarding(*stored: Envelope) -> AsyncIterator[Forwarding]:
    storage, bus, wire, live = Stored(list(stored)), Handed(), Wire(), Live()
    unseen = UnseenEvents(cast(Any, storage), cast(Any, bus))
    task = asyncio.create_task(socket_on(storage, unseen, wire)._forward(live))
    try:
        yield Forwarding(storage, bus, unseen, wire, live)
    finally:
        task.cancel()


async def test_unseen_events_go_before_the_newer_live_one_and_their_late_copies_drop() -> None:
    async with forwarding(event(1), event(2, "agent2"), event(3), event(4)) as f:
        stored, bus, unseen, wire, live = f.stored, f.bus, f.unseen, f.wire, f.live
        live.queue.put_nowait(event(1))
        assert await wire.until_sent(1) == [1]

        # The floor is reloaded: storage holds up to 4, this node had followed up to 1; the
        # last owner published neither 3 nor 4. The new owner's first event, 5, comes first.
        unseen.reloaded(followed_up_to=1, stored_up_to=4)
        stored.events.append(event(5))
        live.queue.put_nowait(event(5))
        assert await wire.until_sent(4) == [1, 3, 4, 5]

        # What the reload handed to this node's subscribers arrives late: dropped.
        await bus.arrived.wait()
        assert [e.seq for e in bus.handed] == [2, 3, 4]
        for late in bus.handed:
            if late.agent_id == AGENT:
                live.queue.put_nowait(late)
        live.queue.put_nowait(event(6))
        assert await wire.until_sent(5) == [1, 3, 4, 5, 6]


async def test_an_idle_socket_sends_unseen_events_when_they_are_handed_to_it() -> None:
    async with forwarding(event(1), event(2)) as f:
        f.unseen.reloaded(followed_up_to=0, stored_up_to=2)
        await f.bus.arrived.wait()
        f.live.queue.put_nowait(f.bus.handed[0])  # the first one handed wakes it: both go
        assert await f.wire.until_sent(2) == [1, 2]


def test_a_reload_that_found_nothing_new_counts_no_range() -> None:
    unseen = UnseenEvents(cast(Any, Stored([])), cast(Any, Handed()))
    unseen.reloaded(followed_up_to=7, stored_up_to=7)
    assert unseen.found == 0
    assert unseen.since(0) is None
