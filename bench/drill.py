"""The restart drill (`bench/run --drill`): `kill -9` of `agentbar serve` under load, and a new
process on the same SQLite database and port taking the floor back.

One node, SQLite, the simulator (phones answer at once). Socket agents (bench/drill_agents.py)
log in, go ready and work calls; calls are offered at a fixed rate through the simulator API.
At a moment drawn from a seeded RNG the server gets SIGKILL; a new process is started at once
on the same data directory and port, and calls keep being offered through the outage (a POST
that fails then was never acknowledged: it is counted as refused, not lost) and after. The
agents reconnect and resume. Then the calls stop, every call is let finish, and what happened
is read back from the database and from what each agent received.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.calls import caller
from bench.drill_agents import DrillSpec, worker_main
from bench.load import CRM_ORIGIN
from bench.server import ADMIN_TOKEN, CAMPAIGN, TOKEN_SECRET, agent_ids, provision
from examples.services.ports import free_port

OWNS_THE_FLOOR = "owns the floor (epoch"
"""What the server logs (at info) once it holds the floor's lease and takes the floor."""
LEASE_S = 5.0
"""The floor's lease, AGENTBAR_LEASE_SECONDS's default: the drill leaves it as it is."""


@dataclass(frozen=True)
class DrillPlan:
    agents: int
    rate: float
    talk_s: float
    kill_from_s: float
    """The kill comes at a random moment between these, counted from the first call."""
    kill_to_s: float
    after_s: float
    """How long calls keep being offered once the new process serves."""
    drain_timeout_s: float


FULL_DRILL = DrillPlan(300, 20.0, 1.0, 10.0, 30.0, 30.0, 60.0)
QUICK_DRILL = DrillPlan(20, 5.0, 1.0, 2.0, 5.0, 6.0, 30.0)


@dataclass
class Posted:
    sent: float  # time.time() when the POST went out
    call_id: str | None  # the call, when the POST was acknowledged (2xx)
    error: str | None


# -- the server -----------------------------------------------------------------------------


def _launch(data_dir: Path, port: int, log_name: str, level: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AGENTBAR_ALLOWED_ORIGINS": CRM_ORIGIN,
        "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN,
        "AGENTBAR_TOKEN_SECRET": TOKEN_SECRET,
        "AGENTBAR_LOG_LEVEL": level,
        "AGENTBAR_SIMULATOR_ANSWER_DELAY": "0",
    }
    env.pop("AGENTBAR_LEASE_SECONDS", None)  # the default lease (5 s), so the figure is honest
    with (data_dir / log_name).open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "agentbar", "serve", "--port", str(port),
             "--data-dir", str(data_dir)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


def _watch_start(
    process: subprocess.Popen[bytes],
    port: int,
    log: Path,
    timeout: float,
    lease_of: tuple[Path, int] | None = None,
) -> dict[str, float]:
    """Poll a starting server until `/readyz` answers 200. Returns when (time.time()) it first
    answered `/healthz` (listening), took the floor's lease, and was ready (serving).

    The lease is watched in the database, `lease_of` = (database, the dead owner's epoch): the
    first read of the row with a new epoch has the `expires_at` the taker wrote, its clock at
    the take plus the lease's length (it renews a third of a lease later, long after this)."""
    seen: dict[str, float] = {}
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout

    def lease_taken() -> None:
        if lease_of is not None and "floor" not in seen:
            [row] = _query(lease_of[0], "SELECT epoch, expires_at FROM floor_lease")
            if row["epoch"] != lease_of[1]:
                seen["floor"] = row["expires_at"] - LEASE_S

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"agentbar exited:\n{log.read_text(errors='replace')[-3000:]}")
        if "listening" not in seen and _answers(f"{base}/healthz"):
            seen["listening"] = time.time()
        lease_taken()
        if "listening" in seen and _answers(f"{base}/readyz"):
            seen["serving"] = time.time()
            lease_taken()
            return seen
        time.sleep(0.02)  # the process gives no other signal
    raise RuntimeError(f"agentbar not ready:\n{log.read_text(errors='replace')[-3000:]}")


def _query(db: Path, sql: str, *params: Any) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(db, timeout=30)) as c:
        c.row_factory = sqlite3.Row
        return list(c.execute(sql, params))


# -- the calls ------------------------------------------------------------------------------


