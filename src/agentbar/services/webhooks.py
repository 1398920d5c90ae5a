"""Webhooks: every stored event, POSTed as JSON to each configured URL, in order, signed.

Each receiver has its own delivery task, woken by new events, so a receiver that answers
slowly (or not at all, until the time-out) delays only its own deliveries. Each webhook keeps
a cursor in storage (the last event its receiver acknowledged with a 2xx): a delivery that
fails is retried with a growing delay, and events behind it wait their turn. Every attempt is
logged, and before each one the URL is checked again (`outbound_urls`): DNS may have changed.

An acknowledged event is never sent again by this process: when recording it (the delivery
log and the cursor, one transaction) fails, the recording is retried, not the send, and the
cursor in memory is the truth meanwhile. Only a server that dies between the receiver's 2xx
and that record sends the event again after its restart (at least once; exactly once unless
the server dies in that moment), so receivers deduplicate by `seq`.

Signature: `X-Agentbar-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
webhook's secret, and `X-Agentbar-Timestamp: <unix seconds>`; a receiver recomputes it and
refuses timestamps too old, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from agentbar.ports import Envelope, EventLog, WebhookStore
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT, Audit
from agentbar.services.outbound_urls import OutboundTargets

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
BATCH = 200
RECORD_BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
"""Seconds between tries at recording a delivery (or reading the receivers) that storage
refused."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def payload(envelope: Envelope) -> bytes:
    return json.dumps(
        {**envelope.frame(), "agentId": envelope.agent_id, "callId": envelope.call_id},
        separators=(",", ":"),
    ).encode()


@dataclass(frozen=True)
class Target:
    """Where a receiver's events go, and the secret they are signed with."""

    url: str
    secret: str


@dataclass(frozen=True)
class Delivery:
    """What every receiver's worker shares."""

    storage: WebhookStore
    events: EventLog
    client: httpx.AsyncClient
    targets: OutboundTargets
    count_failure: Callable[[], None]
    backoff: tuple[float, ...]
    record_backoff: tuple[float, ...]


