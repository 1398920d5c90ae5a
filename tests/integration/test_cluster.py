"""Several `agentbar serve` nodes on one PostgreSQL and one Redis, behind HAProxy checking
`/readyz`: one node owns the floor, the others serve as doors. `kill -9` of the owner: another
node takes the lease once it runs out, takes the floor back from storage, and the toolbars
reconnect through HAProxy and resume — the call goes on where it was. An owner cut away from
the database stops deciding before any other node may start."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.services.haproxy import HaproxyServer, haproxy_server
from examples.services.ports import free_port
from examples.services.postgres import PostgresServer
from examples.services.redis_server import RedisServer
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.toolbar_client import ToolbarClient

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.redis]

LEASE = 2.0


@dataclass
class Cluster:
    nodes: dict[str, AgentbarServer]
    balancer: HaproxyServer

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.balancer.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )

    def place_call(self, phone: str) -> str:
        with self.admin() as client:
            answer = client.post(
                "/api/v1/simulator/calls", json={"from": phone, "campaign": "Inbound Support"}
            )
        answer.raise_for_status()
        call_id: str = answer.json()["callId"]
        return call_id

    def toolbar(self) -> ToolbarClient:
        return ToolbarClient(self.balancer.socket_url, origin=self.balancer.base_url)

    def cluster_view(self, node: str) -> dict[str, Any]:
        server = self.nodes[node]
        with server.admin() as client:
            view: dict[str, Any] = client.get("/api/v1/cluster").json()
        return view

    def wait_all_up(self, timeout: float) -> None:
        """Until HAProxy sends traffic to every node (each owns the floor or follows it)."""
        self.balancer.wait_until(
            lambda states: all(state == "UP" for state in states.values()), timeout
        )

    def wait_owner(self, asked: str, not_: str, timeout: float) -> tuple[str, float]:
        """Until node `asked` names an owner other than `not_` that serves; returns it and
        when that was seen."""
        deadline = time.monotonic() + timeout
        while True:
            owner = self.cluster_view(asked)["owner"]
            if owner not in (None, not_) and self.nodes[owner].ready():
                return owner, time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no owner but {not_} seen from {asked}")
            time.sleep(0.05)


@contextmanager
def cluster_of(
    tmp_path: Path,
    postgres: PostgresServer,
    redis: RedisServer,
    names: list[str],
    database_port: dict[str, int] | None = None,
    env: dict[str, str] | None = None,
    redis_port: dict[str, int] | None = None,
) -> Iterator[Cluster]:
    """The first node is started first, so it owns the floor; the rest follow it. A node named
    in `database_port` (`redis_port`) reaches PostgreSQL (Redis) through that port: a proxy a
    test can cut. `env` adds to every node's environment."""
    url = postgres.new_database()
    ports = {name: free_port() for name in names}
    with ExitStack() as stack:
        nodes: dict[str, AgentbarServer] = {}
        for name in names:
            node_url = url
            if database_port and name in database_port:
                node_url = url.replace(f":{postgres.port}/", f":{database_port[name]}/")
            node_redis_url = redis.url
            if redis_port and name in redis_port:
                node_redis_url = redis.url.replace(f":{redis.port}", f":{redis_port[name]}")
            node_env = {
                **(env or {}),
                "AGENTBAR_DATABASE_URL": node_url,
                "AGENTBAR_BUS": "redis",
                "AGENTBAR_REDIS_URL": node_redis_url,
                "AGENTBAR_NODE_ID": name,
                "AGENTBAR_LEASE_SECONDS": str(LEASE),
            }
            nodes[name] = stack.enter_context(
                agentbar_server(tmp_path / name, [CRM_ORIGIN], node_env, port=ports[name])
            )
        balancer = stack.enter_context(haproxy_server([ports[name] for name in names], names=names))
        yield Cluster(nodes, balancer)


def killed(server: AgentbarServer) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()


def test_the_owner_killed_another_node_takes_the_floor_and_the_call_goes_on(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2", "n3"]) as cluster:
        cluster.wait_all_up(timeout=10)
        view = cluster.cluster_view("n2")
        assert (view["node"], view["owner"]) == ("n2", "n1")
        assert {n["id"] for n in view["nodes"]} == {"n1", "n2", "n3"}
        epoch = view["epoch"]

        toolbar = cluster.toolbar()
        login = log_in(toolbar)
        get_ready(toolbar, inbound_campaign(login))
        call_id = cluster.place_call("+14085550001")
        pop = toolbar.wait_event("call.screen_pop", callId=call_id)
        toolbar.expect_ok("call.hold")
        held = toolbar.wait_event("call.held", callId=call_id)
        seen = max(pop["seq"], held["seq"])
        toolbar.close()

        killed_at = time.monotonic()
        killed(cluster.nodes["n1"])
        owner, seen_at = cluster.wait_owner("n2", not_="n1", timeout=LEASE * 4)
        serving_after = seen_at - killed_at
        assert serving_after <= LEASE + 3.0, serving_after
        view = cluster.cluster_view(owner)
        assert (view["owner"], view["epoch"]) == (owner, epoch + 1)

        with cluster.toolbar() as back:
            answer = back.expect_ok(
                "auth.resume", token=login["token"], crmOrigin=f"{CRM_ORIGIN}/x", lastSeq=seen
            )
            assert answer["snapshot"]["agent"]["state"] == "on_call"
            assert answer["snapshot"]["call"]["onHold"] is True
            back.expect_ok("call.resume")
            back.expect_ok("call.hangup")
            back.expect_ok("disposition.dispose", code="Sale")
            back.wait_event("call.disposed", callId=call_id)
            # The next call is routed by the new owner, and popped once.
            second = cluster.place_call("+14085550002")
            back.wait_event("call.screen_pop", callId=second)
            assert not [e for e in back.events if e["event"] == "call.screen_pop"]


def test_an_owner_cut_from_the_database_stops_before_another_node_starts(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    with tcp_proxy(postgres.port) as proxy:
        cut_off: TcpProxy = proxy
        with cluster_of(
            tmp_path, postgres, redis, ["n1", "n2"], database_port={"n1": proxy.port}
        ) as cluster:
            cluster.wait_all_up(timeout=10)
            cut_at = time.monotonic()
            cut_off.cut("refuse")
            stopped = cluster.nodes["n1"].wait_for_log(
                "no longer owns the floor", timeout=LEASE * 2
            )
            started = cluster.nodes["n2"].wait_for_log("owns the floor (epoch", timeout=LEASE * 3)
            assert cut_at < stopped < started
            view = cluster.cluster_view("n2")
            assert view["owner"] == "n2"
