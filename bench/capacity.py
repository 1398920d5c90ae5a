"""The capacity ramp (`bench/run --capacity`): how many calls a second a setup takes before its
offers slow down, rather than how it does at one fixed rate.

Three setups, each started from scratch:

- `sqlite`: one `agentbar serve`, SQLite, memory bus (as the load bench);
- `postgresql`: one node on a throwaway PostgreSQL, memory bus;
- `three-nodes`: nodes n1..n3 on one PostgreSQL and one Redis (`AGENTBAR_BUS=redis`). The
  node that owns the floor (`GET /api/v1/cluster`) takes no socket: the agents connect
  straight to the two other nodes, half to each, and the calls are POSTed to one of those.

A fixed fleet of socket agents (bench/load.py's workers) logs in once per setup; then the
offered rate climbs in steps, open loop (bench/calls.py). A step offers R calls/s for a fixed
time, waits until every call placed is disposed, and is measured on its own: offer latency as
the load bench measures it, calls disposed per second, POST latency, and each node's CPU time
(utime+stime) over the step. The ramp stops at the first step over the bar — offer p99 above
50 ms, fewer than 90% of the offered calls a second disposed, more than 1% of the POSTs
refused (503), a POST failed, or calls still live once the drain times out — or after the
plan's top rate. The ceiling is the last step under the bar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.calls import place_calls
from bench.drill_cluster import cluster_view, start_nodes
from bench.drill_common import PostgresStore, SqliteStore, Store, drain, launch, stop, wait_for
from bench.load import Door, Fleet, start_profiler, summarise_calls, workers_for
from bench.machine import cpu_seconds
from bench.profile import share_under
from bench.server import ADMIN_TOKEN, CAMPAIGN, provision, provision_database
from bench.server_latency import buckets, scrape
from examples.services.ports import free_port
from examples.services.postgres import postgres_server
from examples.services.redis_server import redis_server

SETUPS = ("sqlite", "postgresql", "three-nodes")
OFFER_P99_BAR_MS = 50.0
KEPT_UP = 0.9
"""A step keeps up when it disposes of at least this share of the calls a second it offers."""
SHED_BAR = 0.01
"""A step over the bar sheds more than this share of its POSTs: the few a hiccup refuses (a
stall of a few hundred ms, when the admission gate sees two slow windows in a row) are not
the node's ceiling; a node past it sheds a tenth or more."""
GOAL_RATIO = 0.35
"""The goal: the owner's CPU per call, with the sockets on other nodes, at most this share of
one node's (PostgreSQL) at the same offered rate."""
PROFILED = ("postgresql", "three-nodes")
"""The setups the ramp profiles after it ends, for what limits the owner's share."""
WRITE_FRAMES = (
    "_statements (agentbar/drivers/storage/events.py",
    "_write (agentbar/drivers/storage/events.py",
    "_begin_unit (agentbar/drivers/storage/database.py",
    "_work_then_end (agentbar/drivers/storage/database.py",
)
"""The storage write of a batch of moves — its rows built on the loop's thread, the write lock
taken, its SQL run and committed in a storage thread (not the moves' deciding, which the write
calls back on the loop's thread once it holds the lock): their share of a node's samples is the
write's share of its CPU (py-spy leaves out a thread waiting on a socket)."""
OVERLOAD = 2.0
"""Past the ceiling: the overload step offers this many times the ceiling's rate."""
ADMITTED_POST_P99_GOAL_MS = 100.0
SETTLE_S = 0.5
"""After the drain: the last dispositions' answers reach their agents before the meters stop."""
SERVING_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CapacityPlan:
    agents: int
    talk_s: float
    start_rate: float
    rate_step: float
    top_rate: float
    step_s: float
    drain_timeout_s: float
    overload_steps: int = 1
    """Steps at twice the ceiling's rate, one after the other (`--overload-steps`): one step
    says little of a tail bound on a shared machine."""

    def rates(self) -> list[float]:
        count = round((self.top_rate - self.start_rate) / self.rate_step) + 1
        return [self.start_rate + k * self.rate_step for k in range(count)]

    @property
    def top_occupancy(self) -> float:
        """The share of the agents talking at the top rate: agents are never the limit."""
        return self.top_rate * self.talk_s / self.agents


