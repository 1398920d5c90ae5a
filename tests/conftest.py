"""Fixtures shared by every test level."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.services.postgres import PostgresServer, postgres_server, server_binaries
from examples.services.redis_server import RedisServer, have_redis, redis_server
from tests.support.servers import AgentbarServer, agentbar_server

# Hypothesis keeps its example database and a cache of the source it reads (with this
# machine's paths in it) under the working directory unless told otherwise: keep both out of
# the checkout. Hypothesis reads this on first use, after conftest has run.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "agentbar-hypothesis")
)

CRM_ORIGIN = "http://crm.test:8081"
"""An allowed CRM origin for socket-level tests (no page needs to be served there)."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, started by the first test that asks."""
    if server_binaries() is None:
        pytest.fail("PostgreSQL is not installed: scripts/setup --postgres installs it (apt)")
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    """A Redis server for the whole session, started by the first test that asks."""
    if not have_redis():
        pytest.fail("Redis is not installed: scripts/setup --redis installs it (apt redis-server)")
    with redis_server() as server:
        yield server
