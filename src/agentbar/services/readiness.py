"""Readiness: whether the server can take agents now, and if not, why."""

from __future__ import annotations

import asyncio

from agentbar.ports import EventBus, StorageLifecycle
from agentbar.services.cluster import Cluster

STORAGE_PATIENCE = 2.0
"""Seconds /readyz waits for the database's answer, at most: a storage that answers no faster
than that is not ready, and readiness says so rather than hang (the storage bounds its own
probe; this holds whatever a driver does)."""


class Readiness:
    def __init__(self, storage: StorageLifecycle, bus: EventBus, cluster: Cluster) -> None:
        self._storage = storage
        self._bus = bus
        self._cluster = cluster

    async def problems(self) -> list[str]:
        """What keeps the server from being ready; none when it is."""
        problems = []
        if not self._cluster.serving:
            problems.append(
                f"node {self._cluster.node_id} has no floor to serve yet: it neither owns the "
                "floor nor has loaded its copy of the owner's"
            )
        try:
            await asyncio.wait_for(self._storage.ping(), STORAGE_PATIENCE)
        except TimeoutError:
            problems.append(f"database: no answer within {STORAGE_PATIENCE:g} s")
        except Exception as error:  # any database failure means: not ready
            problems.append(f"database: {error}")
        try:
            await self._bus.ping()
        except Exception as error:  # a bus that cannot deliver means: not ready
            problems.append(f"bus: {error}")
        return problems