async def _offer_calls(
    base_url: str, rate: float, stop: threading.Event, out: list[Posted]
) -> None:
    """Open loop: a POST every 1/rate s on its own schedule, until `stop`."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10.0) as client:

        async def place(i: int) -> None:
            sent = time.time()
            try:
                response = await client.post(
                    "/api/v1/simulator/calls", json={"from": caller(i), "campaign": CAMPAIGN}
                )
            except httpx.HTTPError as error:
                out.append(Posted(sent, None, type(error).__name__))
                return
            if response.is_success:
                out.append(Posted(sent, response.json()["callId"], None))
            else:
                out.append(Posted(sent, None, f"HTTP {response.status_code}"))

        tasks = []
        begin = time.monotonic()
        i = 0
        while not stop.is_set():
            delay = begin + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(place(i)))
            i += 1
        await asyncio.gather(*tasks)


def _drain(db: Path, timeout: float) -> bool:
    """Until no call is live (in the calls table or on the stored floor)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [open_calls] = _query(
            db, "SELECT count(*) FROM calls WHERE state NOT IN ('disposed', 'abandoned')"
        )
        [floor] = _query(db, "SELECT count(*) FROM floor_calls")
        if open_calls[0] == 0 and floor[0] == 0:
            return True
        time.sleep(0.2)
    return False


# -- the drill ------------------------------------------------------------------------------