# The simulator answers at once and agents dispose as soon as they hang up, so an agent holds a
# call for its talk time and a few milliseconds: 1,000 agents talking 0.5 s are half busy at
# 1,000 calls/s, the top of the ramp, far beyond what two cores serve. Steps of 25: on a slow
# machine three nodes on two cores passed the bar at 50 calls/s, the first step of a ramp by 50,
# and so had no ceiling to offer twice of.
FULL_CAPACITY = CapacityPlan(1000, 0.5, 25.0, 25.0, 1000.0, 10.0, 60.0)
QUICK_CAPACITY = CapacityPlan(20, 0.2, 5.0, 5.0, 10.0, 2.0, 20.0)


@dataclass(frozen=True)
class Metered:
    id: str
    role: str
    """`node` (alone), `owner` (owns the floor, no sockets) or `sockets` (serves the agents)."""
    pid: int
    port: int


@dataclass(frozen=True)
class Target:
    """A setup up and serving: where the calls go, where the agents connect, the nodes whose
    CPU is metered and the database read to know when every call is over."""

    calls_to: str
    calls_url: str
    doors: list[Door]
    nodes: list[Metered]
    store: Store


def _one_node(stack: ExitStack, work: Path, agents: int, database_url: str | None) -> Target:
    work.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {}
    store: Store
    if database_url is None:
        provision(work, agents)
        store = SqliteStore(work / "agentbar.db")
    else:
        provision_database(database_url, agents)
        env["AGENTBAR_DATABASE_URL"] = database_url
        store = PostgresStore(database_url)
    port = free_port()
    process = launch(work, port, "agentbar.log", "warning", env)
    stack.callback(stop, process)
    url = f"http://127.0.0.1:{port}"
    wait_for(process, f"{url}/readyz", work / "agentbar.log", 60.0)
    door = Door(f"ws://127.0.0.1:{port}/api/v1/socket", url)
    node = Metered("node", "node", process.pid, port)
    return Target(node.id, url, [door] * workers_for(agents), [node], store)


def _sqlite(stack: ExitStack, work: Path, agents: int) -> Target:
    return _one_node(stack, work, agents, None)


def _postgresql(stack: ExitStack, work: Path, agents: int) -> Target:
    postgres = stack.enter_context(postgres_server())
    return _one_node(stack, work, agents, postgres.new_database())


def _three_nodes(stack: ExitStack, work: Path, agents: int) -> Target:
    postgres = stack.enter_context(postgres_server())
    redis = stack.enter_context(redis_server())
    url = postgres.new_database()
    provision_database(url, agents)
    shared = {
        "AGENTBAR_DATABASE_URL": url,
        "AGENTBAR_BUS": "redis",
        "AGENTBAR_REDIS_URL": redis.url,
    }
    # All at warning, as the single node: an access-log line per POST would be metered too.
    nodes = start_nodes(stack, work, shared, others_level="warning")
    owner = cluster_view(nodes)["owner"]
    others = [node for node in nodes if node.id != owner]
    for node in others:
        _wait_serving(node.id, node.url)
    doors = [Door(f"ws://127.0.0.1:{node.port}/api/v1/socket", node.url) for node in others]
    metered = [
        Metered(node.id, "owner" if node.id == owner else "sockets", node.process.pid, node.port)
        for node in nodes
    ]
    return Target(others[0].id, others[0].url, doors, metered, PostgresStore(url))


