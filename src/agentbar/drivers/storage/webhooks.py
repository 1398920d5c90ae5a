"""The WebhookStore port on SQL: webhooks with their cursors, and the delivery log (each method's
SQL in a storage thread, off the event loop)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads, writes


class SqlWebhookStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def put_webhook(self, name: str, url: str, secret: str, cursor: int) -> None:
        values = {"name": name, "url": url, "secret": secret, "cursor": cursor}
        with self._db.write() as c:
            c.execute(
                self._db.upsert(t.webhooks, ("name",), values, update=("url", "secret")), values
            )

    @writes
    def delete_webhook(self, name: str) -> bool:
        with self._db.write() as c:
            return c.execute(t.webhooks.delete().where(t.webhooks.c.name == name)).rowcount == 1

    @reads
    def webhooks(self) -> list[tuple[str, str, str, int]]:
        with self._db.read() as c:
            return [
                (r.name, r.url, r.secret, r.cursor)
                for r in c.execute(select(t.webhooks).order_by(t.webhooks.c.name))
            ]

    @writes
    def log_delivery(
        self, webhook: str, seq: int, attempt: int, at: float, status: str, detail: str | None
    ) -> None:
        with self._db.write() as c:
            c.execute(
                insert(t.webhook_deliveries).values(
                    webhook=webhook, seq=seq, attempt=attempt, at=at, status=status, detail=detail
                )
            )
            if status == "delivered":
                c.execute(
                    update(t.webhooks)
                    .where((t.webhooks.c.name == webhook) & (t.webhooks.c.cursor < seq))
                    .values(cursor=seq)
                )

    @reads
    def deliveries(self, webhook: str, limit: int) -> list[dict[str, Any]]:
        with self._db.read() as c:
            rows = c.execute(
                select(t.webhook_deliveries)
                .where(t.webhook_deliveries.c.webhook == webhook)
                .order_by(t.webhook_deliveries.c.delivery_id.desc())
                .limit(limit)
            ).mappings()
            return [dict(r) for r in rows][::-1]
