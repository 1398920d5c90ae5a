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
    return [*rows, ""]
