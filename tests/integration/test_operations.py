"""Operations endpoints on the real server: liveness, readiness, Prometheus metrics, and the
events API that replays everything after a cursor."""

from __future__ import annotations

import stat
import time

import httpx

from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

POP = "call.screen_pop"


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and "} " in line):
            head, _, value = line.rpartition(" ")
            if head == name or head.startswith(name + "{"):
                return float(value)
    return None


def scrape_until(server: AgentbarServer, counted: str, timeout: float = 5.0) -> str:
    """The metrics once `counted` has counted one: the socket counts a frame just after
    writing it, so a client can read the frame a moment before it is counted."""
    deadline = time.monotonic() + timeout
    scraped = server.scrape_metrics()
    while metric(scraped, counted) != 1.0 and time.monotonic() < deadline:
        scraped = server.scrape_metrics()
    return scraped


def test_ready_and_metrics_follow_the_floor(server: AgentbarServer) -> None:
    ready = httpx.get(f"{server.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "problems": []}
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        scraped = server.scrape_metrics()
        assert metric(scraped, 'agentbar_agents{state="ready"}') == 1.0
        assert metric(scraped, "agentbar_open_sockets") == 1.0
        call_id = server.place_call()
        toolbar.wait_event("call.connected", callId=call_id)
        scraped = server.scrape_metrics()
        assert metric(scraped, 'agentbar_agents{state="on_call"}') == 1.0
        assert metric(scraped, 'agentbar_calls{state="connected"}') == 1.0
        assert metric(scraped, "agentbar_offer_wait_seconds_count") == 1.0
        assert metric(scraped, 'agentbar_waiting_calls{campaign="Inbound Support"}') == 0.0
        pop = toolbar.wait_event("call.screen_pop", callId=call_id)
        scraped = scrape_until(server, f'agentbar_event_sent_seconds_count{{event="{POP}"}}')
        stored = metric(scraped, f'agentbar_event_stored_seconds_sum{{event="{POP}"}}')
        sent = metric(scraped, f'agentbar_event_sent_seconds_sum{{event="{POP}"}}')
        assert metric(scraped, f'agentbar_event_stored_seconds_count{{event="{POP}"}}') == 1.0
        # Written to the socket after it was published, and both after it was decided.
        assert stored is not None
        assert sent is not None
        assert 0 < stored <= sent < time.time() - pop["at"] + 1e-6
    scraped = server.scrape_metrics()
    assert metric(scraped, "agentbar_open_sockets") == 0.0


def test_the_events_api_replays_from_a_cursor(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
    with server.admin() as admin:
        first = admin.get("/api/v1/events", params={"limit": 3}).json()
        assert [e["seq"] for e in first["events"]] == [1, 2, 3]
        assert first["last"] == 3
        rest = admin.get("/api/v1/events", params={"after": first["last"]}).json()
        seqs = [e["seq"] for e in rest["events"]]
        assert seqs == list(range(4, 4 + len(seqs)))
        assert any(e["event"] == "agent.state_changed" for e in rest["events"])
        assert all(e["agentId"] == "agent1" for e in rest["events"])
        empty = admin.get("/api/v1/events", params={"after": rest["last"]}).json()
        assert empty == {"events": [], "last": rest["last"]}
        assert admin.get("/api/v1/events", params={"after": -1}).status_code == 422
    assert httpx.get(f"{server.base_url}/api/v1/events").status_code == 401


def test_the_database_files_are_readable_by_their_owner_only(server: AgentbarServer) -> None:
    """Password hashes, CRM data and every call are in them: 0600, the -wal and -shm files of
    a live database included."""
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar)  # a write: the live database has its -wal and -shm files
        files = sorted(server.data_dir.glob("agentbar.db*"))
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    assert {"agentbar.db", "agentbar.db-wal", "agentbar.db-shm"} <= set(modes), modes
    assert set(modes.values()) == {0o600}, {name: oct(mode) for name, mode in modes.items()}
