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

import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.drill_analysis import outcome
from bench.drill_common import (
    LEASE_S,
    OWNS_THE_FLOOR,
    RESTORED_THE_FLOOR,
    CallGenerator,
    DrillPlan,
    SqliteStore,
    Workers,
    answers,
    finish,
    floor_by_state,
    last_seq,
    launch,
    lease_row,
    log_line,
    stop,
)
from bench.drill_page import CrmPageWatch
from bench.load import CRM_ORIGIN
from bench.screenpop import crm_page_server
from bench.server import provision
from examples.services.ports import free_port
from tests.support.servers import PageServer

FULL_DRILL = DrillPlan(300, 20.0, 1.0, 10.0, 30.0, 30.0, 60.0)
QUICK_DRILL = DrillPlan(20, 5.0, 1.0, 2.0, 5.0, 6.0, 30.0)


def _watch_start(
    process: subprocess.Popen[bytes],
    port: int,
    log: Path,
    timeout: float,
    lease_of: tuple[SqliteStore, int] | None = None,
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
            row = lease_row(lease_of[0])
            if row["epoch"] != lease_of[1]:
                seen["floor"] = row["expires_at"] - LEASE_S

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"agentbar exited:\n{log.read_text(errors='replace')[-3000:]}")
        if "listening" not in seen and answers(f"{base}/healthz"):
            seen["listening"] = time.time()
        lease_taken()
        if "listening" in seen and answers(f"{base}/readyz"):
            seen["serving"] = time.time()
            lease_taken()
            return seen
        time.sleep(0.02)  # the process gives no other signal
    raise RuntimeError(f"agentbar not ready:\n{log.read_text(errors='replace')[-3000:]}")


# -- the drill ------------------------------------------------------------------------------


def run_drill(plan: DrillPlan, data_dir: Path, seed: int) -> dict[str, Any]:
    with crm_page_server() as (crm, set_base):
        return _run_drill(plan, data_dir, seed, crm, set_base)


def _run_drill(
    plan: DrillPlan,
    data_dir: Path,
    seed: int,
    crm: PageServer,
    set_base: Callable[[str], None],
) -> dict[str, Any]:
    rng = random.Random(seed)
    kill_after = rng.uniform(plan.kill_from_s, plan.kill_to_s)
    data_dir.mkdir(parents=True, exist_ok=True)
    provision(data_dir, plan.agents)
    db = SqliteStore(data_dir / "agentbar.db")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    set_base(base_url)
    origins = {"AGENTBAR_ALLOWED_ORIGINS": f"{CRM_ORIGIN},{crm.origin}"}
    # Warnings only, as the load bench; the new process logs at info, for its "owns the floor".
    first = launch(data_dir, port, "server-1.log", "warning", origins)
    second: subprocess.Popen[bytes] | None = None
    workers = Workers()
    calls: CallGenerator | None = None
    page = CrmPageWatch(crm)
    try:
        _watch_start(first, port, data_dir / "server-1.log", 60.0)
        workers.start(f"ws://127.0.0.1:{port}/api/v1/socket", base_url, plan.agents, plan.talk_s)
        page.start(base_url)

        calls = CallGenerator(base_url, plan.rate)
        calls.start()
        time.sleep(kill_after)

        kill_wall = time.time()
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = launch(data_dir, port, "server-2.log", "info", origins)
        start_wall = time.time()
        lease = lease_row(db)
        seq_at_kill = last_seq(db)
        at_kill = floor_by_state(db)
        log_2 = data_dir / "server-2.log"
        started = _watch_start(second, port, log_2, 120.0, (db, lease["epoch"]))
        serving_wall = started["serving"]

        time.sleep(plan.after_s)
        on_page = page.stop()
        drained, cutoff, seen = finish(db, calls, workers, plan.drain_timeout_s)
    finally:
        if calls is not None:
            calls.stop()
        stop(first)
        stop(second)
        workers.kill()

    restored = log_line(log_2, RESTORED_THE_FLOOR)
    listening = started.get("listening", float("nan"))
    floor = started.get("floor", float("nan"))
    measured = outcome(
        db, calls.posted, seen, kill_wall, serving_wall, seq_at_kill, cutoff, page.call_ids
    )
    return {
        "plan": asdict(plan),
        "seed": seed,
        "kill_after_s": kill_after,
        "login_s": workers.login_s,
        "calls_at_kill": at_kill,
        "kill_to_restart_s": start_wall - kill_wall,
        "lease_left_at_kill_s": lease["expires_at"] - kill_wall,
        "start_to_listening_s": listening - start_wall,
        "start_to_floor_s": floor - start_wall,
        "lease_wait_s": floor - listening,
        "floor_to_serving_s": serving_wall - floor,
        "start_to_serving_s": serving_wall - start_wall,
        "kill_to_serving_s": serving_wall - kill_wall,
        "owns_the_floor": log_line(log_2, OWNS_THE_FLOOR),
        "restored": restored.split(": ", 1)[-1] if restored else None,
        "drained": drained,
        **measured,
        **on_page,
    }
