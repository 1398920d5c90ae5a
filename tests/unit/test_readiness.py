"""Readiness answers within its bound whatever the storage does: a database that hangs is
reported as not ready, not waited for."""

from __future__ import annotations

import asyncio
import time
from typing import cast

import pytest

from agentbar.ports import EventBus, StorageLifecycle
from agentbar.services import readiness
from agentbar.services.cluster import Cluster
from agentbar.services.readiness import Readiness


class _Serving:
    serving = True
    node_id = "n1"


class _Bus:
    async def ping(self) -> None:
        return None


class _HangingStorage:
    def __init__(self) -> None:
        self.released = asyncio.Event()

    async def ping(self) -> None:
        await self.released.wait()  # a driver that never bounds its own wait


async def test_a_storage_that_does_not_answer_is_reported_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readiness, "STORAGE_PATIENCE", 0.1)
    storage = _HangingStorage()
    ready = Readiness(
        cast(StorageLifecycle, storage), cast(EventBus, _Bus()), cast(Cluster, _Serving())
    )
    started = time.monotonic()
    problems = await ready.problems()
    assert time.monotonic() - started < 1.0
    assert problems == ["database: no answer within 0.1 s"]
