"""The reports benchmark's part of docs/BENCHMARKS.md."""

from __future__ import annotations

from typing import Any

GOAL_S = 1.0
"""A report over a million stored calls answers within a second (the issue's goal)."""

LABELS = {
    "interval_day": "interval report, one campaign, one day (15-minute rows)",
    "interval_month": "interval report, one campaign, the whole month (60-minute rows)",
    "calls_page": "call records, first page of a day (100 calls with legs and transfers)",
    "agents_day": "agent report, every agent, one day",
    "purge_batch": "retention purge, one batch (1,000 calls and their legs, 1,000 events)",
}


def reports_lines(d: dict[str, Any], measured_by: list[str]) -> list[str]:
    lines = [
        "## Reports over stored calls",
        "",
        f"{d['calls']:,} calls over {d['days']} days written into a fresh SQLite database "
        f"({d['write_s']:.0f} s to write), three inbound campaigns, then each report read "
        f"{d['runs']} times through agentbar's report service (`bench/reports.py`); the median "
        f"and the slowest run. Goal: every report within {GOAL_S:g} s.",
        "",
        *measured_by,
        "",
        "| report | median | slowest | goal |",
        "|---|---:|---:|---|",
    ]
    for key, label in LABELS.items():
        timed = d["timed"].get(key)
        if timed is None:
            continue
        slowest = timed.get("max_s", timed["median_s"])
        met = "met" if slowest <= GOAL_S else "**missed**"
        lines.append(
            f"| {label} | {timed['median_s'] * 1000:.0f} ms | {slowest * 1000:.0f} ms | {met} |"
        )
    return [*lines, ""]
