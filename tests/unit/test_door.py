"""A door's copy of the floor, fed by an in-process floor link: when its client may read what
the owner answered."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model.durable import FloorChanges, FloorImage
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.bus.memory_link import LinkHub, MemoryFloorLink
from agentbar.ports.floor_link import FloorAnswer, FloorMove
from agentbar.services import door as door_module
from agentbar.services.door import Door


class StoredFloor:
    """Storage as the door reads it: an empty floor, and how many loads it served."""

    def __init__(self) -> None:
        self.loads = 0

    async def load_floor(self) -> FloorImage:
        self.loads += 1
        return FloorImage()


class Copy:
    def __init__(self) -> None:
        ids = itertools.count(1)
        self.hub = LinkHub()
        self.owner = MemoryFloorLink(self.hub)
        self.storage = StoredFloor()
        self.loaded = asyncio.Event()
        self.door = Door(
            Center(lambda prefix: f"{prefix}-{next(ids)}"),
            MemoryFloorLink(self.hub),
            self.storage,
            configure=self._nothing,
            pending_leads=self._no_leads,
            last_seq=self._no_seq,
            see=lambda envelope: None,
            loaded=self.loaded.set,
            reloaded=lambda followed, stored: None,
        )

    async def _nothing(self) -> None:
        pass

    async def _no_leads(self) -> list[Lead]:
        return []

    async def _no_seq(self) -> int:
        return 0

    async def tell(self, epoch: int, number: int) -> None:
        await self.owner.publish(FloorMove(epoch=epoch, number=number, changes=FloorChanges()))

    async def next_load(self) -> None:
        self.loaded.clear()
        await asyncio.wait_for(self.loaded.wait(), 5)

    async def answered(self, epoch: int, moved_to: int) -> None:
        """A client reads after an answer that arrives now."""
        await self.door.caught_up_with(FloorAnswer(epoch, moved_to), self.door.mark())


@pytest.fixture
async def copy() -> AsyncIterator[Copy]:
    """A door's copy, started and loaded."""
    made = Copy()
    made.door.start()
    await made.next_load()
    yield made
    await made.door.stop()


@pytest.fixture
def patience(monkeypatch: pytest.MonkeyPatch) -> float:
    """A short wait for the copy, so a test sees a copy that never gets there fail fast."""
    monkeypatch.setattr(door_module, "CATCH_UP_PATIENCE", 0.3)
    return 0.3


def stalled(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "did not reach" in r.getMessage()]


async def test_the_move_that_set_off_a_reload_is_held_by_the_copy_it_loaded(
    copy: Copy, patience: float, caplog: pytest.LogCaptureFixture
) -> None:
    """After a failover the new owner's first move may be the answer to this door's own ask:
    it sets off the reload (a new epoch), and the copy loaded after it holds it."""
    await copy.tell(epoch=1, number=1)
    await copy.answered(epoch=1, moved_to=1)

    reloaded = asyncio.create_task(copy.next_load())
    await asyncio.sleep(0)  # the wait for the reload begins before the move that sets it off
    await copy.tell(epoch=2, number=1)
    await reloaded
    assert copy.storage.loads == 2
    with caplog.at_level(logging.WARNING):  # answered after the reload: no mark can help
        await copy.answered(epoch=2, moved_to=1)
    assert stalled(caplog) == []

    await copy.tell(epoch=2, number=2)  # and the copy goes on from that move, no reload
    await copy.answered(epoch=2, moved_to=2)
    assert copy.storage.loads == 2


async def test_an_answer_past_what_the_copy_holds_waits_for_its_move(
    copy: Copy, patience: float, caplog: pytest.LogCaptureFixture
) -> None:
    await copy.tell(epoch=1, number=1)
    await copy.answered(epoch=1, moved_to=1)
    waiting = asyncio.create_task(copy.answered(epoch=1, moved_to=2))
    await asyncio.sleep(0)
    assert not waiting.done()
    await copy.tell(epoch=1, number=2)
    await asyncio.wait_for(waiting, patience * 2)
    assert stalled(caplog) == []

    with caplog.at_level(logging.WARNING):  # a move that never comes: the reader goes on
        await copy.answered(epoch=1, moved_to=3)
    assert stalled(caplog) == ["the floor's copy did not reach move 3 of epoch 1 in time"]


async def test_an_answer_before_the_owners_first_move_waits_for_nothing(
    copy: Copy, patience: float, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await copy.answered(epoch=1, moved_to=0)
    assert stalled(caplog) == []
