"""The storage drivers the storage contract runs on, each opened fresh and migrated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agentbar.domain.model.campaign import CampaignKind, DispositionClass, DispositionPlan
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.ports import Storage
from examples.services.postgres import PostgresServer
from tests.support.memory_storage import MemoryStorage

STORAGE_DRIVERS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("memory", id="memory"),
]

PLAN = DispositionPlan(
    (
        DispositionClass("Resolved", ("Sale", "Info Given")),
        DispositionClass("Follow Up", ("Callback",)),
    )
)


@contextmanager
def open_storage(
    driver: str, tmp_path: Path, postgres: PostgresServer | None = None
) -> Iterator[Storage]:
    """The driver's storage, fresh and migrated: SQLite in `tmp_path`, a new database on
    `postgres`, or the in-memory fake."""
    storage: Storage
    if driver == "sqlite":
        storage = SqlDatabase(f"sqlite:///{tmp_path / 'contract.db'}")
    elif driver == "postgresql":
        assert postgres is not None
        storage = SqlDatabase(postgres.new_database())
    else:
        storage = MemoryStorage()
    storage.migrate()
    try:
        yield storage
    finally:
        storage.close()


def a_campaign(storage: Storage, name: str = "Sales", agents: tuple[str, ...] = ()) -> str:
    """A campaign (with its agents provisioned) for rows that must belong to one."""
    for agent_id in agents:
        storage.catalog.upsert_agent(agent_id, agent_id.upper(), None)
    return storage.catalog.upsert_campaign(name, CampaignKind.OUTBOUND, PLAN, agents)
