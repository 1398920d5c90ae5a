"""Password hashing with argon2id (OWASP's minimum: 19 MiB memory, 2 passes, 1 lane).

Rules kept here:
- A verification runs off the event loop, in this object's own small pool of threads (the C
  code releases the GIL): argon2's deliberate slowness never stalls the sockets, and a burst
  of guesses can use only `workers` cores, however many arrive — the rest of the machine keeps
  serving (other logins included).
- Waiting verifications take turns by account (`key`), round robin: a flood of guesses at one
  account queues behind itself, and another agent's login waits for one turn of each account
  waiting, not for the whole flood.
- At most `waiting` verifications queue for a thread; one more is refused at once
  (`VerificationsBusy`), so a flood cannot build a queue that makes a real login wait for long.
- An unknown user is verified against a decoy hash, so both answers take the same time.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

WAITING_PER_WORKER = 32
"""Queued verifications allowed per thread: about 0.7 s of waiting at ~20 ms each."""


class VerificationsBusy(Exception):
    """Too many password verifications are waiting already; try again in a moment."""


def default_workers() -> int:
    """Half the cores (at least one): the other half serves everything else meanwhile."""
    return max(1, (os.cpu_count() or 2) // 2)


class Passwords:
    def __init__(
        self,
        memory_kib: int = 19 * 1024,
        time_cost: int = 2,
        parallelism: int = 1,
        *,
        workers: int | None = None,
        waiting: int | None = None,
    ) -> None:
        self._hasher = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism
        )
        # Verified against when the user is unknown, so both answers take the same time.
        self._decoy = self._hasher.hash("decoy password for unknown users")
        self._workers = workers or default_workers()
        self._waiting = WAITING_PER_WORKER * self._workers if waiting is None else waiting
        self._admitted = 0
        """Verifications running or queued (counted on the event loop's thread)."""
        self._running = 0
        self._turns: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        """The verifications waiting for a thread, by key, in the order the keys take turns."""
        self._pool: ThreadPoolExecutor | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Blocking: call `verify_off_loop` from async code."""
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    async def verify_off_loop(self, stored_hash: str | None, password: str, key: str = "") -> bool:
        """`verify` in this object's thread pool, taking turns with other `key`s (accounts);
        `VerificationsBusy` if too many wait already."""
        if self._admitted >= self._workers + self._waiting:
            raise VerificationsBusy()
        if self._pool is None:  # made on first use: tests make many that never verify
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="argon2")
        self._admitted += 1
        try:
            await self._thread_taken(key)
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._pool, self.verify, stored_hash, password)
            finally:
                self._pass_thread_on()
        finally:
            self._admitted -= 1

    async def _thread_taken(self, key: str) -> None:
        if self._running < self._workers:
            self._running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turns.setdefault(key, deque()).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_thread_on()  # given the thread just as it was cancelled
            else:
                waiting = self._turns.get(key)
                if waiting is not None and turn in waiting:
                    waiting.remove(turn)
                    if not waiting:
                        del self._turns[key]
            raise

    def _pass_thread_on(self) -> None:
        """A verification ended: the next key in turn gets its thread, else it is free."""
        while self._turns:
            key, waiting = self._turns.popitem(last=False)
            turn = waiting.popleft()
            if waiting:
                self._turns[key] = waiting  # to the back: every other key goes first
            if not turn.done():
                turn.set_result(None)
                return
        self._running -= 1


def is_argon2id_hash(text: str) -> bool:
    """Whether `text` is an encoded argon2id hash (as exported, to be imported again)."""
    try:
        return extract_parameters(text).type is Type.ID
    except (InvalidHashError, ValueError):
        return False
