"""The bench's outputs: results.json, BENCHMARKS.md and the latency plot."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the plot is only ever written to a file
import matplotlib.pyplot as plt


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def write_plot(results: dict[str, Any], path: Path) -> None:
    points = results["load"]
    agents = [p["point"]["agents"] for p in points]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for q in ("p50", "p95", "p99"):
        axes.plot(agents, [p["offer_latency_ms"][q] for p in points], marker="o", label=q)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("socket agents logged in and ready")
    axes.set_ylabel("call.offered latency, ms (event 'at' → client)")
    axes.set_title("agentbar offer latency against agent count")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _f(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def write_markdown(results: dict[str, Any], path: Path, plot: Path) -> None:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by:",
        "",
        "```sh",
        results["command"],
        "```",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mib']:,} MiB memory, "
        f"Python {m['python']}, Linux {m['kernel']}. Commit `{results['commit']}`, "
        f"run at {results['finished']} "
        f"in {results['wall_s']:.0f} s.",
        "",
        "The server is one `agentbar serve` process (SQLite, simulator, memory bus; log level "
        "warning). Socket agents are separate worker processes, each an asyncio loop of "
        "`websockets` connections, logged in with login tokens (`AUTH_TYPE_TOKEN`), ready in one "
        "inbound campaign; on each screen pop an agent talks "
        f"{results['load'][0]['point']['talk_s']} s, hangs up and disposes. Calls come through "
        "`POST /api/v1/simulator/calls` at a fixed rate (open loop); the phones auto-answer.",
        "",
        "## Load",
        "",
        "| agents | calls/s offered | placed | completed | lifecycles/s | offer p50 / p95 / p99 ms "
        "| screen pop p50 / p99 ms | POST p50 / p99 ms | logins/s | memory per agent KiB "
        "| server CPU per call ms | errors |",
        "|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---|",
    ]
    for p in results["load"]:
        o, s, h = p["offer_latency_ms"], p["screen_pop_latency_ms"], p["post_latency_ms"]
        lines.append(
            f"| {p['point']['agents']:,} | {p['point']['rate']:g} | {p['calls_placed']:,} "
            f"| {p['calls_completed']:,} | {_f(p['lifecycles_per_s'])} "
            f"| {_f(o['p50'])} / {_f(o['p95'])} / {_f(o['p99'])} "
            f"| {_f(s['p50'])} / {_f(s['p99'])} | {_f(h['p50'])} / {_f(h['p99'])} "
            f"| {_f(p['logins_per_s'], 0)} | {_f(p['memory_per_agent_kib'])} "
            f"| {_f(p['cpu_ms_per_call'], 2)} | {p['errors'] or 'none'} |"
        )
    lines += [
        "",
        "- *offer latency*: `call.offered`'s `at` (the server's `time.time()` when it decided) to "
        "the agent's client reading the frame; *screen pop*: the same for `call.screen_pop`.",
        "- *lifecycles/s*: calls offered, talked, hung up and disposed, over the time from the "
        "first POST to the last disposition; it is bounded by the offered rate.",
        "- *memory per agent*: server VmRSS after all logins minus before, divided by agents.",
        "- *CPU per call*: server utime+stime over the call phase divided by completed calls.",
        "",
        f"![offer latency against agents]({os.path.relpath(plot, path.parent)})",
        "",
    ]
    base = results.get("baseline")
    if base is not None:
        lines += [
            "### Before and after",
            "",
            f"Before: commit `{base.get('commit', 'unknown')}`, `{base['command']}`, "
            f"at {base['finished']}. After: commit `{results['commit']}`, the command above.",
            "",
            "| agents | lifecycles/s before → after | offer p99 ms before → after "
            "| server CPU per call ms before → after | logins/s before → after "
            "| memory per agent KiB before → after |",
            "|---:|---|---|---|---|---|",
        ]
        for old, new in zip(base["load"], results["load"], strict=False):
            lines.append(
                f"| {new['point']['agents']:,} "
                f"| {_f(old['lifecycles_per_s'])} → {_f(new['lifecycles_per_s'])} "
                f"| {_f(old['offer_latency_ms']['p99'])} → {_f(new['offer_latency_ms']['p99'])} "
                f"| {_f(old['cpu_ms_per_call'], 2)} → {_f(new['cpu_ms_per_call'], 2)} "
                f"| {_f(old['logins_per_s'], 0)} → {_f(new['logins_per_s'], 0)} "
                f"| {_f(old['memory_per_agent_kib'])} → {_f(new['memory_per_agent_kib'])} |"
            )
        lines.append("")
    b = results.get("browser")
    if b is not None:
        ms = b["browser_screen_pop_ms"]
        lines += [
            "## Screen pop in Chromium",
            "",
            f"From the bench's `time.time()` just before `POST /api/v1/simulator/calls` to the CRM "
            f"page's `showCrm` handler running (`Date.now()`), in Debian's Chromium (Playwright), "
            f"the CRM page on its own origin with the glue script and the toolbar iframe; "
            f"{int(ms['count'])} calls one after another, with {b['point']['agents']:,} socket "
            f"agents taking {b['point']['rate']:g} calls/s in the background "
            f"({b['calls_completed']:,} completed, background offer p99 "
            f"{_f(b['offer_latency_ms']['p99'])} ms).",
            "",
            "| p50 ms | p95 ms | p99 ms | max ms |",
            "|---:|---:|---:|---:|",
            f"| {_f(ms['p50'])} | {_f(ms['p95'])} | {_f(ms['p99'])} | {_f(ms['max'])} |",
            "",
        ]
    prof = results.get("profile")
    if prof is not None:
        lines += [
            "## Profile",
            "",
            f"py-spy (`record --nonblocking --rate 200`) on the server during the "
            f"{prof['agents']:,}-agent call phase, {prof['samples']:,} samples. Share of samples:",
            "",
            "| self % | function (where the samples were) |",
            "|---:|---|",
            *[f"| {share:.1f} | `{name}` |" for name, share in prof["self"]],
            "",
            "| inclusive % | agentbar function (on the stack) |",
            "|---:|---|",
            *[f"| {share:.1f} | `{name}` |" for name, share in prof["inclusive"]],
            "",
        ]
    lines += results.get("notes", [])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
