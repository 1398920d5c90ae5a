"""`bench/run --memory`: the server's memory per connected agent, and what holds it.

N socket agents log in (the workers of bench/agents.py, the server of bench/server.py, as in
bench/load.py) and stay connected, idle and ready. Two servers are measured in turn:

- *untraced*: `agentbar serve` as the load bench runs it; VmRSS after the logins minus before,
  divided by N, is the figure the load table and the target speak of;
- *traced*: the same server started by this module's launcher (`python -m bench.memory serve
  ...`), which starts tracemalloc before `agentbar.cli.main` and, asked over a FIFO, writes a
  snapshot. What Python's allocators (pymalloc and PyMem_RawMalloc, which zlib's state comes
  from in CPython) gained over the logins, grouped by the line that allocated it, says what
  holds the memory; the untraced RSS less that is what lies outside them (glibc's malloc
  arenas and the C extensions that use it, uvloop/libuv's handles, pages freed but kept).

No production endpoint is involved: the snapshot is taken by the launcher, in the server's own
process, and read here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from bench import server as bench_server_module
from bench.drill_common import stop, wait_for
from bench.load import CRM_ORIGIN, Door, Fleet, workers_for
from bench.machine import rss_bytes
from bench.server import CAMPAIGN, bench_server

SNAPSHOT_DIR_ENV = "AGENTBAR_BENCH_SNAPSHOTS"
"""The launcher's folder holding the FIFOs `requests` and `replies` it is asked over."""

TRACED_FRAMES = 8
"""Frames kept per allocation: enough to reach from the allocating line back into agentbar,
uvicorn or websockets, which says which per-socket object the memory belongs to."""

OWN_CODE = ("agentbar/", "uvicorn/", "websockets/", "starlette/", "fastapi/")
"""Where a traceback's caller is looked for when the allocating line is a generic one (a
dataclass's `__init__`, asyncio's Queue)."""

SETTLE_S = 1.0
READY_WITHIN_S = 60.0  # a traced server migrates and seeds slower
"""As bench/load.py: time after the last login answer for the server's last frames to go out."""


@dataclass(frozen=True)
class MemoryPlan:
    agents: int
    top: int = 12


FULL_MEMORY = MemoryPlan(5000)
QUICK_MEMORY = MemoryPlan(300)


def run_memory(plan: MemoryPlan, work_dir: Path) -> dict[str, Any]:
    """The untraced and the traced measurement of `plan.agents` connected agents."""
    # Load shedding off: tracing slows the loop enough to refuse the logins, and what is
    # measured here is what connected agents hold, not how fast they may connect.
    with mock.patch.dict(os.environ, {"AGENTBAR_MAX_LOOP_LAG_MS": "0"}):
        print(f"bench: memory, {plan.agents:,} agents, untraced", file=sys.stderr, flush=True)
        untraced = _measure(plan, work_dir / "untraced", snapshots=None)
        print(f"bench: memory, {plan.agents:,} agents, traced", file=sys.stderr, flush=True)
        snapshots = work_dir / "snapshots"
        traced = _measure(plan, work_dir / "traced", snapshots=snapshots)
    before = tracemalloc.Snapshot.load(str(snapshots / "before"))
    after = tracemalloc.Snapshot.load(str(snapshots / "after"))
    python_heap = _heap_size(after) - _heap_size(before)
    per_agent_kib = untraced["rss_per_agent_kib"]
    python_kib = python_heap / plan.agents / 1024
    return {
        "plan": asdict(plan),
        "untraced": untraced,
        "traced": traced,
        "python_heap_per_agent_kib": python_kib,
        "outside_python_per_agent_kib": per_agent_kib - python_kib,
        "top": breakdown(before, after, plan.agents, plan.top),
        "owners": owners(before, after, plan.agents),
    }


def _measure(plan: MemoryPlan, work_dir: Path, snapshots: Path | None) -> dict[str, Any]:
    fleet = Fleet()
    launcher = _traced_launcher(snapshots) if snapshots is not None else _as_is()
    with launcher as ask_snapshot, bench_server(work_dir, plan.agents, [CRM_ORIGIN]) as server:
        # As bench/load.py: the server's start-up work (migrations, caches) is over.
        time.sleep(0.5)
        rss_before = rss_bytes(server.pid)
        ask_snapshot("before")
        door = Door(server.socket_url, server.base_url)
        try:
            fleet.start([door] * workers_for(plan.agents), plan.agents, talk_s=1.0)
            time.sleep(SETTLE_S)
            rss_after = rss_bytes(server.pid)
            ask_snapshot("after")
        finally:
            fleet.kill()
    return {
        "campaign": CAMPAIGN,
        "login_s": fleet.login_s,
        "rss_before_mib": rss_before / 2**20,
        "rss_after_mib": rss_after / 2**20,
        "rss_per_agent_kib": (rss_after - rss_before) / plan.agents / 1024,
    }


@contextmanager
def _as_is() -> Iterator[Any]:
    yield lambda _name: None