def _wait_serving(node_id: str, url: str) -> None:
    """Until a node that does not own the floor is ready: its copy of the floor loaded."""
    deadline = time.monotonic() + SERVING_TIMEOUT_S
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/readyz", timeout=5.0).status_code == 200:
            return
        time.sleep(0.2)  # nothing tells a node's readiness but asking
    raise RuntimeError(f"{node_id} was not ready within {SERVING_TIMEOUT_S:g} s")


STARTERS: dict[str, Callable[[ExitStack, Path, int], Target]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
    "three-nodes": _three_nodes,
}


def run_capacity(plan: CapacityPlan, work: Path, setups: list[str]) -> dict[str, Any]:
    measured = {name: _run_setup(name, plan, work / name) for name in setups}
    return {
        "plan": {**asdict(plan), "top_occupancy": plan.top_occupancy},
        "bar": {"offer_p99_ms": OFFER_P99_BAR_MS, "kept_up": KEPT_UP, "shed_share": SHED_BAR},
        "setups": measured,
        "owner_share": owner_share(measured),
    }


def _run_setup(name: str, plan: CapacityPlan, work: Path) -> dict[str, Any]:
    print(f"bench: capacity, {name}", file=sys.stderr, flush=True)
    fleet = Fleet()
    with ExitStack() as stack:
        target = STARTERS[name](stack, work, plan.agents)
        stack.callback(fleet.kill)  # before the nodes stop, should anything fail
        fleet.start(target.doors, plan.agents, plan.talk_s)
        time.sleep(1.0)
        steps = []
        for rate in plan.rates():
            step = _step(target, fleet, plan, rate)
            steps.append(step)
            print(f"bench: capacity, {name}: {_progress(step)}", file=sys.stderr, flush=True)
            if step["over_bar"]:
                break
        under = [k for k, step in enumerate(steps) if not step["over_bar"]]
        overloads = []
        for _ in range(plan.overload_steps if under else 0):
            overloads.append(_overload_step(target, fleet, plan, steps[under[-1]]))
            print(f"bench: capacity, {name}: {_shed(overloads[-1])}", file=sys.stderr, flush=True)
        sockets = _sockets_by_node(target)  # the nodes' counts, refreshed since the logins
        profiled = _profiled_step(target, fleet, plan, work) if name in PROFILED else None
        fleet.stop()
    return {
        "nodes": [{"id": n.id, "role": n.role, "port": n.port} for n in target.nodes],
        "calls_to": target.calls_to,
        "login_s": fleet.login_s,
        "sockets_by_node": sockets,
        "steps": steps,
        "ceiling_step": under[-1] if under else None,
        "bar_passed": bool(steps[-1]["over_bar"]),
        "overload": overloads[0] if overloads else None,
        "overload_repeats": overloads[1:],
        "profiled": profiled,
    }


def _overload_step(
    target: Target, fleet: Fleet, plan: CapacityPlan, ceiling: dict[str, Any]
) -> dict[str, Any]:
    """One more step at twice the ceiling's offered rate: what is admitted must stay fast
    (the server sheds the rest at once, 503), and every call admitted must end disposed."""
    answered_before = _answered_in_server(target.calls_url)
    step = _step(target, fleet, plan, OVERLOAD * ceiling["offered_per_s"])
    step["server_admitted_p99_within_ms"] = _p99_within(
        answered_before, _answered_in_server(target.calls_url)
    )
    step["lost"] = step["calls_placed"] - step["calls_completed"]
    step["goals"] = {
        "admitted_post_p99_ms": ADMITTED_POST_P99_GOAL_MS,
        "offer_p99_ms": OFFER_P99_BAR_MS,
    }
    return step


def _answered_in_server(url: str) -> list[tuple[float, float]]:
    """The histogram of admitted changes answered by the node the calls are posted to, from
    its admission to its answer: (bucket bound in seconds, how many within it so far)."""
    return buckets(scrape(url), "agentbar_api_change_seconds")


