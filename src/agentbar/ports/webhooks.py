"""Webhooks, each with its cursor (the last event its receiver took), and their delivery log.

Every method is awaited: a driver runs its SQL off the event loop, so a locked or slow
database holds up only the webhook work waiting on it.
"""

from __future__ import annotations

from typing import Any, Protocol


class WebhookStore(Protocol):
    async def put_webhook(self, name: str, url: str, secret: str, cursor: int) -> None:
        """Create a webhook delivering events after `cursor`, or change its URL and secret
        (a known webhook keeps its cursor)."""
        ...

    async def delete_webhook(self, name: str) -> bool:
        """False if there was no such webhook."""
        ...

    async def webhooks(self) -> list[tuple[str, str, str, int]]:
        """Every webhook by name: (name, url, secret, cursor)."""
        ...

    async def log_delivery(
        self, webhook: str, seq: int, attempt: int, at: float, status: str, detail: str | None
    ) -> None:
        """Record one delivery attempt; a delivered one also moves the webhook's cursor
        forward (never back), in the same transaction."""
        ...

    async def deliveries(self, webhook: str, limit: int) -> list[dict[str, Any]]:
        """The webhook's last `limit` attempts, oldest first, each with the keys delivery_id,
        webhook, seq, attempt, at, status and detail."""
        ...