@contextmanager
def _traced_launcher(snapshots: Path) -> Iterator[Any]:
    """bench/server.py's server, started by this module's launcher instead of `python -m
    agentbar` (its provisioning and environment kept); yields `ask(name)`, which returns once
    the launcher has written the snapshot `snapshots/name`."""
    snapshots.mkdir(parents=True, exist_ok=True)
    os.mkfifo(snapshots / "requests")
    os.mkfifo(snapshots / "replies")
    channel: list[tuple[Any, Any]] = []

    def ask(name: str) -> None:
        if not channel:  # opened here: the launcher opens its ends once it runs
            requests = (snapshots / "requests").open("w")
            channel.append((requests, (snapshots / "replies").open("r")))
        requests, replies = channel[0]
        requests.write(name + "\n")
        requests.flush()
        if replies.readline().strip() != name:
            raise RuntimeError(f"the launcher did not write the snapshot {name!r}")

    @contextmanager
    def serving(args: list[str], env: dict[str, str], log_path: Path, port: int, **_: Any) -> Any:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.memory", "serve", *args],
                env={**env, SNAPSHOT_DIR_ENV: str(snapshots)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(process, f"http://127.0.0.1:{port}/readyz", log_path, READY_WITHIN_S)
            yield process
        finally:
            for ends in channel:
                for end in ends:
                    end.close()
            stop(process)

    with mock.patch.object(bench_server_module, "serving", serving):
        yield ask


def _heap_size(snapshot: tracemalloc.Snapshot) -> int:
    return sum(stat.size for stat in _filtered(snapshot).statistics("filename"))


def _filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    # The launcher's own thread reads the FIFO and pickles; what it allocates is the bench's.
    return snapshot.filter_traces([tracemalloc.Filter(False, __file__)])


def breakdown(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, agents: int, top: int
) -> list[dict[str, Any]]:
    """What the logins added, by allocating line, the largest first: KiB and blocks per agent,
    and the caller in agentbar, uvicorn or websockets that most of it was allocated for."""
    by_line: dict[str, dict[str, Any]] = {}
    for diff in _filtered(after).compare_to(_filtered(before), "traceback"):
        allocating = diff.traceback[-1]  # the most recent frame: the line that allocated
        where = _short(f"{allocating.filename}:{allocating.lineno}")
        entry = by_line.setdefault(where, {"line": where, "bytes": 0, "blocks": 0, "callers": {}})
        entry["bytes"] += diff.size_diff
        entry["blocks"] += diff.count_diff
        caller = _caller(diff.traceback)
        entry["callers"][caller] = entry["callers"].get(caller, 0) + diff.size_diff
    ranked = sorted(by_line.values(), key=lambda e: e["bytes"], reverse=True)[:top]
    return [
        {
            "line": e["line"],
            "kib_per_agent": e["bytes"] / agents / 1024,
            "blocks_per_agent": e["blocks"] / agents,
            "for": max(e["callers"].items(), key=lambda item: item[1])[0],
        }
        for e in ranked
    ]


def owners(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, agents: int
) -> dict[str, float]:
    """KiB per agent by whose code asked for it: the package of the most recent frame in
    agentbar, uvicorn, websockets, starlette or fastapi (an asyncio.Queue made by agentbar is
    agentbar's; the event loop's own C allocations for a transport are uvicorn's)."""
    held: dict[str, float] = {}
    for diff in _filtered(after).compare_to(_filtered(before), "traceback"):
        owner = "other (no frame of those)"
        for frame in reversed(list(diff.traceback)):
            found = next((part for part in OWN_CODE if part in frame.filename), None)
            if found is not None:
                owner = found.rstrip("/")
                break
        held[owner] = held.get(owner, 0.0) + diff.size_diff / agents / 1024
    return dict(sorted(held.items(), key=lambda item: item[1], reverse=True))


def _caller(traceback: tracemalloc.Traceback) -> str:
    """The most recent frame in our own stack (agentbar, uvicorn, websockets...) outside the
    allocating line's file, which says whose object it is; that line when there is none."""
    frames = list(traceback)
    allocating = frames[-1]
    for frame in reversed(frames):
        if frame.filename != allocating.filename and any(p in frame.filename for p in OWN_CODE):
            return _short(f"{frame.filename}:{frame.lineno}")
    return _short(f"{allocating.filename}:{allocating.lineno}")


def _short(where: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in where:
            return where.split(marker, 1)[1]
    return where


def _serve_snapshots(folder: Path) -> None:
    """The launcher's thread: each name read from `requests` is answered, once the snapshot is
    written to `folder/name`, by the name on `replies`."""
    with (folder / "requests").open("r") as requests, (folder / "replies").open("w") as replies:
        for line in requests:
            name = line.strip()
            tracemalloc.take_snapshot().dump(str(folder / name))
            replies.write(name + "\n")
            replies.flush()


def _launch(argv: list[str]) -> int:
    """`python -m bench.memory serve ...`: `agentbar serve ...` traced, snapshots on request."""
    tracemalloc.start(TRACED_FRAMES)
    folder = Path(os.environ[SNAPSHOT_DIR_ENV])
    threading.Thread(target=_serve_snapshots, args=(folder,), daemon=True).start()
    from agentbar.cli import main  # imported once tracing runs, so its allocations are seen

    return main(argv)


if __name__ == "__main__":
    sys.exit(_launch(sys.argv[1:]))
