"""An owner that stored events and died before publishing them: the toolbars still get them.

The owner reaches Redis through a proxy a test cuts, so what it decides from then on is stored
but never published — the same as an owner killed between its write and its publish, held
open as long as the test needs. Then `kill -9`: another node takes the floor. A toolbar on the
node that takes over, and one on a node that stays a door, each get every event storage holds
for its agent, once each and in order, without reconnecting: the node that reloads its floor
from storage sends them what it never followed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from examples.services.postgres import PostgresServer
from examples.services.redis_server import RedisServer
from tests.integration.test_cluster import LEASE, cluster_of, killed
from tests.integration.test_doors import ready_agent
from tests.support.servers import AgentbarServer
from tests.support.tcp_proxy import tcp_proxy
from tests.support.toolbar_client import ToolbarClient

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.redis]


def stored_events(node: AgentbarServer, after: int) -> list[dict[str, Any]]:
    with node.admin() as client:
        page = client.get("/api/v1/events", params={"after": after, "limit": 1000})
    page.raise_for_status()
    events: list[dict[str, Any]] = page.json()["events"]
    return events


def until_stored(
    node: AgentbarServer, after: int, kind: str, calls: set[str], timeout: float
) -> list[dict[str, Any]]:
    """Polled: storage gives no signal when a row lands."""
    deadline = time.monotonic() + timeout
    while True:
        events = stored_events(node, after)
        if {e["callId"] for e in events if e["event"] == kind} >= calls:
            return events
        if time.monotonic() > deadline:
            raise TimeoutError(f"{kind} of {calls} not stored")
        time.sleep(0.05)


def last_seq(node: AgentbarServer) -> int:
    last = 0
    while events := stored_events(node, last):
        last = events[-1]["seq"]
    return last


def until_seq(toolbar: ToolbarClient, seq: int, timeout: float) -> None:
    """Until the toolbar has read an event numbered `seq` or above."""
    deadline = time.monotonic() + timeout
    while not any(e["seq"] >= seq for e in toolbar.events_in_order):
        toolbar._keep(toolbar.receive(max(deadline - time.monotonic(), 0.01)))


def test_events_stored_but_never_published_reach_the_toolbars_after_the_owner_dies(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with (
        tcp_proxy(redis.port) as proxy,
        cluster_of(
            tmp_path, postgres, redis, ["n1", "n2", "n3"], redis_port={"n1": proxy.port}
        ) as cluster,
    ):
        n1, n2, n3 = (cluster.nodes[n] for n in ("n1", "n2", "n3"))
        cluster.wait_all_up(timeout=10)
        on_new_owner, login2 = ready_agent(n2, "agent1", "1001")
        on_door, login3 = ready_agent(n3, "agent2", "1002")
        agents = {
            login2["snapshot"]["agent"]["id"]: on_new_owner,
            login3["snapshot"]["agent"]["id"]: on_door,
        }
        before = last_seq(n2)

        proxy.cut("refuse")  # n1 still decides and stores; nothing it publishes gets out
        calls = {n1.place_call("+14085550011"), n1.place_call("+14085550012")}
        unpublished = until_stored(n2, before, "call.screen_pop", calls, timeout=10)
        killed(n1)

        for agent_id, toolbar in agents.items():
            mine = [e for e in unpublished if e["agentId"] == agent_id]
            assert mine, f"no event stored for {agent_id}"
            # Once the floor has a new owner (the lease runs out first).
            until_seq(toolbar, mine[-1]["seq"], timeout=LEASE * 3 + 5)
            got = [e["seq"] for e in toolbar.events_in_order if e["seq"] > before]
            assert got == sorted(set(got)), "an event came twice or out of order"
            assert {e["seq"] for e in mine} <= set(got), (mine, got)
