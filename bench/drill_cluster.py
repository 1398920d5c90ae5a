"""The cluster drill (`bench/run --drill-cluster`): three `agentbar serve` nodes on one
PostgreSQL and one Redis behind HAProxy, `kill -9` of the node that owns the floor under load,
another node taking the floor once the dead owner's lease runs out; then `kill -9` of the node
left that only serves sockets, whose toolbars resume on the owner.

The restart drill's agents, calls and analysis (bench/drill_common.py), through HAProxy's URL:
socket agents log in, go ready and work calls; calls are offered at a fixed rate through the
simulator API. At a moment drawn from a seeded RNG the owner (asked of the nodes with
`GET /api/v1/cluster`) gets SIGKILL and is not restarted. Calls keep being offered through the
outage (a POST that fails then was never acknowledged: it is counted as refused, not lost) and
after. The owner's agents reconnect through HAProxy and resume; the other nodes' agents stay
connected, their commands waiting for the new owner. Half the calls-after time later the
remaining node that is not the owner gets SIGKILL too, and its agents resume on the owner.
Then the calls stop, every call is let finish, and what happened is read back from PostgreSQL
and from what each agent received.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.drill_analysis import outcome
from bench.drill_common import (
    LEASE_S,
    OWNS_THE_FLOOR,
    RESTORED_THE_FLOOR,
    CallGenerator,
    DrillPlan,
    PostgresStore,
    Workers,
    finish,
    floor_by_state,
    last_seq,
    launch,
    lease_row,
    log_line,
    stop,
    wait_for,
)
from bench.drill_page import CrmPageWatch
from bench.load import CRM_ORIGIN
from bench.screenpop import crm_page_server
from bench.server import ADMIN_TOKEN, provision_database
from examples.services.haproxy import haproxy_server
from examples.services.ports import free_port
from examples.services.postgres import postgres_server
from examples.services.redis_server import redis_server

NODES = ("n1", "n2", "n3")
FULL_CLUSTER_DRILL = DrillPlan(300, 20.0, 1.0, 10.0, 30.0, 30.0, 60.0)
QUICK_CLUSTER_DRILL = DrillPlan(20, 5.0, 1.0, 2.0, 5.0, 6.0, 30.0)


@dataclass
class Node:
    id: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_nodes(
    stack: ExitStack, work: Path, shared: dict[str, str], others_level: str = "info"
) -> list[Node]:
    """n1 first, until `/readyz` 200 (it takes the free lease and the floor), then the others
    until `/healthz` 200. The first logs warnings only, as the load bench; the others at
    `others_level` (the drill's info, for their "owns the floor")."""
    nodes = []
    for index, node_id in enumerate(NODES):
        port = free_port()
        env = {**shared, "AGENTBAR_NODE_ID": node_id}
        level = "warning" if index == 0 else others_level
        process = launch(work / node_id, port, "agentbar.log", level, env)
        stack.callback(stop, process)
        node = Node(node_id, port, process, work / node_id / "agentbar.log")
        wait_for(process, f"{node.url}/{'readyz' if index == 0 else 'healthz'}", node.log, 60.0)
        nodes.append(node)
    return nodes


def cluster_view(nodes: list[Node]) -> dict[str, Any]:
    """`GET /api/v1/cluster` from the first running node that answers; every node knows."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for node in nodes:
        if node.process.poll() is None:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                answer = httpx.get(f"{node.url}/api/v1/cluster", headers=headers, timeout=2.0)
                if answer.status_code == 200:
                    view: dict[str, Any] = answer.json()
                    return view
    raise RuntimeError("no node answered GET /api/v1/cluster")


def _watch_takeover(
    store: PostgresStore, epoch: int, seq_at_kill: int, timeout: float
) -> dict[str, Any]:
    """Polled every 20 ms until another node holds the lease and has routed a call: when
    (time.time()) the lease was taken, by whom, and when the new owner made its first offer
    (the next routing decision, read from the stored events). The first read of the lease's row
    with a new epoch has the `expires_at` the taker wrote, its clock at the take plus the
    lease's length (it renews a third of a lease later, long after this)."""
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "floor" not in seen:
            row = lease_row(store)
            if row["epoch"] != epoch and row["owner"] is not None:
                seen["floor"], seen["owner"] = row["expires_at"] - LEASE_S, row["owner"]
        else:
            [offer] = store.query(
                "SELECT min(at) AS at FROM events WHERE kind = 'call.offered' AND seq > ?",
                seq_at_kill,
            )
            if offer["at"] is not None:
                seen["serving"] = float(offer["at"])
                return seen
        time.sleep(0.02)  # nothing is pushed: neither the lease nor the events
    raise RuntimeError(f"no takeover within {timeout:.0f} s: {seen}")


def _resumed_between(seen: list[dict[str, Any]], start: float, end: float) -> list[float]:
    return [at for agent in seen for at in agent["resumed_at"] if start < at <= end]


def run_cluster_drill(plan: DrillPlan, work: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    kill_after = rng.uniform(plan.kill_from_s, plan.kill_to_s)
    work.mkdir(parents=True, exist_ok=True)
    workers = Workers()
    calls: CallGenerator | None = None
    with ExitStack() as stack:
        stack.callback(workers.kill)
        postgres = stack.enter_context(postgres_server())
        redis = stack.enter_context(redis_server())
        url = postgres.new_database()
        provision_database(url, plan.agents)
        store = PostgresStore(url)
        crm, set_base = stack.enter_context(crm_page_server())
        shared = {
            "AGENTBAR_DATABASE_URL": url,
            "AGENTBAR_BUS": "redis",
            "AGENTBAR_REDIS_URL": redis.url,
            "AGENTBAR_ALLOWED_ORIGINS": f"{CRM_ORIGIN},{crm.origin}",
        }
        nodes = start_nodes(stack, work, shared)
        balancer = stack.enter_context(
            haproxy_server([node.port for node in nodes], names=[node.id for node in nodes])
        )
        wait_for(nodes[0].process, f"{balancer.base_url}/readyz", nodes[0].log, 10.0)
        workers.start(balancer.socket_url, balancer.base_url, plan.agents, plan.talk_s)
        set_base(balancer.base_url)
        page = CrmPageWatch(crm)
        page.start(balancer.base_url)

        calls = CallGenerator(balancer.base_url, plan.rate)
        stack.callback(calls.stop)
        calls.start()
        time.sleep(kill_after)

        view = cluster_view(nodes)
        [owner] = [node for node in nodes if node.id == view["owner"]]
        kill_wall = time.time()
        owner.process.send_signal(signal.SIGKILL)
        owner.process.wait()
        lease = lease_row(store)
        seq_at_kill = last_seq(store)
        at_kill = floor_by_state(store)
        took = _watch_takeover(store, lease["epoch"], seq_at_kill, 60.0)
        serving_wall: float = took["serving"]
        after = cluster_view(nodes)

        # Then a node that only serves sockets: its toolbars reconnect to the owner.
        time.sleep(plan.after_s / 2)
        [door] = [node for node in nodes if node.id not in (owner.id, took["owner"])]
        door_sockets = {n["id"]: n["sockets"] for n in cluster_view(nodes)["nodes"]}
        door_kill_wall = time.time()
        door.process.send_signal(signal.SIGKILL)
        door.process.wait()
        time.sleep(plan.after_s / 2)

        on_page = page.stop()
        drained, cutoff, seen = finish(store, calls, workers, plan.drain_timeout_s)
        measured = outcome(
            store, calls.posted, seen, kill_wall, serving_wall, seq_at_kill, cutoff, page.call_ids
        )
        owner_resumes = _resumed_between(seen, kill_wall, door_kill_wall)
        door_resumes = _resumed_between(seen, door_kill_wall, float("inf"))

    [new_owner] = [node for node in nodes if node.id == took["owner"]]
    restored = log_line(new_owner.log, RESTORED_THE_FLOOR)
    return {
        "plan": asdict(plan),
        "seed": seed,
        "nodes": list(NODES),
        "kill_after_s": kill_after,
        "login_s": workers.login_s,
        "killed_at": kill_wall,
        "killed_owner": owner.id,
        "killed_epoch": lease["epoch"],
        "new_owner": took["owner"],
        "new_epoch": after["epoch"],
        "owner_seen_after": after["owner"],
        "calls_at_kill": at_kill,
        "lease_left_at_kill_s": lease["expires_at"] - kill_wall,
        "kill_to_floor_s": took["floor"] - kill_wall,
        "floor_to_serving_s": serving_wall - took["floor"],
        "kill_to_serving_s": serving_wall - kill_wall,
        "owns_the_floor": log_line(new_owner.log, OWNS_THE_FLOOR),
        "restored": restored.split(": ", 1)[-1] if restored else None,
        "drained": drained,
        **measured,
        # The owner's kill counts the resumes up to the second kill; the door's its own.
        "resumes": len(owner_resumes),
        "kill_to_all_resumed_s": max(owner_resumes, default=float("nan")) - kill_wall,
        "killed_door": door.id,
        "door_sockets_at_kill": door_sockets.get(door.id, 0),
        "door_resumes": len(door_resumes),
        "door_kill_to_all_resumed_s": max(door_resumes, default=float("nan")) - door_kill_wall,
        **on_page,
    }
