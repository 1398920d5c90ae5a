"""A socket's budget: its token bucket, its refusals, its bounded queue of frames waiting, the
count of open sockets, and the reading that goes on while a command runs."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from starlette.websockets import WebSocket

from agentbar.web.open_sockets import OpenSockets, TooManySockets
from agentbar.web.socket_budget import (
    KEPT_OVER_BUDGET,
    TOO_MANY_WAITING,
    FrameBudget,
    InboundQueue,
    Overloaded,
    QueueClosed,
    SocketBudget,
    SocketLimits,
    TokenBucket,
)
from agentbar.web.socket_intake import Frame, LoginDeadline, rate_limited_answer, read_and_answer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def takes(bucket: TokenBucket, tries: int) -> int:
    return sum(bucket.take() for _ in range(tries))


def test_a_bucket_gives_its_burst_at_once_then_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20.0, burst=40, now=clock)
    assert takes(bucket, 100) == 40
    clock.now += 0.5
    assert takes(bucket, 100) == 10
    clock.now += 0.049
    assert not bucket.take()
    clock.now += 0.002
    assert bucket.take()


def test_a_bucket_saves_no_more_than_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20.0, burst=40, now=clock)
    clock.now += 3600
    assert takes(bucket, 100) == 40


def test_a_clock_going_back_gives_no_tokens_and_takes_none() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10.0, burst=2, now=clock)
    assert takes(bucket, 2) == 2
    clock.now -= 10
    assert not bucket.take()
    clock.now += 0.125  # 1.25 tokens' worth, counted from where the clock went back to
    assert bucket.take()


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_a_bucket_refuses_nonsense(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate > 0 and a burst >= 1"):
        TokenBucket(rate, burst, Clock())


def test_frames_over_budget_are_refused_and_as_many_as_the_burst_in_a_row_close() -> None:
    clock = Clock()
    budget = FrameBudget(TokenBucket(rate=1.0, burst=3, now=clock), refusals_to_close=3)
    assert [budget.admit() for _ in range(5)] == [True, True, True, False, False]
    clock.now += 1.0  # one frame's worth: admitted, and the refusals start again from none
    assert budget.admit()
    assert [budget.admit() for _ in range(2)] == [False, False]
    with pytest.raises(Overloaded) as closed:
        budget.admit()
    assert closed.value.reason == KEPT_OVER_BUDGET


def test_the_budget_of_a_socket_comes_from_its_limits() -> None:
    clock = Clock()
    limits = SocketLimits(rate=2.0, burst=5, queue=3, per_address=1, total=1)
    frames = SocketBudget(limits, OpenSockets(1, 1), now=clock).frames()
    assert [frames.admit() for _ in range(9)] == [True] * 5 + [False] * 4
    with pytest.raises(Overloaded):
        frames.admit()


async def test_the_queue_hands_frames_out_in_order_and_closes_when_full() -> None:
    waiting: InboundQueue[str] = InboundQueue(3)
    for frame in ("a", "b", "c"):
        waiting.put(frame)
    with pytest.raises(Overloaded) as full:
        waiting.put("d")
    assert full.value.reason == TOO_MANY_WAITING
    assert len(waiting) == 3  # the refused frame changed nothing
    assert [await waiting.get() for _ in range(3)] == ["a", "b", "c"]
    waiting.put("d")
    assert await waiting.get() == "d"


async def test_a_waiting_reader_gets_the_next_frame_put() -> None:
    waiting: InboundQueue[str] = InboundQueue(1)
    reader = asyncio.create_task(waiting.get())
    await asyncio.sleep(0)  # the reader now waits on the empty queue
    waiting.put("x")
    assert await asyncio.wait_for(reader, 1.0) == "x"


async def test_a_closed_queue_hands_out_what_waits_unless_dropped() -> None:
    kept: InboundQueue[str] = InboundQueue(4)
    kept.put("a")
    kept.close(drop_waiting=False)
    assert await kept.get() == "a"
    with pytest.raises(QueueClosed):
        await kept.get()
    with pytest.raises(QueueClosed):
        kept.put("b")
    dropped: InboundQueue[str] = InboundQueue(4)
    dropped.put("a")
    dropped.close(drop_waiting=True)
    with pytest.raises(QueueClosed):
        await dropped.get()


async def test_closing_wakes_a_waiting_reader() -> None:
    waiting: InboundQueue[str] = InboundQueue(1)
    reader = asyncio.create_task(waiting.get())
    await asyncio.sleep(0)
    waiting.close(drop_waiting=True)
    with pytest.raises(QueueClosed):
        await asyncio.wait_for(reader, 1.0)


def test_open_sockets_are_capped_per_address_and_in_all() -> None:
    sockets = OpenSockets(per_address=2, total=3)
    sockets.claim("10.0.0.1")
    sockets.claim("10.0.0.1")
    with pytest.raises(TooManySockets, match=r"10\.0\.0\.1 has 2 sockets open"):
        sockets.claim("10.0.0.1")
    sockets.claim("10.0.0.2")
    with pytest.raises(TooManySockets, match="its 3 sockets open"):
        sockets.claim("10.0.0.3")
    assert sockets.open == 3  # refusals counted nothing
    sockets.release("10.0.0.1")
    sockets.claim("10.0.0.3")
    sockets.release("10.0.0.2")
    sockets.claim("10.0.0.1")
    assert sockets.open == 3


def test_releasing_a_socket_never_claimed_is_an_error() -> None:
    sockets = OpenSockets(per_address=2, total=3)
    with pytest.raises(ValueError, match=r"no socket from 10\.0\.0\.9"):
        sockets.release("10.0.0.9")
    assert sockets.open == 0


def test_a_refusal_names_the_frame_it_refuses_when_it_can() -> None:
    answer = rate_limited_answer(json.dumps({"id": 7, "cmd": "ping"}), rate=20.0)
    assert answer["re"] == 7
    assert not answer["ok"]
    assert answer["error"]["code"] == "rate_limited"
    assert "20 a second" in answer["error"]["message"]
    for unnamed in (None, "not json", "[1]", '{"id": true}', json.dumps({"id": "x" * 5000})):
        assert rate_limited_answer(unnamed, rate=20.0)["re"] is None


class FloodingSocket:
    """A client that sends `frames` at once and then waits to be closed."""

    def __init__(self, frames: int) -> None:
        self._frames = [json.dumps({"id": n, "cmd": "ping"}) for n in range(frames)]
        self.closed: tuple[int, str] | None = None
        self.client = None
        self.gone = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        await asyncio.sleep(0)  # as a real socket would, let the answering task run meanwhile
        if self._frames:
            return {"type": "websocket.receive", "text": self._frames.pop(0)}
        await self.gone.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)
        self.gone.set()


async def test_frames_are_read_while_a_command_runs_and_too_many_waiting_close_the_socket() -> None:
    limits = SocketLimits(rate=1000.0, burst=1000, queue=4)
    flood = FloodingSocket(frames=10)
    started, release = asyncio.Event(), asyncio.Event()
    answered: list[Frame] = []

    async def answer(frame: Frame) -> bool:
        started.set()
        await release.wait()  # a slow command: the first frame's answer never comes in time
        answered.append(frame)
        return True

    async def refuse(frame: Frame) -> None:
        raise AssertionError("nothing here is over the rate")

    reading = asyncio.create_task(
        read_and_answer(
            cast(WebSocket, flood), SocketBudget.of(limits), answer, refuse, flood.close
        )
    )
    await asyncio.wait_for(started.wait(), 1.0)
    # While the first command still runs, the reader has read on: 1 running + 4 waiting, and
    # the sixth frame closed the socket.
    await asyncio.wait_for(flood.gone.wait(), 1.0)
    assert flood.closed == (1008, TOO_MANY_WAITING)
    release.set()
    await asyncio.wait_for(reading, 1.0)
    assert len(answered) == 1  # the running command finished; what waited was dropped


async def test_answers_keep_the_frames_order_and_refusals_do_not_wait() -> None:
    clock = Clock()
    limits = SocketLimits(rate=1.0, burst=3, queue=10)
    flood = FloodingSocket(frames=5)
    answered: list[Frame] = []
    refused: list[Frame] = []

    async def answer(frame: Frame) -> bool:
        answered.append(frame)
        return True

    async def refuse(frame: Frame) -> None:
        refused.append(frame)
        if len(refused) == 2:
            await flood.close(1000, "client left")

    budget = SocketBudget(limits, OpenSockets(1, 1), now=clock)
    await asyncio.wait_for(
        read_and_answer(cast(WebSocket, flood), budget, answer, refuse, flood.close), 1.0
    )
    assert [json.loads(f or "")["id"] for f in answered] == [0, 1, 2]
    assert [json.loads(f or "")["id"] for f in refused] == [3, 4]


async def test_a_socket_that_does_not_log_in_in_time_is_closed() -> None:
    deadline, closes = LoginDeadline(), []

    async def close(code: int, reason: str) -> None:
        closes.append((code, reason))

    await deadline.run(0.01, close, "log in")
    assert closes == [(1008, "log in within 0.01 s")]


async def test_a_login_being_answered_when_the_time_runs_out_is_let_finish() -> None:
    deadline, closes = LoginDeadline(), []

    async def close(code: int, reason: str) -> None:
        closes.append((code, reason))

    async with deadline.answering:  # the login frame is being answered
        watching = asyncio.create_task(deadline.run(0.01, close, "log in"))
        await asyncio.sleep(0.05)  # past the deadline while the login runs
        assert closes == []
        deadline.met()
    await watching
    assert closes == []
