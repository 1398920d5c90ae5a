"""What the restart drill (bench/drill.py) and the owner-killed drill (bench/drill_cluster.py)
share: launching `agentbar serve`, the socket agents' workers, the call generator, and reading
agentbar's database (SQLite or PostgreSQL); what happened is bench/drill_analysis.py's.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import httpx
import psycopg
from psycopg.rows import dict_row

from agentbar.testing.server import SERVING_ANNOUNCEMENT, stop_process
from bench.calls import caller
from bench.drill_agents import DrillSpec, worker_main
from bench.load import CRM_ORIGIN
from bench.server import ADMIN_TOKEN, CAMPAIGN, TOKEN_SECRET, agent_ids

OWNS_THE_FLOOR = "owns the floor (epoch"
"""What a node logs (at info) once it holds the floor's lease and takes the floor."""
RESTORED_THE_FLOOR = "restored the floor"
LEASE_S = 5.0
"""The floor's lease, AGENTBAR_LEASE_SECONDS's default: the drills leave it as it is."""


@dataclass(frozen=True)
class DrillPlan:
    agents: int
    rate: float
    talk_s: float
    kill_from_s: float
    """The kill comes at a random moment between these, counted from the first call."""
    kill_to_s: float
    after_s: float
    """How long calls keep being offered once the floor is served again."""
    drain_timeout_s: float


@dataclass
class Posted:
    sent: float  # time.time() when the POST went out
    call_id: str | None  # the call, when the POST was acknowledged (2xx)
    error: str | None
    body: str = ""  # a refusal's body, as evidence


# -- the database ----------------------------------------------------------------------------


class Store(Protocol):
    """The drill's read-only view of agentbar's database. SQL with `?` placeholders and
    nothing dialect-specific (JSON columns are read as text and parsed here)."""

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class SqliteStore:
    path: Path

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with closing(sqlite3.connect(self.path, timeout=30)) as c:
            c.row_factory = sqlite3.Row
            return [dict(row) for row in c.execute(sql, params)]


@dataclass(frozen=True)
class PostgresStore:
    url: str
    """agentbar's SQLAlchemy URL, `postgresql+psycopg://...`."""

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as c:
            return list(c.execute(sql.replace("%", "%%").replace("?", "%s"), params))


def last_seq(store: Store) -> int:
    [row] = store.query("SELECT coalesce(max(seq), 0) AS n FROM events")
    return int(row["n"])


def floor_by_state(store: Store) -> dict[str, int]:
    """The live calls on the stored floor, counted by state."""
    states = Counter(
        json.loads(row["doc"]).get("state") for row in store.query("SELECT doc FROM floor_calls")
    )
    return {str(state): n for state, n in states.items()}


def lease_row(store: Store) -> dict[str, Any]:
    [row] = store.query("SELECT owner, epoch, expires_at FROM floor_lease")
    return row


# -- a server process ------------------------------------------------------------------------


