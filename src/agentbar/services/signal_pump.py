"""What telephony reports, applied in the order reported: every signal waiting at once.

A signal is a fact (a customer hung up, a phone answered), so one the database took no write
for is tried again until it is taken, the later ones waiting behind it. The pump hands the
floor's writer every signal waiting in one go, in order: the writer decides them one after
another in its next turn and stores them in one transaction with whatever else was asked
meanwhile (services/move_writer.py). One signal at a time, each waiting for its own commit,
made every signal under load queue behind the commits of all the others — a call's screen
pop, and every simulated call's POST, which is answered once the signals before it are in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from agentbar.domain.model.commands import Signal
from agentbar.domain.model.errors import DomainError
from agentbar.ports import StorageUnavailable

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_LAST = 0.05, 1.0
"""Seconds between tries of signals the database took no write for: the first, the most."""

MOST_AT_ONCE = 256
"""Signals handed to the writer in one go: a burst (a restart's reports) is stored in
transactions of a bounded size."""

Ask = Callable[[Signal], "asyncio.Future[Any]"]
"""Has a signal decided in the writer's next turn; the future settles once it is stored and
carried out. Raises (or the future does) if the floor takes nothing now."""


class SignalPump:
    def __init__(self, ask: Ask, halted: Callable[[], bool]) -> None:
        self._ask = ask
        self._halted = halted
        self._inbox: asyncio.Queue[Signal] = asyncio.Queue()
        self._received = 0
        """Signals received so far; `_handled` counts those applied (or refused)."""
        self._handled = 0
        self._caught_up = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def receive(self, signal: Signal) -> None:
        self._received += 1
        self._inbox.put_nowait(signal)

    def start(self) -> None:
        self._task = asyncio.create_task(self._pump(), name="telephony-signals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def caught_up(self) -> None:
        """Until every signal received so far has been applied and stored (or refused),
        however many arrive meanwhile."""
        if self._task is None or self._task.done():
            return  # nothing applies signals (not started, or stopped): nothing to wait for
        target = self._received
        async with self._caught_up:
            await self._caught_up.wait_for(lambda: self._handled >= target)

    async def settle(self) -> None:
        """Until every signal received so far has been applied."""
        await self._inbox.join()

    async def _pump(self) -> None:
        while True:
            signals = [await self._inbox.get()]
            while not self._inbox.empty() and len(signals) < MOST_AT_ONCE:
                signals.append(self._inbox.get_nowait())
            try:
                await self._apply_all(signals)
            finally:
                for _ in signals:
                    self._inbox.task_done()
                self._handled += len(signals)
                async with self._caught_up:
                    self._caught_up.notify_all()

    async def _apply_all(self, signals: list[Signal]) -> None:
        pending, pause = signals, RETRY_FIRST
        while True:
            asked = [(signal, self._asked(signal)) for signal in pending]
            refused: list[Signal] = []
            for signal, applied in asked:
                if not await self._applied(signal, applied):
                    refused.append(signal)
            if not refused:
                return
            # A database that refuses at once is not hammered; the refused go again in order.
            await asyncio.sleep(pause)
            pending, pause = refused, min(2 * pause, RETRY_LAST)

    def _asked(self, signal: Signal) -> asyncio.Future[Any]:
        try:
            return self._ask(signal)
        except Exception as refusal:
            refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            refused.set_exception(refusal)
            return refused

    async def _applied(self, signal: Signal, applied: asyncio.Future[Any]) -> bool:
        """Whether the signal is done with: applied, or refused for good (False: the database
        took no write, try it again)."""
        try:
            # Shielded: the pump stopping must not cancel a move the writer has decided.
            await asyncio.shield(applied)
        except StorageUnavailable:
            if not self._halted():
                return False
            log.exception("telephony signal %r failed", signal)  # decided, not stored
        except DomainError as error:
            log.warning("telephony signal %r refused: %s", signal, error.message)
        except Exception:
            log.exception("telephony signal %r failed", signal)
        return True
