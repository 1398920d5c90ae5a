"""The call generator: simulated customers through the simulator API at a fixed rate.

Open loop: each call is placed on its own schedule, whether or not earlier POSTs have been
answered, so a slow server shows up as latency and backlog rather than as a lower rate.

On aiohttp, not httpx: the generator shares the machine with the server it measures, and
aiohttp's client costs about a quarter of httpx's CPU a request (0.4 against 1.6 ms, measured
at 200 and 400 POSTs a second on loopback). On httpx it took 68% of a core at 200 calls/s
and ran late, so the bench measured its own backlog past the ceiling, not the server's. For the
same reason it runs on uvloop (`place_calls`), as the server does: on asyncio's own loop, at 400
calls/s offered to one SQLite node, the generator read the server's immediate refusals (about 1
ms in the server) at p99 84 ms, and the admitted POSTs at 144 ms against the server's own 100;
on uvloop 54 and 85 ms, with the server at 75.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

import aiohttp
import uvloop

from bench.server import ADMIN_TOKEN


@dataclass
class Generated:
    placed: int = 0
    failed: int = 0
    refused: int = 0
    """POSTs the server refused at once as busy (503): shed, not lost."""
    post_latency: list[float] = field(default_factory=list)
    admitted_latency: list[float] = field(default_factory=list)
    """The POSTs answered 201 alone."""
    refused_latency: list[float] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    issue_span_s: float = 0.0
    """From issuing the first POST to issuing the last: (n - 1) / R if the generator kept up."""
    call_ids: list[str] = field(default_factory=list)
    """The calls the server acknowledged, so what became of each can be read back after."""


CONNECTIONS = 64
TIMEOUT_S = 30.0


def caller(i: int) -> str:
    return f"+1408555{i % 10000:04d}"


async def generate(
    base_url: str,
    campaign: str,
    rate: float,
    duration: float,
    stop: threading.Event | None = None,
    out: Generated | None = None,
) -> Generated:
    """Place `rate` calls a second for `duration` seconds, or until `stop` is set. `out`, when
    given, is filled as the calls go, so another thread can read the running counts."""
    out = Generated() if out is None else out
    total = max(1, round(rate * duration))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(
        base_url, headers=headers, connector=connector, timeout=timeout
    ) as client:

        async def place(i: int) -> None:
            sent = time.monotonic()
            call_id = None
            try:
                async with client.post(
                    "/api/v1/simulator/calls", json={"from": caller(i), "campaign": campaign}
                ) as response:
                    status = response.status
                    if status == 201:
                        call_id = (await response.json())["callId"]
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            took = time.monotonic() - sent
            out.post_latency.append(took)
            if call_id is not None:
                out.call_ids.append(call_id)
                out.admitted_latency.append(took)
                out.placed += 1
            elif status == 503:
                out.refused_latency.append(took)
                out.refused += 1
            else:
                out.failed += 1

        out.started = time.time()
        begin = time.monotonic()
        tasks = []
        for i in range(total):
            if stop is not None and stop.is_set():
                break
            delay = begin + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(place(i)))
        out.issue_span_s = time.monotonic() - begin
        await asyncio.gather(*tasks)
        out.finished = time.time()
    return out


def place_calls(
    base_url: str,
    campaign: str,
    rate: float,
    duration: float,
    stop: threading.Event | None = None,
    out: Generated | None = None,
) -> Generated:
    """`generate` on a uvloop event loop of its own, to the end (blocks the calling thread)."""
    return uvloop.run(generate(base_url, campaign, rate, duration, stop, out))
