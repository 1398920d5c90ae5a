"""auth.resume with lastSeq over real sockets: the events a toolbar missed while its socket was
down arrive once, in order, before live ones; too far behind, the answer says so instead."""

from __future__ import annotations

from typing import Any

from agentbar.web.socket import MAX_REPLAY
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def resume(toolbar: ToolbarClient, token: str, **fields: Any) -> dict[str, Any]:
    return toolbar.expect_ok(
        "auth.resume", token=token, crmOrigin=f"{CRM_ORIGIN}/contacts", **fields
    )


def last_stored(server: AgentbarServer) -> int:
    """The agent's last stored event: once the toolbar has seen `ready`, it has seen this."""
    [row] = server.query("SELECT max(seq) AS seq FROM events WHERE agent_id = 'agent1'")
    seq: int = row["seq"]
    return seq


def stored_events(server: AgentbarServer, after: int) -> list[tuple[int, str]]:
    rows = server.query(
        "SELECT seq, kind FROM events WHERE agent_id = 'agent1' AND seq > ? ORDER BY seq", after
    )
    return [(r["seq"], r["kind"]) for r in rows if not r["kind"].startswith("session.")]


def test_missed_events_are_replayed_once_in_order_before_live_ones(
    server: AgentbarServer,
) -> None:
    with toolbar_for(server) as first:
        answer = log_in(first)
        token = answer["token"]
        get_ready(first, inbound_campaign(answer))
        last_seen = last_stored(server)
    # The toolbar is away. A second socket of the session watches the call go by, so the
    # test waits on events rather than time.
    with toolbar_for(server) as watcher:
        resume(watcher, token)
        call_id = server.place_call()
        watcher.wait_event("call.connected", callId=call_id)
        server.customer_hangs_up(call_id)
        watcher.wait_event("call.ended", callId=call_id)
    missed = stored_events(server, last_seen)
    assert "call.ended" in [kind for _, kind in missed]
    assert len(missed) >= 4

    with toolbar_for(server) as back:
        answer = resume(back, token, lastSeq=last_seen)
        assert answer["replayed"] == len(missed)
        assert answer["tooFarBehind"] is False
        assert answer["snapshot"]["agent"]["state"] == "wrap_up"
        replayed = [back.receive() for _ in missed]
        assert [(f["seq"], f["event"]) for f in replayed] == missed
        # Live events follow the replay, none of them a second copy of a replayed one.
        back.expect_ok("disposition.dispose", code="Sale")
        back.wait_event("call.disposed", callId=call_id)
        live = back.events_in_order
        seqs = [f["seq"] for f in replayed + live]
        assert seqs == sorted(set(seqs))
        assert min(f["seq"] for f in live) > missed[-1][0]


def test_a_toolbar_too_far_behind_is_told_to_trust_the_snapshot(server: AgentbarServer) -> None:
    with toolbar_for(server) as first:
        answer = log_in(first)
        token = answer["token"]
        get_ready(first, inbound_campaign(answer))
        last_seen = last_stored(server)
    moves = MAX_REPLAY // 2 + 1
    while moves > 0:
        # A socket may send 40 frames at once (AGENTBAR_SOCKET_BURST): a fresh one every 15 moves.
        with toolbar_for(server) as busy:
            plain = resume(busy, token)
            assert "replayed" not in plain  # without lastSeq nothing is replayed, as before
            for _ in range(min(moves, 15)):
                busy.expect_ok("presence.break", reason="Lunch")
                busy.expect_ok("presence.ready")
            moves -= 15
    assert len(stored_events(server, last_seen)) > MAX_REPLAY

    with toolbar_for(server) as late:
        answer = resume(late, token, lastSeq=last_seen)
        assert (answer["replayed"], answer["tooFarBehind"]) == (0, True)
        assert answer["snapshot"]["agent"]["state"] == "ready"
        late.expect_ok("ping")
        assert late.events == []  # nothing was replayed ahead of the ping's answer


def test_nothing_is_replayed_to_a_toolbar_that_missed_nothing(server: AgentbarServer) -> None:
    with toolbar_for(server) as first:
        answer = log_in(first)
        token = answer["token"]
        get_ready(first, inbound_campaign(answer))
        last_seen = last_stored(server)
    with toolbar_for(server) as back:
        answer = resume(back, token, lastSeq=last_seen)
        assert (answer["replayed"], answer["tooFarBehind"]) == (0, False)
        back.expect_ok("ping")
        assert back.events == []
