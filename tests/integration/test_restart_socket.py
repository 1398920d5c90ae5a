"""`kill -9` of `agentbar serve` (SQLite, simulator) and a new process on the same data: the
floor goes on. Toolbars resume their sessions with `lastSeq` (no re-login, no logout, no second
screen pop), agents are where they were, calls are where they were — connected on hold, waiting
in order since when they first waited — and a call that was ringing is offered once more."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from examples.services.ports import free_port
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

pytestmark = pytest.mark.crash


@contextmanager
def server_on(data_dir: Path, **env: str) -> Iterator[AgentbarServer]:
    with agentbar_server(data_dir, [CRM_ORIGIN], extra_env=env) as server:
        yield server


def killed(server: AgentbarServer) -> None:
    """What a crash does: no shutdown, no cleanup, nothing flushed by the process."""
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def resume(toolbar: ToolbarClient, token: str, last_seq: int) -> dict[str, Any]:
    return toolbar.expect_ok(
        "auth.resume", token=token, crmOrigin=f"{CRM_ORIGIN}/contacts", lastSeq=last_seq
    )


def last_seq_of(toolbar: ToolbarClient, answer: dict[str, Any]) -> int:
    seqs = [frame["seq"] for frame in toolbar.events + toolbar.views if "seq" in frame]
    last: int = max([answer["snapshot"]["seq"], *seqs])
    return last


def kinds_for(server: AgentbarServer, agent_id: str, after: int) -> list[str]:
    rows = server.query(
        "SELECT kind FROM events WHERE agent_id = ? AND seq > ? ORDER BY seq", agent_id, after
    )
    return [row["kind"] for row in rows]


def waiting_since(server: AgentbarServer, call_id: str) -> float:
    [row] = server.query("SELECT doc FROM floor_calls WHERE call_id = ?", call_id)
    queued_at: float = json.loads(row["doc"])["queued_at"]
    return queued_at


def test_a_killed_server_goes_on_where_it_stopped(tmp_path: Path) -> None:
    data = tmp_path / "agentbar"
    with server_on(data) as first:
        one, two = toolbar_for(first), toolbar_for(first)
        login = log_in(one)
        get_ready(one, inbound_campaign(login))
        login_two = log_in(two, "agent2")
        two.expect_ok("extension.select", name="SIP 1002", phone="1002")
        two.expect_ok("campaign.select", campaignId=inbound_campaign(login_two))
        two.expect_ok("presence.break", reason="Lunch")
        two.wait_view(state="break")

        talking = first.place_call("+14085550001")
        pop = one.wait_event("call.screen_pop", callId=talking)["data"]
        one.expect_ok("screen_pop.ack", screenPopId=pop["screenPopId"], recordId="r-1")
        one.expect_ok("call.hold")
        one.wait_view(state="on_call")
        older, newer = first.place_call("+14085550002"), first.place_call("+14085550003")
        waits = {call_id: waiting_since(first, call_id) for call_id in (older, newer)}
        seen_one, seen_two = last_seq_of(one, login), last_seq_of(two, login_two)
        killed(first)
        one.close()
        two.close()

    with server_on(data) as second:
        assert "restored the floor" in second.log()
        with toolbar_for(second) as one, toolbar_for(second) as two:
            back = resume(one, login["token"], seen_one)
            assert back["snapshot"]["agent"]["state"] == "on_call"
            assert back["snapshot"]["call"]["callId"] == talking
            assert back["snapshot"]["call"]["onHold"] is True
            assert back["snapshot"]["call"]["screenPopId"] == pop["screenPopId"]
            back_two = resume(two, login_two["token"], seen_two)
            assert back_two["snapshot"]["agent"]["state"] == "break"
            assert back_two["snapshot"]["agent"]["breakReason"] == "Lunch"
            assert back_two["snapshot"]["agent"]["extension"]["phone"] == "1002"
            # Both still wait, since when they first waited.
            assert {c: waiting_since(second, c) for c in (older, newer)} == waits

            # The connected call goes on: resumed, hung up, disposed; then the older
            # waiting call is offered first, then the newer.
            one.expect_ok("call.resume")
            one.expect_ok("call.hangup")
            one.wait_view(state="wrap_up")
            one.expect_ok("disposition.dispose", code="Sale")
            one.wait_event("call.disposed", callId=talking)
            one.wait_event("call.screen_pop", callId=older)
            one.expect_ok("call.hangup")
            one.expect_ok("disposition.dispose", code="Sale")
            one.wait_event("call.screen_pop", callId=newer)

        after_login = kinds_for(second, "agent1", 0)
        # One login, no logout, and one screen pop per call, across the crash.
        assert after_login.count("session.started") == 1
        assert "session.ended" not in after_login
        assert "agent.logged_out" not in after_login
        for call_id in (talking, older, newer):
            rows = second.query(
                "SELECT count(*) AS n FROM events WHERE kind = 'call.screen_pop' AND call_id = ?",
                call_id,
            )
            assert rows[0]["n"] == 1, call_id
        [record] = second.query("SELECT state, record_id FROM calls WHERE call_id = ?", talking)
        assert (record["state"], record["record_id"]) == ("disposed", "r-1")


def test_a_call_ringing_at_the_kill_is_offered_once_more(tmp_path: Path) -> None:
    data = tmp_path / "agentbar"
    ringing = {"AGENTBAR_SIMULATOR_ANSWER_DELAY": "3600"}  # phones ring until answered
    with server_on(data, **ringing) as first, toolbar_for(first) as one:
        login = log_in(one)
        get_ready(one, inbound_campaign(login))
        call_id = first.place_call()
        offered = one.wait_event("call.offered", callId=call_id)
        offer = offered["data"]
        seen = max(last_seq_of(one, login), offered["seq"])
        killed(first)

    with server_on(data, **ringing) as second, toolbar_for(second) as one:
        back = resume(one, login["token"], seen)
        again = one.wait_event("call.offered", callId=call_id)["data"]
        assert again["userCrt"] != offer["userCrt"]
        assert back["snapshot"]["agent"]["state"] == "reserved"
        assert back["snapshot"]["call"]["userCrt"] == again["userCrt"]
        offers = second.query(
            "SELECT count(*) AS n FROM events WHERE kind = 'call.offered' AND call_id = ?",
            call_id,
        )
        assert offers[0]["n"] == 2  # the one that rang when the process died, and one more


def test_a_second_server_on_the_same_data_directory_stops_before_doing_anything(
    tmp_path: Path,
) -> None:
    data = tmp_path / "agentbar"
    with server_on(data) as first, toolbar_for(first) as one:
        login = log_in(one)
        get_ready(one, inbound_campaign(login))
        second = subprocess.run(
            [sys.executable, "-m", "agentbar", "serve", "--port", str(free_port()),
             "--data-dir", str(data), "--demo"],
            capture_output=True, text=True, timeout=60, env={**os.environ},
        )  # fmt: skip
        assert second.returncode == 3
        assert "another agentbar process uses the database" in second.stderr
        # The first goes on untouched: its agent, its session, its socket.
        one.expect_ok("presence.break", reason="Lunch")
        one.wait_view(state="break")
    sessions = first.query("SELECT end_reason FROM sessions")
    assert [row["end_reason"] for row in sessions] == [None]


def test_a_killed_single_node_serves_again_without_waiting_out_its_own_lease(
    tmp_path: Path,
) -> None:
    data = tmp_path / "agentbar"
    lease = {"AGENTBAR_LEASE_SECONDS": "60"}  # waiting it out would take a minute
    with server_on(data, **lease) as first:
        killed(first)
    # Ready within the harness's 30 s only if the lease was taken over, not waited out.
    with server_on(data, **lease) as second:
        [row] = second.query("SELECT epoch FROM floor_lease")
        assert row["epoch"] == 2
