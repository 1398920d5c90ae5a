"""The targets of the benchmarks issue, checked against what was measured."""

from __future__ import annotations

from typing import Any


def _row(target: str, measured: str, met: bool) -> str:
    return f"| {target} | {measured} | {'met' if met else '**missed**'} |"


def assess(results: dict[str, Any]) -> list[str]:
    """Markdown lines: each target, the figure measured for it, met or missed."""
    load = results["load"]
    rows = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    browser = results.get("browser")
    if browser is not None:
        ms = browser["browser_screen_pop_ms"]
        rows.append(
            _row("screen pop in the browser p50 ≤ 5 ms", f"{ms['p50']:.1f} ms", ms["p50"] <= 5)
        )
        rows.append(
            _row("screen pop in the browser p99 ≤ 20 ms", f"{ms['p99']:.1f} ms", ms["p99"] <= 20)
        )
    largest = max(load, key=lambda p: p["point"]["agents"])
    n = largest["point"]["agents"]
    rows.append(_row("5,000 agents on one node", f"{n:,} agents logged in and ready", n >= 5000))
    kib = largest["memory_per_agent_kib"]
    rows.append(_row("≤ 50 KiB server memory per agent", f"{kib:.1f} KiB at {n:,}", kib <= 50))
    best = max(load, key=lambda p: p["lifecycles_per_s"])
    rate, p99 = best["lifecycles_per_s"], best["offer_latency_ms"]["p99"]
    rows.append(
        _row(
            "≥ 200 call lifecycles/s with offer p99 ≤ 50 ms",
            f"best {rate:.0f}/s (offer p99 {p99:.1f} ms) at {best['point']['agents']:,} agents",
            rate >= 200 and p99 <= 50,
        )
    )
    cpu = [p["cpu_ms_per_call"] for p in load]
    low, high = min(cpu), max(cpu)
    spread = (high - low) / low * 100 if low > 0 else float("inf")
    rows.append(
        _row(
            "server CPU per call flat within ±20% over agent counts",
            f"{low:.2f} to {high:.2f} ms ({spread:.0f}% from lowest to highest)",
            high <= low * 1.2,
        )
    )
    return [*rows, "", *LIMITS]


LIMITS = [
    "What limits the missed targets (found so far; each is the next thing to measure):",
    "",
    "- *Lifecycles per second*: the bench offers at most 200 calls/s for 20 s, and each call "
    "talks 1 s, so the figure it reports cannot reach 200; whether the server can take more "
    "is still open (offer latency stays in single milliseconds at 200/s).",
    "- *Memory per agent*: about 100 KiB of server memory per connected agent, not yet "
    "profiled; per-socket compression state (permessage-deflate, seen in the profile) and "
    "per-connection buffers are the first suspects.",
    "- *CPU per call*: the 100-agent point runs at 50 calls/s, so the server's fixed "
    "per-second work (keepalive pings, timers) falls on fewer calls; from 1,000 to 5,000 "
    "agents at 200 calls/s the spread is far smaller.",
    "- *Screen pop in the browser*: the figure spans the HTTP request, the server's decision, "
    "the socket, the iframe's postMessage to the CRM page and Chromium's own scheduling, with "
    "1,000 agents taking 50 calls/s beside it on the same 2 cores; it has not been broken "
    "down yet.",
    "",
]
