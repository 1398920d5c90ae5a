"""One load point: N socket agents in worker processes, calls at R/s, the server measured.
The fleet of agents and the figures of a call phase are shared with bench/capacity.py."""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.agents import WorkerSpec, worker_main
from bench.calls import Generated, place_calls
from bench.machine import cpu_seconds, rss_bytes
from bench.server import CAMPAIGN, BenchServer, agent_ids, bench_server
from bench.stats import summary_ms

CRM_ORIGIN = "http://crm.bench.test:8081"
"""The CRM origin socket agents name at login (on the allow-list; no page is served there)."""


@dataclass(frozen=True)
class LoadPoint:
    agents: int
    rate: float
    talk_s: float
    duration_s: float


def workers_for(agents: int) -> int:
    # Two client processes are enough to keep 5,000 mostly idle sockets and 200 calls/s fed,
    # and leave the server a core of its own on a 2-core machine.
    return 1 if agents <= 200 else 2


@dataclass(frozen=True)
class Door:
    """Where a worker's agents connect: a node's socket URL and the origin they name (the
    node's own, as the toolbar's iframe served by it would)."""

    socket_url: str
    origin: str


@dataclass
class Fleet:
    """Socket agents in worker processes, one worker per door, the agents dealt out in turn;
    all logged in and ready once `start` returns."""

    pipes: list[Connection] = field(default_factory=list)
    processes: list[multiprocessing.process.BaseProcess] = field(default_factory=list)
    login_s: float = 0.0

    def start(self, doors: list[Door], agents: int, talk_s: float) -> None:
        context = multiprocessing.get_context("spawn")
        ids = agent_ids(agents)
        began = time.monotonic()
        for k, door in enumerate(doors):
            parent, child = context.Pipe()
            mine = ids[k :: len(doors)]
            spec = WorkerSpec(door.socket_url, door.origin, CRM_ORIGIN, mine, talk_s)
            process = context.Process(target=worker_main, args=(spec, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        for pipe in self.pipes:
            message = pipe.recv()
            if message[0] != "ready":
                raise RuntimeError(f"a worker failed to log its agents in: {message}")
        self.login_s = time.monotonic() - began

    def collect(self) -> list[tuple[str, dict[str, Any]]]:
        """What the agents measured since the last collect; they go on working."""
        for pipe in self.pipes:
            pipe.send("collect")
        return [pipe.recv() for pipe in self.pipes]

    def stop(self) -> list[tuple[str, dict[str, Any]]]:
        """The agents close their sockets; what they measured since the last collect."""
        for pipe in self.pipes:
            pipe.send("stop")
        results = [pipe.recv() for pipe in self.pipes]
        for process in self.processes:
            process.join(timeout=30)
        return results

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()


def run_point(
    point: LoadPoint,
    work_dir: Path,
    allowed_origins: list[str],
    profile_to: Path | None = None,
    during: Callable[[BenchServer], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run one load point; `during(server)` runs on this thread while the calls are placed,
    and the calls stop when it returns."""
    fleet = Fleet()
    with bench_server(work_dir, point.agents, [CRM_ORIGIN, *allowed_origins]) as server:
        time.sleep(0.5)
        rss_before = rss_bytes(server.pid)
        door = Door(server.socket_url, server.base_url)
        fleet.start([door] * workers_for(point.agents), point.agents, point.talk_s)
        time.sleep(1.0)
        rss_after = rss_bytes(server.pid)

        cpu_before = cpu_seconds(server.pid)
        profiler = start_profiler(server.pid, profile_to, point.duration_s)
        stop = threading.Event()
        generated: list[Generated] = []
        thread = threading.Thread(
            target=lambda: generated.append(
                place_calls(server.base_url, CAMPAIGN, point.rate, point.duration_s, stop)
                if point.rate > 0
                else Generated()  # no calls: the agents only stay connected
            )
        )
        thread.start()
        extra: dict[str, Any] = {}
        if during is not None:
            try:
                extra = during(server)
            finally:  # a failed measurement must not leave the calls placed for the point's time
                stop.set()
        thread.join()
        # Calls placed last are still being talked; let them finish before the meters stop.
        time.sleep(point.talk_s + 1.5)
        cpu_after = cpu_seconds(server.pid)
        rss_end = rss_bytes(server.pid)

        results = fleet.stop()
        if profiler is not None:
            profiler.wait(timeout=point.duration_s + 60)
    calls = summarise_calls(generated[0], results, cpu_after - cpu_before)
    return {
        "point": asdict(point),
        "login_s": fleet.login_s,
        "logins_per_s": point.agents / fleet.login_s,
        **calls,
        "server_rss_before_mib": rss_before / 2**20,
        "server_rss_after_logins_mib": rss_after / 2**20,
        "server_rss_end_mib": rss_end / 2**20,
        "memory_per_agent_kib": (rss_after - rss_before) / point.agents / 1024,
        **extra,
    }


def start_profiler(pid: int, out: Path | None, duration: float) -> subprocess.Popen[bytes] | None:
    if out is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    # --nonblocking: sampling without pausing the server, so the profile does not slow it.
    py_spy = str(Path(sys.executable).parent / "py-spy")
    seconds = str(max(1, int(duration)))
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--duration", seconds, "--rate", "200",
         "--nonblocking", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def summarise_calls(
    generated: Generated, results: list[tuple[str, dict[str, Any]]], cpu_s: float
) -> dict[str, Any]:
    """The figures of one call phase: the generator's record, what the workers measured over
    it, and the server's CPU time over it."""
    offered: list[float] = []
    pops: list[float] = []
    completed: list[float] = []
    errors: dict[str, int] = {}
    for kind, data in results:
        if kind != "results":
            raise RuntimeError(f"a worker failed: {data}")
        offered += data["offered"]
        pops += data["screen_pops"]
        completed += data["completed_at"]
        for code, n in data["errors"].items():
            errors[code] = errors.get(code, 0) + n
    span = (max(completed) - generated.started) if completed else float("nan")
    posts = generated.placed + generated.refused + generated.failed
    return {
        "calls_placed": generated.placed,
        "calls_failed": generated.failed,
        "calls_refused": generated.refused,
        "shed_share": generated.refused / posts if posts else 0.0,
        "calls_completed": len(completed),
        "lifecycles_per_s": len(completed) / span if completed else 0.0,
        "disposed_per_s": _disposal_rate(completed),
        "offer_latency_ms": summary_ms(offered),
        "screen_pop_latency_ms": summary_ms(pops),
        "post_latency_ms": summary_ms(generated.post_latency),
        "post_admitted_latency_ms": summary_ms(generated.admitted_latency),
        "post_refused_latency_ms": summary_ms(generated.refused_latency),
        "server_cpu_s": cpu_s,
        "cpu_ms_per_call": cpu_s / len(completed) * 1000 if completed else float("nan"),
        "errors": errors,
    }


def _disposal_rate(completed_at: list[float]) -> float:
    """Calls disposed per second from the first disposition to the last: calls placed every
    1/R s and all kept up with give R (the talk time shifts them all alike); a backlog
    stretches the span and shows as less."""
    if len(completed_at) < 2:
        return float("nan")
    return (len(completed_at) - 1) / (max(completed_at) - min(completed_at))
