"""The report retention: calls and events older than AGENTBAR_REPORT_RETENTION_DAYS are
deleted, at start and every hour, by the node that owns the floor.

Deleted in batches, each one short transaction, with the event loop given back between them:
a first purge of years of records never holds the floor's writes up for long. A delete is
idempotent, so a purge cut short (the node stopped, the database was away) is finished by the
next one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from agentbar.ports import Clock
from agentbar.ports.reports import ReportStore

log = logging.getLogger(__name__)

DAY = 86_400
PERIOD = 3600.0
"""Seconds between purges."""
BATCH = 1000


class Retention:
    def __init__(
        self,
        store: ReportStore,
        clock: Clock,
        days: int,
        *,
        purged: Callable[[int], None] = lambda rows: None,
        period: float = PERIOD,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._clock = clock
        self.days = days
        self._purged = purged
        """Told the rows each batch deleted (the metrics count them)."""
        self._period = period
        self._batch = batch
        self._task: asyncio.Task[None] | None = None

    async def purge(self) -> int:
        """Delete everything older than the retention, a batch at a time; the rows deleted."""
        cutoff = self._clock.now() - self.days * DAY
        total = 0
        while deleted := await self._store.purge_before(cutoff, self._batch):
            total += deleted
            self._purged(deleted)
            await asyncio.sleep(0)  # the floor's own work goes on between batches
        if total:
            log.info("report retention: deleted %d row(s) older than %d days", total, self.days)
        return total

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def _run(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as error:  # the database is away: the next round finishes it
                log.warning("report retention: %s", error)
            await asyncio.sleep(self._period)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
