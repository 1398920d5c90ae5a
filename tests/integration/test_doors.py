"""Every node serves: toolbars, the simulator and admin API work on whichever node they reach,
while one node (the owner) decides. A call placed through one node is offered to the longest
idle agent wherever that agent is connected; an administrator's change made on one node is in
force on all; `kill -9` of a node that only serves sockets costs its toolbars a reconnect to
another node and a resume that replays exactly what they missed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.services.postgres import PostgresServer
from examples.services.redis_server import RedisServer
from tests.conftest import CRM_ORIGIN
from tests.integration.test_cluster import cluster_of, killed
from tests.integration.test_slice_socket import inbound_campaign, log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.redis]


def toolbar_on(node: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(node.socket_url, origin=node.base_url)


def ready_agent(
    node: AgentbarServer, user: str, phone: str
) -> tuple[ToolbarClient, dict[str, Any]]:
    toolbar = toolbar_on(node)
    login = log_in(toolbar, user)
    toolbar.expect_ok("extension.select", name=f"SIP {phone}", phone=phone)
    toolbar.expect_ok("campaign.select", campaignId=inbound_campaign(login))
    toolbar.expect_ok("presence.ready")
    toolbar.wait_event("agent.state_changed", state="ready")
    # The view a door sends is read from its copy of the floor, which must already hold the
    # move of the event it follows (the bus and the link are separate channels).
    view = toolbar.wait_view(state="ready")
    assert view["view"]["agent"]["extension"] == {
        "name": f"SIP {phone}",
        "phone": phone,
        "kind": "phone",
    }
    return toolbar, login


def sockets_per_node(node: AgentbarServer, timeout: float) -> dict[str, int]:
    """The cluster's view of toolbar sockets per node, once no node reports a change for a
    heartbeat or two."""
    deadline = time.monotonic() + timeout
    last: dict[str, int] = {}
    while time.monotonic() < deadline:
        with node.admin() as client:
            view = client.get("/api/v1/cluster").json()
        now = {n["id"]: n["sockets"] for n in view["nodes"]}
        if now == last:
            return now
        last = now
        time.sleep(1.0)
    return last


def test_every_node_serves_and_the_longest_idle_agent_gets_the_call_wherever_connected(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"]) as cluster:
        n1, n2, n3 = (cluster.nodes[n] for n in ("n1", "n2", "n3"))
        cluster.wait_all_up(timeout=10)
        assert cluster.cluster_view("n3")["owner"] == "n1"

        first, _ = ready_agent(n2, "agent1", "1001")  # idle the longest
        second, _ = ready_agent(n3, "agent2", "1002")
        call = n3.place_call("+14085550001")  # through a node that does not decide
        pop = first.wait_event("call.screen_pop", callId=call)
        assert pop["data"]["phone"] == "+14085550001"
        first.expect_ok("call.hold")
        first.wait_event("call.held", callId=call)
        first.expect_ok("call.resume")
        first.expect_ok("call.hangup")
        first.expect_ok("disposition.dispose", code="Sale")
        first.wait_event("call.disposed", callId=call)

        # agent2 has now been idle the longest: the next call is theirs, on the other door.
        after = n2.place_call("+14085550002")
        second.wait_event("call.screen_pop", callId=after)
        assert not [e for e in first.events if e["event"] == "call.screen_pop"]

        assert sockets_per_node(n1, timeout=10) == {"n1": 0, "n2": 1, "n3": 1}
        first.close()
        second.close()


def test_a_change_made_on_one_node_is_in_force_on_every_node(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"]) as cluster:
        cluster.wait_all_up(timeout=10)
        with cluster.nodes["n2"].admin() as client:
            client.put(
                "/api/v1/break-reasons", json=[{"name": "Coaching", "productive": True}]
            ).raise_for_status()
        for name in ("n1", "n3"):
            toolbar = toolbar_on(cluster.nodes[name])
            login = log_in(toolbar, "agent1" if name == "n1" else "agent2")
            reasons = [r["name"] for r in login["snapshot"]["breakReasons"]]
            assert reasons == ["Coaching"], name
            toolbar.close()


def test_a_door_killed_its_toolbar_resumes_on_another_and_misses_nothing(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"]) as cluster:
        n1, n2, n3 = (cluster.nodes[n] for n in ("n1", "n2", "n3"))
        cluster.wait_all_up(timeout=10)
        toolbar, login = ready_agent(n2, "agent1", "1001")
        call = n1.place_call("+14085550003")
        pop = toolbar.wait_event("call.screen_pop", callId=call)
        seen = pop["seq"]

        killed_at = time.monotonic()
        killed(n2)
        n1.customer_hangs_up(call)  # while the agent's toolbar is away

        with toolbar_on(n3) as back:
            answer = back.expect_ok(
                "auth.resume", token=login["token"], crmOrigin=f"{CRM_ORIGIN}/x", lastSeq=seen
            )
            resumed_after = time.monotonic() - killed_at
            assert answer["snapshot"]["agent"]["state"] == "wrap_up"
            missed = back.wait_event("call.ended", callId=call)
            assert missed["seq"] > seen
            back.expect_ok("disposition.dispose", code="Sale")
            back.wait_event("call.disposed", callId=call)
            seqs = [e["seq"] for e in back.events]
            assert seqs == sorted(set(seqs)), "an event came twice or out of order"
            assert not [e for e in back.events if e["event"] == "call.screen_pop"]
        assert resumed_after < 3.0, resumed_after


def test_a_supervisor_logout_on_one_node_ends_the_session_on_another(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2"]) as cluster:
        cluster.wait_all_up(timeout=10)
        toolbar = toolbar_on(cluster.nodes["n2"])
        log_in(toolbar, "agent1")
        with cluster.nodes["n1"].admin() as client:
            client.post("/api/v1/agents/agent1/logout").raise_for_status()
        ended = toolbar.wait_event("session.ended")
        assert ended["data"]["reason"] == "supervisor logout"
        with httpx.Client(base_url=cluster.nodes["n2"].base_url) as client:
            assert client.get("/readyz").status_code == 200
        toolbar.close()


def test_the_idle_timeout_counts_sockets_on_every_node(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    """The owner runs every session's idle timer: a toolbar that moved from one door to
    another keeps its session past the timeout; one whose sockets all closed loses it."""
    idle = {"AGENTBAR_IDLE_TIMEOUT": "2"}
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"], env=idle) as cluster:
        n1, n2, n3 = (cluster.nodes[n] for n in ("n1", "n2", "n3"))
        cluster.wait_all_up(timeout=10)
        moving, moved_login = ready_agent(n2, "agent1", "1001")
        leaving, _ = ready_agent(n3, "agent2", "1002")
        with toolbar_on(n3) as watcher:  # the session that stays open watches the other end
            watcher.expect_ok(
                "auth.resume", token=moved_login["token"], crmOrigin=f"{CRM_ORIGIN}/x"
            )
            moving.close()  # agent1's only socket is now on n3
            leaving.close()  # agent2 has none left
            with n1.admin() as client:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    audit = client.get("/api/v1/audit", params={"limit": 100}).json()
                    ended = [
                        e
                        for e in audit["entries"]
                        if e["action"] == "logout" and e["reason"] == "idle timeout"
                    ]
                    if ended:
                        break
                    time.sleep(0.2)
            assert [e["username"] for e in ended] == ["agent2"], ended
            time.sleep(2.5)  # more than a whole idle timeout since agent1's n2 socket closed
            watcher.expect_ok("presence.break", reason="Lunch")  # agent1's session lives on


def test_wrong_passwords_spread_over_the_nodes_count_together(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    """Ten wrong passwords for one account, a few on each node, stop its next login on any
    node: the owner counts every node's failures (one node alone would allow ten each)."""
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"]) as cluster:
        cluster.wait_all_up(timeout=10)
        nodes = [cluster.nodes[name] for name in ("n1", "n2", "n3")]

        def attempt(node: AgentbarServer, password: str) -> dict[str, Any]:
            with toolbar_on(node) as toolbar:
                return toolbar.request(
                    "auth.login",
                    username="agent3",
                    password=password,
                    authPolicy="AUTH_TYPE_PASSWORD",
                    crmOrigin=f"{CRM_ORIGIN}/x",
                )

        for n in range(10):
            answer = attempt(nodes[n % 3], "wrong")
            assert answer["error"]["code"] == "invalid_credentials", answer
        for node in nodes:
            refused = attempt(node, "agent3")  # even the right password, on every node
            assert refused["error"]["code"] == "too_many_attempts", refused
        assert attempt(nodes[1], "wrong")["error"]["code"] == "too_many_attempts"
        with toolbar_on(nodes[2]) as other:
            assert log_in(other, "agent4")["ok"]  # another account may