def launch(
    data_dir: Path, port: int, log_name: str, level: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`agentbar serve` on `port` with the bench's tokens and origins, its output in a log."""
    env = {
        **os.environ,
        "AGENTBAR_ALLOWED_ORIGINS": CRM_ORIGIN,
        "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN,
        "AGENTBAR_TOKEN_SECRET": TOKEN_SECRET,
        "AGENTBAR_LOG_LEVEL": level,
        "AGENTBAR_SIMULATOR_ANSWER_DELAY": "0",
        # Every simulated agent connects from loopback: no cap per address.
        "AGENTBAR_SOCKETS_PER_ADDRESS": "1000000",
        "AGENTBAR_SOCKETS_TOTAL": "1000000",
        # A bench agent answers as fast as it is asked: not an attacker to budget.
        "AGENTBAR_SOCKET_RATE": "10000",
        "AGENTBAR_SOCKET_BURST": "100000",
        **(extra_env or {}),
    }
    env.pop("AGENTBAR_LEASE_SECONDS", None)  # the default lease (5 s), so the figure is honest
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / log_name).open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "agentbar", "serve", "--port", str(port),
             "--data-dir", str(data_dir)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        stop_process(process, timeout=20)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float, every: float = 0.02
) -> float:
    """Until `url` answers 200 (the process gives no other signal) and `log` says the server
    serves (so the port is its own, not another's that took it meanwhile); returns when
    (time.time())."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"agentbar exited:\n{log.read_text(errors='replace')[-3000:]}")
        if answers(url) and SERVING_ANNOUNCEMENT in log.read_text(errors="replace"):
            return time.time()
        time.sleep(every)
    raise RuntimeError(f"{url} not 200:\n{log.read_text(errors='replace')[-3000:]}")


def log_line(log: Path, marker: str) -> str | None:
    lines = [line for line in log.read_text(errors="replace").splitlines() if marker in line]
    return lines[0] if lines else None


# -- the agents ------------------------------------------------------------------------------


@dataclass
class Workers:
    """The socket agents' worker processes (2 beyond 200 agents), all logged in and ready."""

    pipes: list[Connection] = field(default_factory=list)
    processes: list[multiprocessing.process.BaseProcess] = field(default_factory=list)
    login_s: float = 0.0

    def start(self, socket_url: str, origin: str, agents: int, talk_s: float) -> None:
        context = multiprocessing.get_context("spawn")
        ids = agent_ids(agents)
        count = 1 if agents <= 200 else 2
        began = time.monotonic()
        for k in range(count):
            parent, child = context.Pipe()
            spec = DrillSpec(socket_url, origin, CRM_ORIGIN, ids[k::count], talk_s)
            process = context.Process(target=worker_main, args=(spec, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        for pipe in self.pipes:
            ready: tuple[Any, ...] = pipe.recv() if pipe.poll(120) else ("silent",)
            if ready[0] != "ready":
                raise RuntimeError(f"a worker failed to log its agents in: {ready}")
        self.login_s = time.monotonic() - began

    def results(self) -> list[dict[str, Any]]:
        """Stops the agents; what each saw and did."""
        for pipe in self.pipes:
            pipe.send("stop")
        seen: list[dict[str, Any]] = []
        for pipe in self.pipes:
            message: tuple[Any, ...] = pipe.recv() if pipe.poll(120) else ("silent",)
            if message[0] != "results":
                raise RuntimeError(f"a worker failed: {message}")
            seen += message[1]
        for worker in self.processes:
            worker.join(timeout=30)
        return seen

    def kill(self) -> None:
        for worker in self.processes:
            if worker.is_alive():
                worker.kill()


# -- the calls -------------------------------------------------------------------------------


class CallGenerator:
    """Calls offered at `rate` through `POST /api/v1/simulator/calls`, open loop, in a thread
    of its own, from `start()` until `stop()`."""

    def __init__(self, base_url: str, rate: float) -> None:
        self.posted: list[Posted] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(_offer_calls(base_url, rate, self._stop, self.posted))
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


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
                out.append(Posted(sent, None, f"HTTP {response.status_code}", response.text[:120]))

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


def drain(store: Store, timeout: float) -> bool:
    """Until no call is live (in the calls table or on the stored floor)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [open_calls] = store.query(
            "SELECT count(*) AS n FROM calls WHERE state NOT IN ('disposed', 'abandoned')"
        )
        [floor] = store.query("SELECT count(*) AS n FROM floor_calls")
        if open_calls["n"] == 0 and floor["n"] == 0:
            return True
        time.sleep(0.2)
    return False


def finish(
    store: Store, calls: CallGenerator, workers: Workers, drain_timeout_s: float
) -> tuple[bool, int, list[dict[str, Any]]]:
    """The calls stop, every call is let finish, the agents stop: (drained, the last event's
    seq before the sockets close, what each agent saw)."""
    calls.stop()
    drained = drain(store, drain_timeout_s)
    time.sleep(1.0)  # the last dispositions' events reach their sockets
    cutoff = last_seq(store)
    return drained, cutoff, workers.results()
