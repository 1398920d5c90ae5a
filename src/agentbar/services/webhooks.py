"""Webhooks: every stored event, POSTed as JSON to each configured URL, in order, signed.

Each webhook keeps a cursor in storage (the last event its receiver acknowledged with a 2xx),
so nothing is skipped or delivered twice across failures and restarts: a delivery that fails
is retried with a growing delay, and events behind it wait their turn. Every attempt is logged.

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
from dataclasses import dataclass
from typing import Any

import httpx

from agentbar.ports import Envelope, EventLog, WebhookStore
from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT, Audit

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
BATCH = 200


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def payload(envelope: Envelope) -> bytes:
    return json.dumps(
        {**envelope.frame(), "agentId": envelope.agent_id, "callId": envelope.call_id},
        separators=(",", ":"),
    ).encode()


class Webhooks:
    def __init__(self, storage: WebhookStore, events: EventLog, timeout: float = 5.0) -> None:
        self._storage = storage
        self._events = events
        self._timeout = timeout
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self.failures = 0
        self._any: bool | None = None
        """Whether any webhook is configured; None until read. Most floors have none, and then
        a new event must not cost a query."""
        """Failed attempts since start (for the metrics)."""

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        self._task = asyncio.create_task(self._run(), name="webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def see(self, envelope: Envelope) -> None:
        """A new event is stored: deliveries may go on."""
        self._wake.set()

    def changed(self) -> None:
        """Webhooks were added, changed or removed."""
        self._any = None
        self._wake.set()

    async def _run(self) -> None:
        retry_at: dict[str, tuple[float, int]] = {}  # webhook -> (when, attempts so far)
        while True:
            self._wake.clear()
            waits: list[float] = []
            hooks = self._storage.webhooks() if self._any is not False else []
            self._any = bool(hooks)
            for name, url, secret, cursor in hooks:
                due, attempts = retry_at.get(name, (0.0, 0))
                if time.monotonic() < due:
                    waits.append(due - time.monotonic())
                    continue
                try:
                    failed = await self._deliver(name, url, secret, cursor, attempts)
                except Exception:
                    log.exception("webhook %s: delivery failed unexpectedly", name)
                    failed = attempts + 1
                if failed is None:
                    retry_at.pop(name, None)
                else:
                    delay = BACKOFF[min(failed - 1, len(BACKOFF) - 1)]
                    retry_at[name] = (time.monotonic() + delay, failed)
                    waits.append(delay)
            # Sleep until a new event, a changed webhook, or the next retry falls due.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(waits) if waits else None)

    async def _deliver(
        self, name: str, url: str, secret: str, cursor: int, attempts: int
    ) -> int | None:
        """Deliver what follows the cursor, in order; the attempts count if one fails."""
        assert self._client is not None
        for envelope in await self._events.events_since(cursor, BATCH):
            body = payload(envelope)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Agentbar-Event": envelope.kind,
                "X-Agentbar-Seq": str(envelope.seq),
                "X-Agentbar-Timestamp": stamp,
                "X-Agentbar-Signature": signature(secret, stamp, body),
            }
            attempt = attempts + 1
            try:
                answer = await self._client.post(url, content=body, headers=headers)
                ok, detail = answer.is_success, f"HTTP {answer.status_code}"
            except httpx.HTTPError as error:
                ok, detail = False, f"{type(error).__name__}: {error}"[:300]
            status = "delivered" if ok else "failed"
            self._storage.log_delivery(name, envelope.seq, attempt, time.time(), status, detail)
            if not ok:
                self.failures += 1
                log.warning("webhook %s: event %d not delivered (%s)", name, envelope.seq, detail)
                return attempt
            attempts = 0
        return None


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
        and secret."""
        cursor = from_seq if from_seq is not None else await self._events.last_seq()
        self._storage.put_webhook(name, url, secret, cursor)
        self._webhooks.changed()
        await self._audit.change(ADMIN_PUT, client, f"webhook '{name}'")

    def receivers(self) -> list[Receiver]:
        return [Receiver(n, u, cursor) for n, u, _, cursor in self._storage.webhooks()]

    async def remove(self, name: str, *, client: str | None) -> bool:
        """False when there was no such receiver (nothing is audited then)."""
        if not self._storage.delete_webhook(name):
            return False
        self._webhooks.changed()
        await self._audit.change(ADMIN_DELETE, client, f"webhook '{name}'")
        return True

    def deliveries(self, name: str, limit: int) -> list[dict[str, Any]]:
        """The latest delivery attempts, oldest first."""
        return self._storage.deliveries(name, limit)
