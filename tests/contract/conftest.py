"""One telephony contract, every driver: each test runs once per driver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.lines import Lines, open_lines
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
