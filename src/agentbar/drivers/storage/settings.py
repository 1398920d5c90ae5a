"""The SettingsStore port on SQL: the CRM origin allow-list and named JSON settings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections


class SqlSettingsStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    def allowed_origins(self) -> list[str]:
        with self._db.read() as c:
            rows = c.execute(
                select(t.allowed_origins.c.origin).order_by(t.allowed_origins.c.position)
            )
            return list(rows.scalars())

    def replace_allowed_origins(self, origins: Sequence[str]) -> None:
        with self._db.write() as c:
            c.execute(t.allowed_origins.delete())
            if origins:
                c.execute(
                    insert(t.allowed_origins),
                    [{"origin": o, "position": i} for i, o in enumerate(origins)],
                )

    def setting(self, name: str) -> Any:
        with self._db.read() as c:
            value = c.execute(
                select(t.server_settings.c.value).where(t.server_settings.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else json.loads(value)

    def put_setting(self, name: str, value: Any) -> None:
        with self._db.write() as c:
            if value is None:
                c.execute(t.server_settings.delete().where(t.server_settings.c.name == name))
                return
            values = {"name": name, "value": json.dumps(value)}
            c.execute(self._db.upsert(t.server_settings, ("name",), values), values)
