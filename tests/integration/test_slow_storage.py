"""Another process holds the database's write lock: the server stays responsive (socket pings,
/healthz) while /readyz names the database and a command that must write is refused with
`storage_unavailable` within the storage timeout, before anything is decided — so no socket
drops and nothing starts over; a call that arrives meanwhile waits for the database and is
offered once the lock is gone, when the refused command goes through too."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import CRM_ORIGIN
from tests.integration.test_resume_socket import toolbar_for
from tests.integration.test_slice_socket import inbound_campaign, log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

# Times the server's answers against tight limits: no other test beside it
# (tests/support/alone.py).
pytestmark = [pytest.mark.slow, pytest.mark.crash, pytest.mark.alone]

STORAGE_TIMEOUT = 1.0
RESPONSIVE = 0.25
"""Seconds within which a ping or /healthz is answered, lock or no lock."""

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Another process takes the database's write lock and holds it until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=10) == 0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AgentbarServer]:
    env = {
        "AGENTBAR_STORAGE_TIMEOUT": str(STORAGE_TIMEOUT),
        # Long enough that the lease outlasts the lock: what is tested is the storage's bound.
        "AGENTBAR_LEASE_SECONDS": "30",
    }
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], extra_env=env) as running:
        yield running


def timed_ping(toolbar: ToolbarClient) -> float:
    started = time.monotonic()
    answer = toolbar.request("ping")
    assert answer["ok"], answer
    return time.monotonic() - started


def timed_healthz(server: AgentbarServer) -> float:
    started = time.monotonic()
    response = httpx.get(f"{server.base_url}/healthz", timeout=5.0)
    assert response.status_code == 200
    return time.monotonic() - started


def test_a_locked_database_is_refused_within_its_bound_and_nothing_else_stalls(
    server: AgentbarServer,
) -> None:
    with toolbar_for(server) as toolbar, toolbar_for(server) as other:
        login = log_in(toolbar)
        campaign_id = inbound_campaign(login)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        log_in(other, "agent2")
        other.expect_ok("extension.select", name="SIP 1002", phone="1002")
        other.expect_ok("campaign.select", campaignId=campaign_id)
        other.expect_ok("presence.ready")

        with ThreadPoolExecutor(1) as pool, write_lock_held(server.data_dir / "agentbar.db"):
            assert max(timed_ping(toolbar) for _ in range(5)) < RESPONSIVE
            assert timed_healthz(server) < RESPONSIVE
            started = time.monotonic()
            readyz = httpx.get(f"{server.base_url}/readyz", timeout=5.0)
            assert time.monotonic() - started < 2.5
            assert readyz.status_code == 503
            assert any(p.startswith("database:") for p in readyz.json()["problems"]), readyz.text

            # The command's write waits on the lock; meanwhile everything else is answered.
            started = time.monotonic()
            toolbar.send_raw('{"id": 100, "cmd": "presence.ready"}')
            stalls = [timed_ping(other), timed_healthz(server), timed_ping(other)]
            refused = toolbar.answer(100, timeout=STORAGE_TIMEOUT + 3)
            waited = time.monotonic() - started
            assert refused["error"]["code"] == "storage_unavailable", refused
            assert "database is locked" in refused["error"]["message"], refused
            assert waited < STORAGE_TIMEOUT + 1.0
            assert max(stalls) < RESPONSIVE, stalls
            # Refused before it was decided: the same socket goes on, and so does the floor.
            assert timed_ping(toolbar) < RESPONSIVE

            # A customer who calls meanwhile is a fact: the call waits for the database.
            placing = pool.submit(server.place_call)
            with pytest.raises(TimeoutError):
                placing.result(timeout=STORAGE_TIMEOUT + 0.5)
            assert timed_ping(other) < RESPONSIVE

        call_id = placing.result(timeout=STORAGE_TIMEOUT + 5)
        other.wait_event("call.connected", callId=call_id)
        assert toolbar.expect_ok("snapshot")["snapshot"]["agent"]["state"] == "not_ready"
        toolbar.expect_ok("presence.ready")
        toolbar.wait_event("agent.state_changed", state="ready")
    assert "restarting" not in server.log()
    assert httpx.get(f"{server.base_url}/readyz", timeout=5.0).status_code == 200
