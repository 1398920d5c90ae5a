"""`agentbar serve` on PostgreSQL: AGENTBAR_DATABASE_URL names a PostgreSQL database, and a
call goes from login to disposition with everything stored there, kept across a restart."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from examples.services.postgres import PostgresServer
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import agentbar_server
from tests.support.toolbar_client import ToolbarClient

pytestmark = pytest.mark.postgres


def stored_calls(url: str) -> list[tuple[str, str, str | None, str | None]]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT call_id, state, disposition_code, record_id FROM calls ORDER BY call_id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_a_call_is_stored_in_postgresql_and_kept_across_a_restart(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.new_database()
    env = {"AGENTBAR_DATABASE_URL": url}
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], extra_env=env) as server:
        with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
            get_ready(toolbar, inbound_campaign(log_in(toolbar)))
            call_id = server.place_call("+14085551212")
            pop = toolbar.wait_event("call.screen_pop", callId=call_id)["data"]
            toolbar.expect_ok("screen_pop.ack", screenPopId=pop["screenPopId"], recordId="r-7")
            server.customer_hangs_up(call_id)
            toolbar.wait_event("agent.state_changed", state="wrap_up")
            toolbar.expect_ok("disposition.dispose", code="Sale")
            toolbar.wait_event("call.disposed", callId=call_id)
        assert not (tmp_path / "agentbar" / "agentbar.db").exists()  # nothing went to SQLite
    assert stored_calls(url) == [(call_id, "disposed", "Sale", "r-7")]

    with (
        agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], extra_env=env) as again,
        again.admin() as admin,
    ):
        events = admin.get("/api/v1/events", params={"after": 0, "limit": 500}).json()
    kinds = [e["event"] for e in events["events"] if e["data"].get("callId") == call_id]
    assert kinds[0] == "call.queued"
    assert "call.disposed" in kinds
    assert stored_calls(url) == [(call_id, "disposed", "Sale", "r-7")]