def run_drill(plan: DrillPlan, data_dir: Path, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    kill_after = rng.uniform(plan.kill_from_s, plan.kill_to_s)
    data_dir.mkdir(parents=True, exist_ok=True)
    provision(data_dir, plan.agents)
    db = data_dir / "agentbar.db"
    port = free_port()
    # Warnings only, as the load bench; the new process logs at info, for its "owns the floor".
    first = _launch(data_dir, port, "server-1.log", "warning")
    second: subprocess.Popen[bytes] | None = None
    processes: list[multiprocessing.process.BaseProcess] = []
    try:
        _watch_start(first, port, data_dir / "server-1.log", 60.0)
        base_url = f"http://127.0.0.1:{port}"
        context = multiprocessing.get_context("spawn")
        ids = agent_ids(plan.agents)
        count = 1 if plan.agents <= 200 else 2
        pipes = []
        began = time.monotonic()
        for k in range(count):
            parent, child = context.Pipe()
            spec = DrillSpec(
                f"ws://127.0.0.1:{port}/api/v1/socket", base_url, CRM_ORIGIN, ids[k::count],
                plan.talk_s,
            )  # fmt: skip
            process = context.Process(target=worker_main, args=(spec, child), daemon=True)
            process.start()
            pipes.append(parent)
            processes.append(process)
        for pipe in pipes:
            ready: tuple[Any, ...] = pipe.recv() if pipe.poll(120) else ("silent",)
            if ready[0] != "ready":
                raise RuntimeError(f"a worker failed to log its agents in: {ready}")
        login_s = time.monotonic() - began

        posted: list[Posted] = []
        stop = threading.Event()
        generator = threading.Thread(
            target=lambda: asyncio.run(_offer_calls(base_url, plan.rate, stop, posted))
        )
        generator.start()
        time.sleep(kill_after)

        kill_wall = time.time()
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = _launch(data_dir, port, "server-2.log", "info")
        start_wall = time.time()
        [lease] = _query(db, "SELECT owner, epoch, expires_at FROM floor_lease")
        [last] = _query(db, "SELECT coalesce(max(seq), 0) FROM events")
        seq_at_kill: int = last[0]
        at_kill = _query(
            db,
            "SELECT json_extract(doc, '$.state') AS s, count(*) AS n FROM floor_calls GROUP BY s",
        )
        log_2 = data_dir / "server-2.log"
        started = _watch_start(second, port, log_2, 120.0, (db, lease["epoch"]))
        serving_wall = started["serving"]

        time.sleep(plan.after_s)
        stop.set()
        generator.join()
        drained = _drain(db, plan.drain_timeout_s)
        time.sleep(1.0)  # the last dispositions' events reach their sockets
        [last] = _query(db, "SELECT coalesce(max(seq), 0) FROM events")
        cutoff: int = last[0]
        for pipe in pipes:
            pipe.send("stop")
        seen: list[dict[str, Any]] = []
        for pipe in pipes:
            message: tuple[Any, ...] = pipe.recv() if pipe.poll(120) else ("silent",)
            if message[0] != "results":
                raise RuntimeError(f"a worker failed: {message}")
            seen += message[1]
        for worker in processes:
            worker.join(timeout=30)
    finally:
        for server in (first, second):
            if server is not None and server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        for worker in processes:
            if worker.is_alive():
                worker.kill()

    restored = [
        line
        for line in log_2.read_text(errors="replace").splitlines()
        if "restored the floor" in line
    ]
    offers_after = [
        received
        for agent in seen
        for _call, seq, replayed, received in agent["offers"]
        if seq > seq_at_kill and not replayed
    ]
    [first_offer] = _query(
        db, "SELECT min(at) FROM events WHERE kind = 'call.offered' AND seq > ?", seq_at_kill
    )
    resumed = [at for agent in seen for at in agent["resumed_at"] if at > kill_wall]
    failures = Counter(code for agent in seen for code in agent["resume_failures"])
    errors: Counter[str] = Counter()
    for agent in seen:
        errors.update(agent["errors"])
    listening = started.get("listening", float("nan"))
    floor = started.get("floor", float("nan"))
    owns = [
        line for line in log_2.read_text(errors="replace").splitlines() if OWNS_THE_FLOOR in line
    ]
    return {
        "plan": asdict(plan),
        "seed": seed,
        "kill_after_s": kill_after,
        "login_s": login_s,
        "calls_at_kill": {row["s"]: row["n"] for row in at_kill},
        "kill_to_restart_s": start_wall - kill_wall,
        "lease_left_at_kill_s": lease["expires_at"] - kill_wall,
        "start_to_listening_s": listening - start_wall,
        "start_to_floor_s": floor - start_wall,
        "lease_wait_s": floor - listening,
        "floor_to_serving_s": serving_wall - floor,
        "start_to_serving_s": serving_wall - start_wall,
        "kill_to_serving_s": serving_wall - kill_wall,
        "owns_the_floor": owns[0] if owns else None,
        "kill_to_first_offer_made_s": (first_offer[0] or float("nan")) - kill_wall,
        "kill_to_next_offer_s": min(offers_after, default=float("nan")) - kill_wall,
        "kill_to_all_resumed_s": max(resumed, default=float("nan")) - kill_wall,
        "restored": restored[0].split(": ", 1)[-1] if restored else None,
        **_calls_outcome(db, posted, kill_wall, serving_wall),
        "drained": drained,
        **_double_offers(db),
        **_screen_pops(db),
        **_agent_events(db, seen, cutoff),
        "resumes": len(resumed),
        "replayed_events": sum(agent["replayed"] for agent in seen),
        "relogins": sum(agent["relogins"] for agent in seen),
        "resume_failures": sum(failures.values()),
        "resume_failure_codes": dict(failures),
        "too_far_behind": sum(agent["too_far_behind"] for agent in seen),
        "connect_attempts": sum(agent["connect_attempts"] for agent in seen),
        "agent_errors": dict(errors),
    }


# -- what happened, from the database -------------------------------------------------------


def _calls_outcome(
    db: Path, posted: list[Posted], kill_wall: float, serving_wall: float
) -> dict[str, Any]:
    """Acknowledged calls: completed (disposed or abandoned), still live (on the stored floor)
    or lost (neither). POSTs that failed were never acknowledged: sent before the kill (cut by
    it), between the kill and the new process serving (refused while down), or otherwise."""
    states = {
        row["call_id"]: row["state"] for row in _query(db, "SELECT call_id, state FROM calls")
    }
    on_floor = {row["call_id"] for row in _query(db, "SELECT call_id FROM floor_calls")}
    placed = [p.call_id for p in posted if p.call_id is not None]
    done = ("disposed", "abandoned")
    completed = [c for c in placed if states.get(c) in done]
    live = [c for c in placed if states.get(c) not in done and c in on_floor]
    lost = [c for c in placed if states.get(c) not in done and c not in on_floor]
    failed = [p for p in posted if p.call_id is None]
    unacknowledged = set(states) - set(placed)
    return {
        "calls_placed": len(placed),
        "calls_completed": len(completed),
        "calls_abandoned": sum(1 for c in placed if states.get(c) == "abandoned"),
        "calls_live": len(live),
        "calls_lost": len(placed) - len(completed) - len(live),
        "lost_calls": [(c, states.get(c)) for c in lost[:20]],
        "cut_by_kill": sum(1 for p in failed if p.sent < kill_wall),
        "refused_while_down": sum(1 for p in failed if kill_wall <= p.sent <= serving_wall),
        "posts_failed_otherwise": sum(1 for p in failed if p.sent > serving_wall),
        "post_errors": dict(Counter(p.error for p in failed if p.error is not None)),
        "calls_unacknowledged": len(unacknowledged),
        "calls_unacknowledged_completed": sum(1 for c in unacknowledged if states[c] in done),
    }


# Double offers, exactly: walking the events table in seq order, an offer of call C to agent A
# is open from its `call.offered` until (a) A's next `agent.state_changed` to any state other
# than `reserved` (answered: `on_call`; withdrawn — a ring timeout, or the offers a restarted
# process withdraws before it routes them again — back to `ready` or `not_ready`), or (b) C's
# `call.connected`, `call.ended`, `call.abandoned` or `call.disposed`. A `call.offered` of C
# (to any agent, A included) while an offer of C is open is a double offer. So an offer made
# again after the restart, to the same agent or another, counts only if the first was never
# withdrawn.
ENDS_THE_CALLS_OFFERS = ("call.connected", "call.ended", "call.abandoned", "call.disposed")


def _double_offers(db: Path) -> dict[str, Any]:
    rows = _query(
        db,
        "SELECT seq, kind, agent_id, call_id, json_extract(data, '$.state') AS state "
        "FROM events WHERE kind IN ('call.offered', 'agent.state_changed', "
        "'call.connected', 'call.ended', 'call.abandoned', 'call.disposed') ORDER BY seq",
    )
    open_offers: dict[str, set[str]] = {}  # call -> agents it is ringing for
    ringing: dict[str, set[str]] = {}  # agent -> calls offered to it, still open
    doubles: list[dict[str, Any]] = []
    for row in rows:
        call, agent = row["call_id"], row["agent_id"]
        if row["kind"] == "call.offered":
            if open_offers.get(call):
                doubles.append(
                    {"seq": row["seq"], "callId": call, "agent": agent,
                     "open_to": sorted(open_offers[call])}
                )  # fmt: skip
            open_offers.setdefault(call, set()).add(agent)
            ringing.setdefault(agent, set()).add(call)
        elif row["kind"] == "agent.state_changed":
            if row["state"] != "reserved":
                for ended in ringing.pop(agent, set()):
                    open_offers.get(ended, set()).discard(agent)
        elif call is not None:
            for was_ringing in open_offers.pop(call, set()):
                ringing.get(was_ringing, set()).discard(call)
    return {"double_offers": len(doubles), "double_offer_examples": doubles[:20]}


def _screen_pops(db: Path) -> dict[str, Any]:
    rows = _query(
        db,
        "SELECT call_id, count(*) AS n FROM events WHERE kind = 'call.screen_pop' "
        "GROUP BY call_id ORDER BY n DESC",
    )
    repeated = [(row["call_id"], row["n"]) for row in rows if row["n"] > 1]
    return {
        "screen_pops_per_call_max": rows[0]["n"] if rows else 0,
        "calls_with_repeated_screen_pop": len(repeated),
        "repeated_screen_pop_examples": repeated[:20],
    }


def _agent_events(db: Path, seen: list[dict[str, Any]], cutoff: int) -> dict[str, Any]:
    """Per agent, by seq: the events the server addressed to it (rows with its agent_id)
    after its login's snapshot and up to `cutoff` (all calls over, before the sockets close),
    against the event frames it received, live or replayed. Session events are left out:
    `session.started` never goes to a socket, and a replay leaves `session.*` out (a session
    that ended would show as a failed resume instead)."""
    rows = _query(
        db,
        "SELECT seq, kind, agent_id FROM events WHERE agent_id IS NOT NULL AND seq <= ? "
        "AND kind NOT LIKE 'session.%'",
        cutoff,
    )
    addressed: dict[str, dict[int, str]] = {}
    for row in rows:
        addressed.setdefault(row["agent_id"], {})[row["seq"]] = row["kind"]
    missing = duplicated = unexpected = 0
    examples: list[dict[str, Any]] = []
    for agent in seen:
        login = agent["login_seq"]
        expected = {s: k for s, k in addressed.get(agent["agent_id"], {}).items() if s > login}
        got = Counter(s for s in agent["seqs"] if login < s <= cutoff)
        gone = sorted(set(expected) - set(got))
        twice = sorted(s for s, n in got.items() if n > 1)
        extra = sorted(set(got) - set(expected))
        missing += len(gone)
        duplicated += sum(got[s] - 1 for s in twice)
        unexpected += len(extra)
        if (gone or twice or extra) and len(examples) < 20:
            examples.append(
                {"agent": agent["agent_id"], "missing": [(s, expected[s]) for s in gone[:10]],
                 "duplicated": twice[:10], "unexpected": extra[:10]}
            )  # fmt: skip
    return {
        "events_missing": missing,
        "events_duplicated": duplicated,
        "events_unexpected": unexpected,
        "event_examples": examples,
    }
