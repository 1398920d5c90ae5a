"""`agentbar admin` against a server whose database another process holds locked a moment: the
server answers that it stored nothing (503 `storage_unavailable`, Retry-After), the command
says so on stderr and sends its change again, and it lands once the lock is gone — once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CRM_ORIGIN
from tests.integration.test_slow_storage import write_lock_held
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server

pytestmark = pytest.mark.slow

STORAGE_TIMEOUT = 1.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AgentbarServer]:
    env = {"AGENTBAR_STORAGE_TIMEOUT": str(STORAGE_TIMEOUT), "AGENTBAR_LEASE_SECONDS": "30"}
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], extra_env=env) as running:
        yield running


def test_a_change_refused_while_the_database_is_locked_is_sent_again_and_lands(
    server: AgentbarServer,
) -> None:
    env = {**os.environ, "AGENTBAR_URL": server.base_url, "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN}
    command = [sys.executable, "-m", "agentbar", "admin", "ivrs", "put", "Billing"]
    with write_lock_held(server.data_dir / "agentbar.db"):
        admin = subprocess.Popen(
            [*command, "-d", "description: pay by phone"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert admin.stderr is not None
        told = admin.stderr.readline()  # the first refusal, while the lock is held
    _, rest = admin.communicate(timeout=30)
    assert told.startswith("agentbar admin: PUT /api/v1/ivrs/Billing: "), told + rest
    assert "database is locked" in told, told
    assert told.rstrip().endswith("trying again in 1 s"), told
    assert admin.returncode == 0, told + rest

    audit = server.query("SELECT action, reason FROM audit_log WHERE action = 'admin_put'")
    assert [tuple(row) for row in audit] == [("admin_put", "ivr 'Billing'")], "stored once"
    with server.admin() as client:
        assert client.get("/api/v1/ivrs/Billing").json()["description"] == "pay by phone"