def _p99_within(before: list[tuple[float, float]], after: list[tuple[float, float]]) -> float:
    """The least bucket bound (ms) within which 99% of the changes answered between the two
    scrapes were answered: the server's own p99, to the bucket."""
    counts = [(bound, now - then) for (bound, now), (_, then) in zip(after, before, strict=True)]
    total = counts[-1][1] if counts else 0.0
    for bound, within in counts:
        if total and within >= 0.99 * total:
            return bound * 1000
    return float("nan")


def _shed(step: dict[str, Any]) -> str:
    admitted = step["post_admitted_latency_ms"]["p99"]
    return (
        f"{step['offered_per_s']:g}/s offered (twice the ceiling): {step['shed_share']:.0%} "
        f"shed, admitted POST p99 {admitted:.1f} ms (in the server ≤ "
        f"{step['server_admitted_p99_within_ms']:g} ms), offer p99 "
        f"{step['offer_latency_ms']['p99']:.1f} ms, {step['lost']} admitted calls lost"
    )


def _profiled_step(target: Target, fleet: Fleet, plan: CapacityPlan, work: Path) -> dict[str, Any]:
    """One more step at the ramp's first rate, apart from it, with py-spy sampling every node:
    each node's CPU per call and the share of it spent in the storage write."""
    raws = {node.id: work / f"profile-{node.id}.txt" for node in target.nodes}
    profilers = [start_profiler(node.pid, raws[node.id], plan.step_s) for node in target.nodes]
    step = _step(target, fleet, plan, plan.start_rate)
    for profiler in profilers:
        if profiler is not None:
            profiler.wait(timeout=plan.step_s + 60)
    shares = {
        node: share_under(raw, *WRITE_FRAMES) if raw.exists() else float("nan")
        for node, raw in raws.items()
    }
    return {
        "offered_per_s": plan.start_rate,
        "cpu_ms_per_call_by_node": step["cpu_ms_per_call_by_node"],
        "write_share_by_node": shares,
    }


def _sockets_by_node(target: Target) -> dict[str, int] | None:
    """Where the agents' sockets are, as the cluster says (only with several nodes)."""
    if len(target.nodes) < 2:
        return None
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    view = httpx.get(f"{target.calls_url}/api/v1/cluster", headers=headers, timeout=5.0).json()
    return {node["id"]: node["sockets"] for node in view["nodes"]}


def _step(target: Target, fleet: Fleet, plan: CapacityPlan, rate: float) -> dict[str, Any]:
    """Offer `rate` calls/s for the plan's step, let every call end, and measure."""
    before = {node.id: cpu_seconds(node.pid) for node in target.nodes}
    generated = place_calls(target.calls_url, CAMPAIGN, rate, plan.step_s)
    drained = drain(target.store, plan.drain_timeout_s)
    time.sleep(SETTLE_S)
    cpu = {node.id: cpu_seconds(node.pid) - before[node.id] for node in target.nodes}
    calls = summarise_calls(generated, fleet.collect(), sum(cpu.values()))
    done = calls["calls_completed"]
    posts = generated.placed + generated.failed
    step = {
        "offered_per_s": rate,
        "issued_per_s": (posts - 1) / generated.issue_span_s
        if posts > 1 and generated.issue_span_s > 0
        else float("nan"),
        **calls,
        "drained": drained,
        "cpu_s_by_node": cpu,
        "cpu_ms_per_call_by_node": {
            node: seconds / done * 1000 if done else float("nan") for node, seconds in cpu.items()
        },
    }
    step["over_bar"] = over_bar(step)
    return step