class ReceiverWorker:
    """One receiver's deliveries, in order, in a task of its own."""

    def __init__(self, name: str, target: Target, cursor: int, delivery: Delivery) -> None:
        self.name = name
        self.target = target
        self.cursor = cursor
        """The last event the receiver acknowledged: the truth in this process, ahead of the
        stored cursor while recording a delivery fails."""
        self._d = delivery
        self._attempts = 0
        """Failed attempts at the event now due."""
        self._wake = asyncio.Event()
        self._reconfigured = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"webhook {name}")

    def wake(self) -> None:
        """A new event is stored."""
        self._wake.set()

    def reconfigure(self, target: Target, stored_cursor: int) -> None:
        """The stored webhook now reads so: a new URL or secret is tried at once."""
        self.cursor = max(self.cursor, stored_cursor)
        if target != self.target:
            self.target = target
            self._reconfigured.set()
            self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._reconfigured.clear()
            try:
                more = await self._deliver()
            except Exception:
                log.exception("webhook %s: delivery failed unexpectedly", self.name)
                self._attempts += 1
                more = False
            if self._attempts:
                # Retry after a growing delay, or at once when the webhook is changed.
                delay = self._d.backoff[min(self._attempts - 1, len(self._d.backoff) - 1)]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._reconfigured.wait(), delay)
            elif not more:
                await self._wake.wait()

    async def _deliver(self) -> bool:
        """Deliver what follows the cursor, in order, up to a failure; True when a full batch
        went (more may wait)."""
        envelopes = await self._d.events.events_since(self.cursor, BATCH)
        for envelope in envelopes:
            attempt, at = self._attempts + 1, time.time()
            ok, detail = await self._send(envelope)
            if ok:
                self.cursor, self._attempts = envelope.seq, 0
            else:
                self._attempts = attempt
                self._d.count_failure()
                log.warning(
                    "webhook %s: event %d not delivered (%s)", self.name, envelope.seq, detail
                )
            await self._record(envelope.seq, attempt, at, "delivered" if ok else "failed", detail)
            if not ok:
                return False
        return len(envelopes) == BATCH

    async def _send(self, envelope: Envelope) -> tuple[bool, str]:
        target = self.target
        refusal = await self._d.targets.refusal(target.url, strict=True)
        if refusal is not None:
            return False, refusal  # refused without connecting
        body = payload(envelope)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Agentbar-Event": envelope.kind,
            "X-Agentbar-Seq": str(envelope.seq),
            "X-Agentbar-Timestamp": stamp,
            "X-Agentbar-Signature": signature(target.secret, stamp, body),
        }
        try:
            answer = await self._d.client.post(target.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return False, f"{type(error).__name__}: {error}"[:300]
        return answer.is_success, f"HTTP {answer.status_code}"

    async def _record(
        self, seq: int, attempt: int, at: float, status: str, detail: str | None
    ) -> None:
        """Record the attempt, however long storage takes to take it: after a 2xx, sending
        again would deliver the event twice; the cursor in memory has moved already."""
        tries = 0
        while True:
            try:
                await self._d.storage.log_delivery(self.name, seq, attempt, at, status, detail)
                return
            except Exception as error:  # StorageUnavailable, or any other storage failure
                delay = self._d.record_backoff[min(tries, len(self._d.record_backoff) - 1)]
                tries += 1
                log.warning(
                    "webhook %s: event %d %s, but recording it failed (%s); again in %g s",
                    self.name,
                    seq,
                    status,
                    error,
                    delay,
                )
                await asyncio.sleep(delay)


class Webhooks:
    def __init__(
        self,
        storage: WebhookStore,
        events: EventLog,
        timeout: float = 5.0,
        *,
        targets: OutboundTargets | None = None,
        backoff: tuple[float, ...] = BACKOFF,
        record_backoff: tuple[float, ...] = RECORD_BACKOFF,
    ) -> None:
        self._storage = storage
        self._events = events
        self._timeout = timeout
        self.targets = targets if targets is not None else OutboundTargets(allow_private=False)
        """Where webhooks may point (checked when one is configured and before each send)."""
        self._backoff = backoff
        self._record_backoff = record_backoff
        self._roster_changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._workers: dict[str, ReceiverWorker] = {}
        self.failures = 0
        """Failed attempts since start (for the metrics)."""

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        self._roster_changed.set()
        self._task = asyncio.create_task(self._keep_roster(), name="webhooks")

    async def stop(self) -> None:
        tasks = [w.task for w in self._workers.values()]
        if self._task is not None:
            tasks.append(self._task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers.clear()
        if self._client is not None:
            await self._client.aclose()

    def see(self, envelope: Envelope) -> None:
        """A new event is stored: every receiver's deliveries may go on (no query: most
        floors have no webhook)."""
        for worker in self._workers.values():
            worker.wake()

    def changed(self) -> None:
        """Webhooks were added, changed or removed."""
        self._roster_changed.set()

    def _count_failure(self) -> None:
        self.failures += 1

    async def _keep_roster(self) -> None:
        """One worker per stored webhook: started, reconfigured and stopped as they change."""
        failed_reads = 0
        while True:
            await self._roster_changed.wait()
            self._roster_changed.clear()
            try:
                hooks = await self._storage.webhooks()
            except Exception:
                log.exception("webhooks: could not read the receivers")
                delay = self._record_backoff[min(failed_reads, len(self._record_backoff) - 1)]
                failed_reads += 1
                await asyncio.sleep(delay)
                self._roster_changed.set()
                continue
            failed_reads = 0
            self._reconcile(hooks)

    def _reconcile(self, hooks: list[tuple[str, str, str, int]]) -> None:
        assert self._client is not None
        delivery = Delivery(
            self._storage,
            self._events,
            self._client,
            self.targets,
            self._count_failure,
            self._backoff,
            self._record_backoff,
        )
        stored = {name: (Target(url, secret), cursor) for name, url, secret, cursor in hooks}
        for name in [n for n in self._workers if n not in stored]:
            self._workers.pop(name).task.cancel()
        for name, (target, cursor) in stored.items():
            worker = self._workers.get(name)
            if worker is None:
                self._workers[name] = ReceiverWorker(name, target, cursor, delivery)
            else:
                worker.reconfigure(target, cursor)


@dataclass(frozen=True)
class Receiver:
    """A configured webhook as an administrator sees it (its secret is never shown)."""

    name: str
    url: str
    delivered_up_to: int
    """The seq of the last event the receiver acknowledged."""


class WebhookReceivers:
    """The receivers an administrator configures, each change audited, and their delivery log."""

    def __init__(
        self, storage: WebhookStore, events: EventLog, webhooks: Webhooks, audit: Audit
    ) -> None:
        self._storage = storage
        self._events = events
        self._webhooks = webhooks
        self._audit = audit

    async def put(
        self, name: str, url: str, secret: str, from_seq: int | None, *, client: str | None
    ) -> None:
        """Add a receiver (events after `from_seq`, by default from now on), or change its URL
        and secret. PrivateTarget when the URL points inside (unless private targets are
        allowed); nothing is stored then."""
        await self._webhooks.targets.check(url)
        cursor = from_seq if from_seq is not None else await self._events.last_seq()
        await self._storage.put_webhook(name, url, secret, cursor)
        self._webhooks.changed()
        await self._audit.change(ADMIN_PUT, client, f"webhook '{name}'")

    async def receivers(self) -> list[Receiver]:
        return [Receiver(n, u, cursor) for n, u, _, cursor in await self._storage.webhooks()]

    async def remove(self, name: str, *, client: str | None) -> bool:
        """False when there was no such receiver (nothing is audited then)."""
        if not await self._storage.delete_webhook(name):
            return False
        self._webhooks.changed()
        await self._audit.change(ADMIN_DELETE, client, f"webhook '{name}'")
        return True

    async def deliveries(self, name: str, limit: int) -> list[dict[str, Any]]:
        """The latest delivery attempts, oldest first."""
        return await self._storage.deliveries(name, limit)
