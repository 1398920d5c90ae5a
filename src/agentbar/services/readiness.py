"""Readiness: whether the server can take agents now, and if not, why."""

from __future__ import annotations

from agentbar.ports import EventBus, StorageLifecycle
from agentbar.services.cluster import Cluster
from agentbar.services.runtime import Runtime


class Readiness:
    def __init__(
        self, runtime: Runtime, storage: StorageLifecycle, bus: EventBus, cluster: Cluster
    ) -> None:
        self._runtime = runtime
        self._storage = storage
        self._bus = bus
        self._cluster = cluster

    async def problems(self) -> list[str]:
        """What keeps the server from being ready; none when it is."""
        problems = []
        if not self._cluster.serving:
            problems.append(
                f"node {self._cluster.node_id} stands by: it does not own the floor's lease"
            )
        elif not self._runtime.started:
            problems.append("the runtime has not started")
        try:
            await self._storage.ping()
        except Exception as error:  # any database failure means: not ready
            problems.append(f"database: {error}")
        try:
            await self._bus.ping()
        except Exception as error:  # a bus that cannot deliver means: not ready
            problems.append(f"bus: {error}")
        return problems
