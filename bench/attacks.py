"""The attacks and bad days of "Hold under attack and under faults", measured the same way on any
version of agentbar: `python -m bench.attacks [--src DIR] [--json FILE]`.

Each scenario runs against its own fresh `agentbar serve --demo` (so one's throttling does not
colour the next), started from `--src` (a checkout's `src` folder; by default this one's), so an
older commit is measured by the same code as the current one. The attackers connect from
127.0.0.1 and the honest agents from other loopback addresses, as they would from other machines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.machine import rss_bytes
from bench.stats import summary_ms
from tests.support.servers import serving

ADMIN_TOKEN = "attack-admin-token-of-128-bits-at-least"
CRM_ORIGIN = "http://crm.attack.test:8081"
ATTACKER = "127.0.0.1"
HONEST = ("127.0.0.2", "127.0.0.3", "127.0.0.4")


class Target:
    def __init__(self, port: int, data_dir: Path, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.data_dir = data_dir
        self.process = process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/socket"

    def rss_mib(self) -> float:
        return rss_bytes(self.process.pid) / 2**20


def server_env(src: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(src),
        "AGENTBAR_ALLOWED_ORIGINS": CRM_ORIGIN,
        "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN,
        "AGENTBAR_LOG_LEVEL": "warning",
    }


@contextmanager
def target(src: Path, port: int | None = None, data_dir: Path | None = None) -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="attacks-") as tmp:
        data = data_dir or Path(tmp) / "data"
        args = ["--data-dir", str(data), "--demo"]
        log = Path(tmp) / "server.log"
        with serving(args, server_env(src), log, port, ready_timeout=60.0) as served:
            yield Target(served.port, data, served.process)


@asynccontextmanager
async def socket(t: Target, source: str) -> AsyncIterator[ClientConnection]:
    async with connect(
        t.socket_url, origin=Origin(t.base_url), local_addr=(source, 0), max_size=None
    ) as ws:
        yield ws


async def ask(ws: ClientConnection, frame: dict[str, Any], wait_s: float = 15.0) -> dict[str, Any]:
    """Send one frame and wait for its answer (events meanwhile are skipped)."""
    await ws.send(json.dumps(frame))
    deadline = time.monotonic() + wait_s
    while True:
        answer: dict[str, Any] = json.loads(
            await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
        )
        if answer.get("re") == frame.get("id"):
            return answer


def login_frame(user: str, password: str, frame_id: int = 1, force: bool = False) -> dict[str, Any]:
    return {
        "id": frame_id,
        "cmd": "auth.login",
        "username": user,
        "password": password,
        "authPolicy": "AUTH_TYPE_PASSWORD",
        "crmOrigin": CRM_ORIGIN,
        "force": force,
    }


async def timed_login(t: Target, user: str, source: str) -> dict[str, Any]:
    start = time.monotonic()
    try:
        async with socket(t, source) as ws:
            answer = await ask(ws, login_frame(user, user, force=True), wait_s=10.0)
        outcome = "ok" if answer.get("ok") else answer["error"]["code"]
    except (TimeoutError, ConnectionClosed, OSError) as error:
        outcome = type(error).__name__
    return {"user": user, "outcome": outcome, "ms": round((time.monotonic() - start) * 1000, 1)}


# 1. Concurrent brute force ------------------------------------------------------------------


async def brute_force(t: Target) -> dict[str, Any]:
    guesses = 200
    held = contextlib.AsyncExitStack()
    # Kept on the stack: a context manager no one holds is collected, closing its socket.
    sockets = [await held.enter_async_context(socket(t, ATTACKER)) for _ in range(guesses)]
    try:
        burst = [ask(ws, login_frame("agent1", f"wrong-{i}")) for i, ws in enumerate(sockets)]
        attempts = asyncio.gather(*burst, return_exceptions=True)
        await asyncio.sleep(0.05)  # the burst is under way
        honest = await timed_login(t, "agent2", HONEST[0])
        answers = await attempts
    finally:
        with contextlib.suppress(Exception):
            await held.aclose()
    codes: dict[str, int] = {}
    for answer in answers:
        code = answer["error"]["code"] if isinstance(answer, dict) else type(answer).__name__
        codes[code] = codes.get(code, 0) + 1
    return {"wrong_guesses_at_once": guesses, "answers": codes, "honest_login": honest}


# 2. One socket floods -----------------------------------------------------------------------


async def flood(t: Target, *, authenticated: bool) -> dict[str, Any]:
    rate, seconds = 5000, 10.0
    pings: list[float] = []
    health: list[float] = []
    logins: list[dict[str, Any]] = []
    stop = asyncio.Event()

    async def pinger() -> None:
        async with socket(t, HONEST[0]) as ws:
            assert (await ask(ws, login_frame("agent3", "agent3", force=True)))["ok"]
            n = 100
            while not stop.is_set():
                n += 1
                start = time.monotonic()
                try:
                    await ask(ws, {"id": n, "cmd": "ping"}, wait_s=30.0)
                except (TimeoutError, ConnectionClosed):
                    pings.append(30.0)
                    return
                pings.append(time.monotonic() - start)
                await asyncio.sleep(0.05)

    async def health_checks() -> None:
        async with httpx.AsyncClient(base_url=t.base_url, timeout=30.0) as client:
            while not stop.is_set():
                start = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    await client.get("/healthz")
                health.append(time.monotonic() - start)
                await asyncio.sleep(0.2)

    async def real_logins() -> None:
        for i, user in enumerate(("agent4", "agent5", "agent4", "agent5")):
            await asyncio.sleep(2.0)
            logins.append(await timed_login(t, user, HONEST[1 + i % 2]))

    watchers = [asyncio.create_task(pinger()), asyncio.create_task(health_checks())]
    await asyncio.sleep(0.5)
    answered = 0
    closed: int | None = None
    last_answer_at = time.monotonic()
    async with socket(t, ATTACKER) as ws:
        if authenticated:
            assert (await ask(ws, login_frame("agent2", "agent2", force=True)))["ok"]
        frame = (
            {"cmd": "snapshot"}
            if authenticated
            else {"cmd": "auth.resume", "token": "x" * 40, "crmOrigin": CRM_ORIGIN}
        )
        codes: dict[str, int] = {}

        async def drain() -> None:
            nonlocal answered, closed, last_answer_at
            try:
                async for text in ws:
                    answer = json.loads(text)
                    if "re" in answer:
                        answered += 1
                        last_answer_at = time.monotonic()
                        code = "ok" if answer.get("ok") else answer["error"]["code"]
                        codes[code] = codes.get(code, 0) + 1
            except ConnectionClosed:
                pass
            closed = ws.close_code

        reader = asyncio.create_task(drain())
        logins_task = asyncio.create_task(real_logins())
        sent = 0
        start = time.monotonic()
        batch = 50
        with contextlib.suppress(ConnectionClosed):
            while time.monotonic() - start < seconds:
                for _ in range(batch):
                    sent += 1
                    await ws.send(json.dumps({"id": sent, **frame}))
                await asyncio.sleep(max(0.0, start + sent / rate - time.monotonic()))
        flood_end = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), timeout=60.0)
        await logins_task
    stop.set()
    await asyncio.gather(*watchers, return_exceptions=True)
    reader.cancel()
    return {
        "flood": "snapshot (logged in)" if authenticated else "auth.resume (not logged in)",
        "frames_sent": sent,
        "frames_answered": answered,
        "answers": codes,
        "flooding_socket_closed": closed,
        "backlog_after_flood_s": round(max(0.0, last_answer_at - flood_end), 2),
        "other_agent_ping_ms": summary_ms(pings),
        "other_agent_ping_max_ms": round(max(pings) * 1000, 1) if pings else None,
        "healthz_max_ms": round(max(health) * 1000, 1) if health else None,
        "real_logins": logins,
    }


# 3. Bodies and frames buffered before anyone is allowed -------------------------------------


async def buffering(t: Target) -> dict[str, Any]:
    chunk = b"[" + b"0," * (2**19 - 1) + b"0]"  # ~1 MiB of one JSON array, repeated
    size = 50 * len(chunk)

    def body() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            yield chunk
            sent += len(chunk)

    peak = [t.rss_mib()]
    before = peak[0]
    sampling = True

    def sample() -> None:
        while sampling:
            peak.append(t.rss_mib())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()

    def post() -> str:
        try:
            with httpx.Client(base_url=t.base_url, timeout=60.0) as client:
                headers = {"Content-Type": "application/json", "Content-Length": str(size)}
                answer = client.post("/api/v1/simulator/calls", content=body(), headers=headers)
            return str(answer.status_code)
        except httpx.HTTPError as error:
            return type(error).__name__

    started = time.monotonic()
    statuses = await asyncio.gather(*(asyncio.to_thread(post) for _ in range(6)))
    posts_s = time.monotonic() - started
    after_posts = t.rss_mib()

    big = 15 * 2**20
    frame_outcome: str
    async with socket(t, HONEST[0]) as ws:
        try:
            await ws.send('{"cmd": "ping", "pad": "' + "x" * big + '"}')
            answer = json.loads(await asyncio.wait_for(ws.recv(), 30.0))
            code = "ok" if answer.get("ok") else answer["error"]["code"]
            frame_outcome = f"read, answered {code}, socket kept"
        except ConnectionClosed:
            frame_outcome = f"socket closed {ws.close_code}"
    after_frame = t.rss_mib()
    sampling = False
    sampler.join()

    held = contextlib.AsyncExitStack()
    idle = [await held.enter_async_context(socket(t, HONEST[2])) for _ in range(1000)]
    await asyncio.sleep(15.0)  # longer than an authentication deadline of 10 s
    still_open = sum(1 for ws in idle if ws.close_code is None)
    with contextlib.suppress(Exception):
        await held.aclose()
    return {
        "unauthenticated_50mb_posts": statuses,
        "posts_s": round(posts_s, 2),
        "rss_mib": {
            "before": round(before, 1),
            "after_posts": round(after_posts, 1),
            "after_15mb_frame": round(after_frame, 1),
            "peak": round(max(peak), 1),
        },
        "15mb_frame": frame_outcome,
        "idle_unauthenticated_sockets_open_after_15s": f"{still_open} of 1000",
    }


# 4. A second server on the same data directory and port -------------------------------------


async def second_server(src: Path) -> dict[str, Any]:
    with target(src) as t:
        async with socket(t, HONEST[0]) as ws:
            assert (await ask(ws, login_frame("agent1", "agent1")))["ok"]
            started = time.monotonic()
            second = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "agentbar", "serve", "--port", str(t.port),
                 "--data-dir", str(t.data_dir), "--demo"],
                capture_output=True, text=True, timeout=120, env=server_env(src),
            )  # fmt: skip
            took = time.monotonic() - started
            try:
                alive = (await ask(ws, {"id": 9, "cmd": "ping"}, wait_s=5.0))["ok"]
            except (TimeoutError, ConnectionClosed):
                alive = False
        with sqlite3.connect(t.data_dir / "agentbar.db") as db:
            ended = db.execute("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL")
            [(ended_sessions,)] = ended.fetchall()
    lines = [line for line in (second.stderr + second.stdout).splitlines() if line.strip()]
    return {
        "exit_status": second.returncode,
        "exit_s": round(took, 2),
        "output_lines": len(lines),
        "first_line": lines[0] if lines else "",
        "first_servers_agent_still_served": alive,
        "sessions_ended_by_it": ended_sessions,
    }


# 5. Another process holds the SQLite write lock for 10 s ------------------------------------


async def locked_database(t: Target) -> dict[str, Any]:
    health: list[float] = []
    pings: list[float] = []
    commands: list[dict[str, Any]] = []
    ready_codes: set[int] = set()
    stop = asyncio.Event()

    closed: dict[str, float] = {}
    """Seconds after the lock was taken at which a socket was closed by the server."""
    held_at = 0.0

    async def watch_http() -> None:
        async with httpx.AsyncClient(base_url=t.base_url, timeout=30.0) as client:
            while not stop.is_set():
                start = time.monotonic()
                try:
                    await client.get("/healthz")
                    health.append(time.monotonic() - start)
                    ready_codes.add((await client.get("/readyz")).status_code)
                except httpx.HTTPError:
                    health_errors.append(round(start - held_at, 2))
                await asyncio.sleep(0.2)

    health_errors: list[float] = []
    async with socket(t, HONEST[0]) as pinging, socket(t, HONEST[1]) as working:
        assert (await ask(pinging, login_frame("agent1", "agent1")))["ok"]
        assert (await ask(working, login_frame("agent2", "agent2")))["ok"]

        async def ping() -> None:
            n = 100
            while not stop.is_set():
                n += 1
                start = time.monotonic()
                try:
                    await ask(pinging, {"id": n, "cmd": "ping"}, wait_s=30.0)
                except TimeoutError:
                    pings.append(30.0)
                    continue
                except ConnectionClosed:
                    closed["pinging"] = round(time.monotonic() - held_at, 2)
                    return
                pings.append(time.monotonic() - start)
                await asyncio.sleep(0.05)

        async def work() -> None:
            n = 100
            while not stop.is_set():
                n += 1
                # Each break reason change is a move the floor must store.
                reason = "Lunch" if n % 2 else "Snacks"
                frame = {"id": n, "cmd": "presence.break", "reason": reason}
                start = time.monotonic()
                try:
                    answer = await ask(working, frame, wait_s=30.0)
                    code = "ok" if answer.get("ok") else answer["error"]["code"]
                except TimeoutError:
                    code = "timeout"
                except ConnectionClosed:
                    closed["working"] = round(time.monotonic() - held_at, 2)
                    return
                commands.append({"code": code, "ms": round((time.monotonic() - start) * 1000)})
                await asyncio.sleep(1.0)

        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _HOLD_LOCK, str(t.data_dir / "agentbar.db"), "10",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert holder.stdout is not None
        await holder.stdout.readline()  # the lock is held
        held_at = time.monotonic()
        tasks = [asyncio.create_task(f()) for f in (watch_http, ping, work)]
        await holder.wait()
        released_at = time.monotonic()
        ready_again: float | None = None
        async with httpx.AsyncClient(base_url=t.base_url, timeout=5.0) as client:
            while time.monotonic() - released_at < 60.0:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        ready_again = round(time.monotonic() - released_at, 2)
                        break
                await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*tasks)
    return {
        "lock_held_s": 10,
        "healthz_max_ms": round(max(health) * 1000, 1) if health else None,
        "healthz_failed_at_s": health_errors,
        "ping_ms": summary_ms(pings),
        "ping_max_ms": round(max(pings) * 1000, 1) if pings else None,
        "sockets_closed_by_the_server_at_s": closed,
        "readyz_statuses_seen": sorted(ready_codes),
        "ready_again_after_release_s": ready_again,
        "commands": commands,
    }


_HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


async def run_all(src: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}  # which checkout is the caller's to name (no machine path)
    with target(src) as t:
        results["1_brute_force"] = await brute_force(t)
    with target(src) as t:
        results["2a_unauthenticated_flood"] = await flood(t, authenticated=False)
    with target(src) as t:
        results["2b_authenticated_flood"] = await flood(t, authenticated=True)
    with target(src) as t:
        results["3_buffering"] = await buffering(t)
    results["4_second_server"] = await second_server(src)
    with target(src) as t:
        results["5_locked_database"] = await locked_database(t)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    here = Path(__file__).resolve().parents[1] / "src"
    parser.add_argument("--src", type=Path, default=here, help="the agentbar src folder to run")
    parser.add_argument("--json", type=Path, help="write the results here as well")
    parser.add_argument("--only", help="brute, flood, floodauth, buffer, second or lock")
    options = parser.parse_args()
    src = options.src.resolve()
    if options.only:
        scenarios = {
            "brute": brute_force,
            "flood": lambda t: flood(t, authenticated=False),
            "floodauth": lambda t: flood(t, authenticated=True),
            "buffer": buffering,
            "lock": locked_database,
        }
        if options.only == "second":
            results = asyncio.run(second_server(src))
        else:
            with target(src) as t:
                results = asyncio.run(scenarios[options.only](t))
    else:
        results = asyncio.run(run_all(src))
    text = json.dumps(results, indent=2)
    print(text)
    if options.json:
        options.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
