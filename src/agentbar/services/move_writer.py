"""The floor's one writer: moves are decided in its turn to write and stored in batches.

A caller asks for a move (`store`) and waits. The writer takes every ask waiting, takes the
database's write lock (`EventLog.record_decided`) and only then has each decided, in the order
asked, and stores them all in one transaction (a group commit): under load one commit, one
fence check and one write per call or agent carry many moves. Each move is then published,
told and carried out, in order, by the runtime (`carry_out`); only then is it acknowledged.

Deciding under the lock is what lets a bad day pass without a restart: a database that takes
no write (another process holds its lock, a slow disk, a database gone) refuses the asks
before any is decided, so the floor in memory stays what storage holds and the process goes
on serving — every ask then waiting is refused with that StorageUnavailable, within the
storage's bound. A write that fails once its moves are decided (fenced: another node owns
the floor; or the commit itself failed) leaves memory ahead of storage: those moves and every
ask waiting are refused, and `unstored` is told, which must stop the deciding.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from agentbar.domain.center import Outcome
from agentbar.ports import Clock, Envelope, EventLog, StorageUnavailable, StoredMove
from agentbar.ports.floor_link import OwnerUnreachable

log = logging.getLogger(__name__)

Decide = Callable[[float], tuple[list[Envelope], Outcome]]
"""Decides one move at the time given: its numbered events and its outcome. Raising (a
DomainError) refuses the ask and has changed nothing."""


@dataclass
class Move:
    """A decided move: stored, then carried out."""

    envelopes: list[Envelope]
    outcome: Outcome
    reconfigured: bool = False
    stored: StoredMove = field(init=False)

    def __post_init__(self) -> None:
        outcome = self.outcome
        self.stored = StoredMove(
            self.envelopes,
            list(outcome.calls.values()),
            list(outcome.callbacks.values()),
            list(outcome.leads.values()),
            outcome.floor,
        )


@dataclass
class _Ask:
    decide: Decide
    reconfigured: bool
    done: asyncio.Future[Move]
    """Settled once the move is stored, published, told and carried out (or refused)."""


class _Batch:
    """The asks one write takes, decided once the database's write lock is had."""

    def __init__(self, asks: list[_Ask], clock: Clock) -> None:
        self.asks = asks
        self._clock = clock
        self.decided: list[tuple[_Ask, Move]] = []
        self.deciding = False

    def decide(self) -> list[StoredMove]:
        self.deciding = True
        now = self._clock.now()
        for ask in self.asks:
            try:
                envelopes, outcome = ask.decide(now)
            except Exception as refusal:
                ask.done.set_exception(refusal)
                continue
            self.decided.append((ask, Move(envelopes, outcome, ask.reconfigured)))
        return [move.stored for _, move in self.decided]


class MoveWriter:
    def __init__(
        self,
        storage: EventLog,
        clock: Clock,
        *,
        carry_out: Callable[[Move], Awaitable[None]],
        fence: Callable[[], int | None],
        unstored: Callable[[Exception], BaseException],
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._carry_out = carry_out
        self._fence = fence
        self._unstored = unstored
        self._waiting: list[_Ask] = []
        """Asks not yet taken by the writer, in the order asked."""
        self._task: asyncio.Task[None] | None = None

    async def store(self, decide: Decide, *, reconfigured: bool = False) -> Move:
        """Have a move decided in the writer's turn, stored and carried out; returns it."""
        # The writer goes on if this caller is cancelled: a move decided is stored either way.
        return await asyncio.shield(self.ask(decide, reconfigured=reconfigured))

    def ask(self, decide: Decide, *, reconfigured: bool = False) -> asyncio.Future[Move]:
        """`store`, asked now: moves asked one after another are decided in that order. The
        future settles as `store` returns; await it shielded (cancelling it is no refusal)."""
        ask = _Ask(decide, reconfigured, asyncio.get_running_loop().create_future())
        self._waiting.append(ask)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_waiting(), name="floor-writer")
        return ask.done

    async def drain(self) -> None:
        """Until what was asked so far is stored (or refused)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = _Batch(self._waiting, self._clock)
            self._waiting = []
            try:
                await self._storage.record_decided(batch.decide, fence=self._fence())
            except Exception as failed:
                if batch.deciding:
                    self._refuse(batch.asks, self._unstored(failed))
                else:
                    self._refuse(batch.asks, _refused_before_deciding(failed))
                continue
            except BaseException:  # cancelled: nothing of it is acknowledged
                self._refuse(batch.asks, None)
                raise
            await self._carry_out_all(batch.decided)

    def _refuse(self, asks: list[_Ask], told: BaseException | None) -> None:
        """Refuse the batch's asks and every ask waiting: they waited on the same write."""
        failing = asks + self._waiting
        self._waiting = []
        for ask in failing:
            if ask.done.done():
                continue
            if told is None:
                ask.done.cancel()
            else:
                ask.done.set_exception(told)

    async def _carry_out_all(self, decided: list[tuple[_Ask, Move]]) -> None:
        try:
            for ask, move in decided:
                try:
                    await self._carry_out(move)
                except Exception as failed:  # fails that move's caller alone: it is stored
                    if not ask.done.done():
                        ask.done.set_exception(failed)
                else:
                    if not ask.done.done():
                        ask.done.set_result(move)
        finally:  # cancelled: the moves not carried out are not acknowledged either
            for ask, _ in decided:
                if not ask.done.done():
                    ask.done.cancel()


def _refused_before_deciding(failed: Exception) -> Exception:
    if isinstance(failed, StorageUnavailable):
        log.warning("the database took no write: %s", failed)
        return failed
    log.error("the floor's write failed before anything was decided", exc_info=failed)
    refusal = OwnerUnreachable("the change could not be stored; nothing was done")
    refusal.__cause__ = failed
    return refusal
