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


@contextmanager
def redis_server(ready_timeout: float = 10.0) -> Iterator[RedisServer]:
    base = Path(tempfile.mkdtemp(prefix="agentbar-redis-"))
    port = free_port()
    log = base / "redis.log"
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
        client = server.client()
        deadline = time.monotonic() + ready_timeout
        while True:  # no event to wait on: the server says it is up by answering PING
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    detail = log.read_text() if log.exists() else ""
                    raise RuntimeError(f"redis-server did not start:\n{detail}") from None
                time.sleep(0.02)
        client.close()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(base, ignore_errors=True)
