"""Fixtures shared by every test level."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.services.postgres import PostgresServer, postgres_server, server_binaries
from examples.services.redis_server import RedisServer, have_redis, redis_server
from tests.support.alone import LOCKS_KEY, MARKER, Floor
from tests.support.servers import AgentbarServer, agentbar_server

# Hypothesis keeps its example database and a cache of the source it reads (with this
# machine's paths in it) under the working directory unless told otherwise: keep both out of
# the checkout. Hypothesis reads this on first use, after conftest has run.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "agentbar-hypothesis")
)

LOCKS_DIRECTORY = pytest.StashKey[Path]()
FLOOR = pytest.StashKey[Floor]()

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


# Running in xdist workers (scripts/test): the controlling process makes the lock directory
# and hands it to each worker; a worker opens the floor's locks once (tests/support/alone.py).
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    config: pytest.Config = node.config
    if LOCKS_DIRECTORY not in config.stash:
        config.stash[LOCKS_DIRECTORY] = Path(tempfile.mkdtemp(prefix="agentbar-alone-"))
    node.workerinput[LOCKS_KEY] = str(config.stash[LOCKS_DIRECTORY])


def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None and LOCKS_KEY in workerinput:
        config.stash[FLOOR] = Floor(Path(workerinput[LOCKS_KEY]))


def pytest_unconfigure(config: pytest.Config) -> None:
    if FLOOR in config.stash:
        config.stash[FLOOR].close()
    if LOCKS_DIRECTORY in config.stash:
        shutil.rmtree(config.stash[LOCKS_DIRECTORY], ignore_errors=True)


# Outermost (tryfirst), so the wait for the floor is not counted in the test's timeout.
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    if FLOOR not in item.config.stash:
        yield
        return
    with item.config.stash[FLOOR].held(alone=item.get_closest_marker(MARKER) is not None):
        yield
