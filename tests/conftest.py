"""Fixtures shared by every test level."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import AgentbarServer, agentbar_server

CRM_ORIGIN = "http://crm.test:8081"
"""An allowed CRM origin for socket-level tests (no page needs to be served there)."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as running:
        yield running
