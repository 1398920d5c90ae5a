"""The "Dialer" section of docs/BENCHMARKS.md and its plot: bench/dialer.py's figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the plot is only ever written to a file
import matplotlib.pyplot as plt

from bench.dialer import PLOTTED


def _pairs(d: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(progressive, predictive) runs with the same answer rate and ring."""
    by_key: dict[tuple[float, int, str], dict[str, Any]] = {}
    for run in d["runs"]:
        s = run["settings"]
        by_key[(s["answer_rate"], s["min_ring_seconds"], s["mode"])] = run
    keys = sorted({(rate, ring) for rate, ring, _ in by_key})
    return [(by_key[(r, g, "progressive")], by_key[(r, g, "predictive")]) for r, g in keys]


def write_dialer_plot(d: dict[str, Any], path: Path) -> None:
    run = next(
        p
        for _, p in _pairs(d)
        if (p["settings"]["answer_rate"], p["settings"]["min_ring_seconds"]) == PLOTTED
    )
    hours = [s[0] / 3600.0 for s in run["samples"]]
    figure, rate_axes = plt.subplots(figsize=(7, 4.5))
    limit = run["settings"]["abandon_limit"] * 100
    rate_axes.plot(hours, [s[3] * 100 for s in run["samples"]], label="abandon rate in window, %")
    rate_axes.axhline(limit, color="red", linestyle="--", label=f"limit {limit:g}%")
    rate_axes.set_xlabel("simulated hours")
    rate_axes.set_ylabel("abandoned / live-answered, %")
    level_axes = rate_axes.twinx()
    level_axes.plot(hours, [s[1] for s in run["samples"]], color="green", label="dial level")
    level_axes.set_ylabel("dial level")
    s = run["settings"]
    rate_axes.set_title(
        f"predictive, {s['agents']} agents, answer rate {s['answer_rate']:.0%}: a simulated day"
    )
    handles = rate_axes.get_legend_handles_labels()
    more = level_axes.get_legend_handles_labels()
    rate_axes.legend(handles[0] + more[0], handles[1] + more[1], loc="upper right")
    rate_axes.grid(True, alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def dialer_lines(d: dict[str, Any], measured_by: list[str], plot: Path, doc: Path) -> list[str]:
    plan = d["plan"]
    lines = [
        "## Dialer: progressive against predictive",
        "",
        *measured_by,
        f"`agentbar dialer-sim` runs (`src/agentbar/dialer_sim.py`): {plan['agents']} agents "
        f"with auto-call on for {plan['hours']:g} simulated hours, exponential talk (mean "
        f"{plan['talk_mean']:g} s) and wrap-up (mean {plan['wrap_mean']:g} s), "
        f"{plan['machine_rate']:.0%} answering machines, 10% busy, the rest not answered; "
        "2-4 s from dial to ringing, 2-11 s of ringing before an answer, 2-4 s of machine "
        "detection; abandon limit 3% over 30 days; seed "
        f"{plan['seed']}. Each pair is one run of each mode on the same seed.",
        "",
        "| answer rate | no-answer ring | mode | talk min per agent-hour | occupancy "
        "| abandon rate | worst window | dialled | answered | abandoned | wait s per agent-hour "
        "| simulated in |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ratios: list[str] = []
    for progressive, predictive in _pairs(d):
        for run in (progressive, predictive):
            s, m = run["settings"], run["summary"]
            lines.append(
                f"| {s['answer_rate']:.0%} | {s['min_ring_seconds']} s | {s['mode']} "
                f"| {m['talkMinutesPerAgentHour']:.1f} | {m['occupancy']:.1%} "
                f"| {m['abandonRate']:.2%} | {m['maxWindowAbandonRate']:.2%} | {m['dialed']:,} "
                f"| {m['answered']:,} | {m['abandoned']:,} | {m['waitSecondsPerAgentHour']:,.0f} "
                f"| {run['wall_s']:.1f} s |"
            )
        s = predictive["settings"]
        ratio = (
            predictive["summary"]["talkMinutesPerAgentHour"]
            / progressive["summary"]["talkMinutesPerAgentHour"]
        )
        ring = s["min_ring_seconds"]
        ratios.append(f"{s['answer_rate']:.0%} with a {ring} s ring: {ratio:.2f} times")
    lines += [
        "",
        "Predictive talk minutes per agent-hour over progressive's: " + "; ".join(ratios) + ".",
        "*worst window*: the highest abandon rate the campaign's window showed at any minute "
        "of the day (the figure the law reads); *abandon rate*: over the whole run, people "
        "taken for machines included.",
        "",
        f"![abandon rate and dial level over a simulated day]({os.path.relpath(plot, doc.parent)})",
        "",
    ]
    return lines
