"""The DialogStore port in memory: each dialog kept as the JSON text the SQL driver writes, so
what comes back is a copy, never the driver's own objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.support.memory_tables import Tables


class MemoryDialogStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def save(self, key: str, data: Mapping[str, Any]) -> None:
        self._t.dialogs[key] = json.dumps(data, sort_keys=True)

    async def forget(self, key: str) -> None:
        self._t.dialogs.pop(key, None)

    async def load_all(self) -> dict[str, dict[str, Any]]:
        return {key: json.loads(doc) for key, doc in self._t.dialogs.items()}
