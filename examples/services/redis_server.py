"""A throwaway Redis server for tests and the cluster demo, from Debian's `redis-server`: a
free loopback port, a temporary directory, nothing saved to disk, stopped and removed
afterwards."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from agentbar.testing.server import stop_process
from examples.services.ports import free_port


def have_redis() -> bool:
    return shutil.which("redis-server") is not None


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


PORT_ATTEMPTS = 3
"""Free ports tried: another process may take the one picked before redis-server binds it."""
STOP_TIMEOUT = 5.0
"""Seconds redis-server is given to exit when terminated, before it is killed."""


@contextmanager
def redis_server(ready_timeout: float = 10.0) -> Iterator[RedisServer]:
    base = Path(tempfile.mkdtemp(prefix="agentbar-redis-"))
    log = base / "redis.log"
    try:
        server = _start(base, log, ready_timeout)
        try:
            yield server
        finally:
            stop_process(server.process, STOP_TIMEOUT)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(base: Path, log: Path, ready_timeout: float) -> RedisServer:
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(base),
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        server = RedisServer(port, process)
        try:
            if _answers_as_itself(server, ready_timeout):
                return server
        except BaseException:
            stop_process(process, STOP_TIMEOUT)
            raise
        detail = log.read_text() if log.exists() else ""
        if "Address already in use" not in detail or attempt == PORT_ATTEMPTS:
            raise RuntimeError(f"redis-server did not start:\n{detail}")
    raise AssertionError("each attempt returns or raises")


def _answers_as_itself(server: RedisServer, timeout: float) -> bool:
    """True once the server answers with its own process id (another redis-server that took
    the port after it was picked answers too); False if it exited meanwhile. No event to wait
    on: a server says it is up only by answering."""
    deadline = time.monotonic() + timeout
    with server.client() as client:
        while True:
            try:
                if client.info("server")["process_id"] == server.process.pid:
                    return True
            except redis.ConnectionError:
                pass
            if server.process.poll() is not None:
                return False
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {server.port} did not answer in time")
            time.sleep(0.02)
