"""The demo's agentbar as a cluster (`scripts/demo --nodes N`): N nodes on one PostgreSQL and
one Redis, HAProxy in front on the demo's agentbar port, and a watcher that says which node owns
the floor and when that changes. `kill -9` the owner's pid (each node's is printed) and another
node takes the floor once the lease runs out; HAProxy then sends everything to it.

PostgreSQL and Redis are throwaway servers in temporary directories, removed when the demo
stops: every run starts from fresh demo data. Each node keeps its log in `<data-dir>/nodeK/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from agentbar.testing.server import SERVING_ANNOUNCEMENT, stop_process
from examples.services.haproxy import haproxy_server
from examples.services.ports import free_port
from examples.services.postgres import postgres_server
from examples.services.redis_server import redis_server

NODE_HOST = "127.0.0.1"
"""Where the nodes listen. HAProxy reaches its backends on loopback, and only HAProxy faces
the CRM and the browsers, so the nodes stay there whatever `--host` says."""

WATCH_EVERY = 1.0
"""Seconds between two looks at who owns the floor: the lease is not pushed anywhere."""


@dataclass(frozen=True)
class Node:
    id: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{NODE_HOST}:{self.port}"

    def __str__(self) -> str:
        return f"node {self.id} (pid {self.process.pid}, port {self.port})"


@dataclass(frozen=True)
class Cluster:
    nodes: list[Node]

    def node(self, node_id: str) -> Node | None:
        return next((node for node in self.nodes if node.id == node_id), None)

    def running(self) -> list[Node]:
        return [node for node in self.nodes if node.process.poll() is None]


@contextmanager
def running_cluster(
    options: argparse.Namespace, env: dict[str, str], root: Path, data_dir: Path
) -> Iterator[Cluster]:
    """PostgreSQL, Redis, the nodes and HAProxy on `options.agentbar_port`, all up; all stopped
    on the way out, whether the demo ends, fails or is interrupted."""
    with ExitStack() as stack:
        try:
            cluster = _start(stack, options, env, root, data_dir)
        except RuntimeError as error:  # a server that is missing or would not start
            raise SystemExit(f"demo: {error}") from None
        yield cluster


def _start(
    stack: ExitStack,
    options: argparse.Namespace,
    env: dict[str, str],
    root: Path,
    data_dir: Path,
) -> Cluster:
    postgres = stack.enter_context(postgres_server())
    redis = stack.enter_context(redis_server())
    print(
        f"demo: PostgreSQL on port {postgres.port}, Redis on port {redis.port} "
        "(throwaway servers in temporary directories)",
        flush=True,
    )
    shared = {
        **env,
        "AGENTBAR_DATABASE_URL": postgres.url(),
        "AGENTBAR_BUS": "redis",
        "AGENTBAR_REDIS_URL": redis.url,
    }
    nodes: list[Node] = []
    for number in range(1, options.nodes + 1):
        node = stack.enter_context(_node(number, shared, root, data_dir))
        # The first node takes the free lease and seeds the demo data before anyone else
        # starts; the others then start one by one and serve too, following its floor.
        _wait_for(f"{node.url}/readyz", node)
        nodes.append(node)
        print(f"demo: {node} is up, logging to {node.log_path}", flush=True)
    stack.enter_context(
        haproxy_server(
            [node.port for node in nodes],
            names=[node.id for node in nodes],
            port=options.agentbar_port,
            host=options.host,
        )
    )
    agentbar = f"http://{options.host}:{options.agentbar_port}"
    print(
        f"demo: HAProxy at {agentbar} sends everything to the node that owns the floor\n"
        f"demo: the supervisor page, through HAProxy: {agentbar}/supervisor (it asks for the "
        "admin token)\n"
        "demo: kill -9 the owner's pid in another terminal: another node takes the floor once "
        "its lease runs out",
        flush=True,
    )
    return Cluster(nodes)


@contextmanager
def _node(number: int, env: dict[str, str], root: Path, data_dir: Path) -> Iterator[Node]:
    node_id, port = f"n{number}", free_port()
    node_dir = data_dir / f"node{number}"
    node_dir.mkdir(parents=True, exist_ok=True)
    log_path = node_dir / "agentbar.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentbar", "serve", "--host", NODE_HOST, "--port", str(port),
             "--data-dir", str(node_dir), "--demo"],
            env={**env, "AGENTBAR_NODE_ID": node_id}, cwd=root, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield Node(node_id, port, process, log_path)
    finally:
        stop_process(process, timeout=10)


def _wait_for(url: str, node: Node, timeout: float = 60.0) -> None:
    """Until `url` answers 200 and the node's log says it serves: a node says it is up only by
    answering, and only its log says the answer is its own (not another program's that took
    the port before the node bound it: the node then exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise SystemExit(f"demo: {node} exited:\n{_tail(node.log_path)}")
        with contextlib.suppress(httpx.TransportError):
            answered = httpx.get(url, timeout=1.0).status_code == 200
            if answered and SERVING_ANNOUNCEMENT in node.log_path.read_text(errors="replace"):
                return
        time.sleep(0.1)
    raise SystemExit(f"demo: {url} did not answer within {timeout:.0f} s:\n{_tail(node.log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


async def watch_the_floor(cluster: Cluster, token: str) -> None:
    """Says which node owns the floor, and again whenever that changes; says so too when a
    node stops. Asks the nodes themselves, not HAProxy: during a takeover no node is ready and
    HAProxy has nobody to ask."""
    said: tuple[str | None, int] | None = None
    stopped: set[str] = set()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=1.0) as client:
        while True:
            for node in cluster.nodes:
                if node.process.poll() is not None and node.id not in stopped:
                    stopped.add(node.id)
                    print(f"demo: {node} has stopped ({_how(node.process)})", flush=True)
            view = await _cluster_view(client, cluster)
            if view is not None:
                owner: str | None = view["owner"]
                # A new epoch is a new ownership, even by the same node (it lost the lease).
                now = (owner, view["epoch"] if owner is not None else 0)
                if now != said:
                    said = now
                    print(_owner_line(cluster, owner, view["epoch"]), flush=True)
            await asyncio.sleep(WATCH_EVERY)


async def _cluster_view(client: httpx.AsyncClient, cluster: Cluster) -> dict[str, Any] | None:
    """`GET /api/v1/cluster` from the first running node that answers; every node knows."""
    for node in cluster.running():
        with contextlib.suppress(httpx.HTTPError, ValueError):
            answer = await client.get(f"{node.url}/api/v1/cluster")
            if answer.status_code == 200:
                view: dict[str, Any] = answer.json()
                return view
    return None


def _owner_line(cluster: Cluster, owner: str | None, epoch: int) -> str:
    if owner is None:
        return "demo: no node owns the floor right now (a takeover is under way)"
    node = cluster.node(owner)
    return f"demo: {node or f'node {owner}'} owns the floor (epoch {epoch})"


def _how(process: subprocess.Popen[bytes]) -> str:
    code = process.returncode
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"