def over_bar(step: dict[str, Any]) -> list[str]:
    """Why a step is over the bar; none when it is under."""
    reasons = []
    p99 = step["offer_latency_ms"]["p99"]
    if not p99 <= OFFER_P99_BAR_MS:  # NaN too: no offer measured
        reasons.append(f"offer p99 {p99:.1f} ms > {OFFER_P99_BAR_MS:g} ms")
    offered, disposed = step["offered_per_s"], step["disposed_per_s"]
    if not disposed >= KEPT_UP * offered:
        reasons.append(f"{disposed:.1f} calls/s disposed < {KEPT_UP:.0%} of {offered:g}")
    if step["calls_failed"]:
        reasons.append(f"{step['calls_failed']} POSTs failed")
    refused = step.get("calls_refused", 0)
    posts = step["calls_placed"] + step["calls_failed"] + refused
    if refused > SHED_BAR * posts:
        reasons.append(f"{refused} POSTs shed (503 busy), over {SHED_BAR:.0%}")
    if not step["drained"]:
        reasons.append("calls still live after the drain timeout")
    return reasons


def _progress(step: dict[str, Any]) -> str:
    cpu = ", ".join(f"{n} {ms:.2f}" for n, ms in step["cpu_ms_per_call_by_node"].items())
    return (
        f"{step['offered_per_s']:g}/s offered, {step['disposed_per_s']:.1f}/s disposed, "
        f"offer p99 {step['offer_latency_ms']['p99']:.1f} ms, CPU ms per call {cpu}"
        + (f"; over the bar: {'; '.join(step['over_bar'])}" if step["over_bar"] else "")
    )


def owner_share(setups: dict[str, Any]) -> dict[str, Any] | None:
    """The owner's CPU per call (three nodes) over the single node's (PostgreSQL) at each
    offered rate both ramps reached; the figure for the goal is at the highest rate under the
    bar in both (the highest both reached, failing that)."""
    single, three = setups.get("postgresql", {}), setups.get("three-nodes", {})
    if "steps" not in single or "steps" not in three:
        return None
    [owner] = [node["id"] for node in three["nodes"] if node["role"] == "owner"]
    [alone] = [node["id"] for node in single["nodes"]]
    alone_at = {step["offered_per_s"]: step for step in single["steps"]}
    rows = []
    for step in three["steps"]:
        other = alone_at.get(step["offered_per_s"])
        if other is None:
            continue
        mine = step["cpu_ms_per_call_by_node"][owner]
        theirs = other["cpu_ms_per_call_by_node"][alone]
        rows.append(
            {
                "offered_per_s": step["offered_per_s"],
                "owner_cpu_ms_per_call": mine,
                "single_cpu_ms_per_call": theirs,
                "ratio": mine / theirs if theirs > 0 else float("nan"),
                "under_bar": not step["over_bar"] and not other["over_bar"],
            }
        )
    if not rows:
        return None
    at = ([row for row in rows if row["under_bar"]] or rows)[-1]
    return {
        "goal": GOAL_RATIO,
        "owner": owner,
        "by_rate": rows,
        "at_offered_per_s": at["offered_per_s"],
        "ratio": at["ratio"],
        "met": at["ratio"] <= GOAL_RATIO,
        "write": _write_bound(single, three, owner, alone),
    }


def _write_bound(
    single: dict[str, Any], three: dict[str, Any], owner: str, alone: str
) -> dict[str, Any] | None:
    """What the storage write alone costs per call, on the owner and on the single node, from
    the profiled steps: the owner writes every move as the single node does, so the write's
    cost over the single node's whole CPU per call is a floor under the owner's share."""
    mine, theirs = three.get("profiled"), single.get("profiled")
    if not mine or not theirs:
        return None
    owner_cpu = mine["cpu_ms_per_call_by_node"][owner]
    alone_cpu = theirs["cpu_ms_per_call_by_node"][alone]
    owner_write = owner_cpu * mine["write_share_by_node"][owner]
    alone_write = alone_cpu * theirs["write_share_by_node"][alone]
    return {
        "offered_per_s": mine["offered_per_s"],
        "owner_cpu_ms_per_call": owner_cpu,
        "owner_write_ms_per_call": owner_write,
        "single_cpu_ms_per_call": alone_cpu,
        "single_write_ms_per_call": alone_write,
        "owner_write_over_single_cpu": owner_write / alone_cpu if alone_cpu > 0 else float("nan"),
    }
