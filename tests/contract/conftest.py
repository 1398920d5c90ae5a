"""One contract per port, every driver: each telephony and storage test runs once per driver.

PostgreSQL is started once for the session, and only if a test asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agentbar.ports import Storage
from tests.contract.lines import Lines, open_lines
from tests.contract.storage_drivers import STORAGE_DRIVERS, open_storage
from tests.support.baresip import have_baresip

DRIVERS = [
    pytest.param("simulator", id="simulator"),
    pytest.param("sip", id="sip", marks=pytest.mark.sip),
]


@pytest.fixture(params=DRIVERS)
async def lines(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Lines]:
    if request.param == "sip" and not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup installs it (apt baresip-core)")
    async with open_lines(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture(params=STORAGE_DRIVERS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    server = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    with open_storage(request.param, tmp_path, server) as opened:
        yield opened
