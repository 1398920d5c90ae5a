"""The DialogStore port on SQL: one row per dialog, its state a JSON document the telephony
driver wrote; written on its own (not in a move's transaction), read back all at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads, writes

_DIALOGS = t.sip_dialogs


class SqlDialogStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def save(self, key: str, data: Mapping[str, Any]) -> None:
        values = {"dialog_key": key, "doc": json.dumps(data, sort_keys=True)}
        with self._db.write() as c:
            c.execute(self._db.upsert(_DIALOGS, ("dialog_key",), values), values)

    @writes
    def forget(self, key: str) -> None:
        with self._db.write() as c:
            c.execute(delete(_DIALOGS).where(_DIALOGS.c.dialog_key == key))

    @reads
    def load_all(self) -> dict[str, dict[str, Any]]:
        with self._db.read() as c:
            rows = c.execute(select(_DIALOGS.c.dialog_key, _DIALOGS.c.doc))
            return {row.dialog_key: json.loads(row.doc) for row in rows}
