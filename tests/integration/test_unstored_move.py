"""A move that cannot be stored is not kept: its client is refused, the process decides
nothing more, and it starts over from what is stored (as after `kill -9`) rather than go on
from a floor in memory that storage never saw. The drill: the database itself refuses one kind
of write (a trigger an operator might have left), while the lease and everything else work."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing

import pytest

from tests.integration.test_resume_socket import resume, toolbar_for
from tests.integration.test_slice_socket import inbound_campaign, log_in
from tests.support.servers import AgentbarServer

pytestmark = pytest.mark.crash

REFUSE_READY = """
CREATE TRIGGER refuse_ready BEFORE INSERT ON events
WHEN NEW.kind = 'agent.state_changed' AND json_extract(NEW.data, '$.state') = 'ready'
BEGIN SELECT RAISE(ABORT, 'refused by the drill'); END
"""


def database(server: AgentbarServer, sql: str) -> None:
    with closing(sqlite3.connect(server.data_dir / "agentbar.db", timeout=10)) as db:
        db.execute(sql)
        db.commit()


def test_a_move_the_database_refuses_is_not_kept_in_memory(server: AgentbarServer) -> None:
    with toolbar_for(server) as toolbar:
        login = log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=inbound_campaign(login))
        database(server, REFUSE_READY)
        refused = toolbar.request("presence.ready")
        assert refused["error"] == {
            "code": "floor_unavailable",
            "message": "the change could not be stored; nothing was done",
        }
        again = toolbar.request("presence.break", reason="Lunch")  # decides nothing more
        assert again["error"]["code"] == "floor_unavailable", again
        server.wait_for_log("restarting as a node that stands by", timeout=5.0)
        database(server, "DROP TRIGGER refuse_ready")

    deadline = time.monotonic() + 30.0
    while not server.ready():  # the process starts over: same pid, same port
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)
    with toolbar_for(server) as back:
        snapshot = resume(back, login["token"])["snapshot"]
        assert snapshot["agent"]["state"] == "not_ready"  # as stored, not as decided
        back.expect_ok("presence.ready")
        back.wait_event("agent.state_changed", state="ready")
    [row] = server.query(
        "SELECT data FROM events WHERE kind = 'agent.state_changed' ORDER BY seq DESC LIMIT 1"
    )
    assert json.loads(row["data"])["state"] == "ready"
