"""Password verifications share a bounded pool: a burst uses at most `workers` threads, and
beyond `waiting` queued ones the next is refused at once instead of queueing for long."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agentbar.auth.passwords import Passwords, VerificationsBusy


class GatedPasswords(Passwords):
    """Verifications that wait for the test's gate, counting how many run at once."""

    def __init__(self, workers: int, waiting: int) -> None:
        super().__init__(memory_kib=8, time_cost=1, workers=workers, waiting=waiting)
        self.gate = threading.Event()
        self.started = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0

    def verify(self, stored_hash: str | None, password: str) -> bool:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.release()
        try:
            assert self.gate.wait(timeout=10)
            return super().verify(stored_hash, password)
        finally:
            with self._lock:
                self.running -= 1


async def test_a_burst_runs_on_at_most_the_pools_threads_and_the_overflow_is_refused() -> None:
    passwords = GatedPasswords(workers=2, waiting=3)
    hashed = passwords.hash("right")
    admitted = [
        asyncio.create_task(passwords.verify_off_loop(hashed, "wrong")) for _ in range(2 + 3)
    ]
    await asyncio.sleep(0)  # let each task take its place
    for _ in range(2):  # both threads are busy now
        assert await asyncio.to_thread(passwords.started.acquire, True, 5)
    with pytest.raises(VerificationsBusy):
        await passwords.verify_off_loop(hashed, "right")  # refused at once, not queued
    passwords.gate.set()
    assert await asyncio.gather(*admitted) == [False] * 5
    assert passwords.most_at_once == 2
    assert await passwords.verify_off_loop(hashed, "right")  # room again


async def test_another_accounts_verification_goes_next_not_after_the_whole_flood() -> None:
    passwords = GatedPasswords(workers=1, waiting=20)
    hashed = passwords.hash("right")
    order: list[str] = []

    async def verify(key: str, n: int) -> None:
        await passwords.verify_off_loop(hashed, f"{key}-{n}", key=key)
        order.append(f"{key}-{n}")

    flood = [asyncio.create_task(verify("agent3", n)) for n in range(10)]
    assert await asyncio.to_thread(passwords.started.acquire, True, 5)  # agent3-0 runs
    other = asyncio.create_task(verify("agent4", 0))
    await asyncio.sleep(0)  # the other takes its place in the queue
    passwords.gate.set()
    await asyncio.gather(*flood, other)
    # one turn per account waiting: at most one more guess of the flood goes before it
    assert "agent4-0" in order[:3]
    assert passwords.most_at_once == 1


async def test_a_cancelled_wait_gives_its_turn_up() -> None:
    passwords = GatedPasswords(workers=1, waiting=5)
    hashed = passwords.hash("right")
    running = asyncio.create_task(passwords.verify_off_loop(hashed, "a", key="a"))
    assert await asyncio.to_thread(passwords.started.acquire, True, 5)
    waiting = asyncio.create_task(passwords.verify_off_loop(hashed, "b", key="b"))
    await asyncio.sleep(0)
    waiting.cancel()
    passwords.gate.set()
    assert await running is False
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await passwords.verify_off_loop(hashed, "right", key="c")  # the thread is free
