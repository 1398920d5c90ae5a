"""The "Soak" section of BENCHMARKS.md and the table the soak prints: bench/soak.py's figures."""

from __future__ import annotations

from typing import Any

from bench.soak import FULL_SOAK, WARM_UP_SHARE
from bench.stats import fixed as _f

COMMAND = (
    f"bench/run --soak --agents {FULL_SOAK.agents} --rate {FULL_SOAK.rate:g} "
    f"--minutes {FULL_SOAK.minutes:g} --sample {FULL_SOAK.sample_s:g}"
)

NOT_YET_MEASURED = (
    f"*30-minute figures: not yet measured here. Run `{COMMAND}` (its defaults) on a quiet "
    "machine; it replaces this line with its figures.*"
)


def _description(
    agents: int, rate: float, minutes: float, sample_s: float, within: float
) -> list[str]:
    return [
        f"One `agentbar serve` (SQLite, simulator answering at once, log level warning); "
        f"{agents:,} socket agents logged in and ready, working every call (1 s talk, then hang "
        f"up and dispose); calls offered through `POST /api/v1/simulator/calls` at "
        f"{rate:g}/s for {minutes:g} minutes, open loop. Every {sample_s:g} s the server's "
        "VmRSS, its open file descriptors (`/proc/<pid>/fd`) and its CPU are read and the agents "
        "hand over what they measured. The table sums the samples up per minute: calls placed "
        "(POSTs acknowledged), offered, answered (screen pops) and ended (disposed); offer "
        "latency p50 / p99 (`call.offered`'s `at` to the agent reading it, as in the load "
        "table); RSS and descriptors at the minute's last sample; mean server CPU, in % of one "
        "core. Then the "
        "calls stop, every call is let finish, and each call the server acknowledged is looked "
        "up in its database: *lost* when it did not end (disposed or abandoned), whether gone "
        "or still live on the floor.",
        "",
        f"*Flat*: past the warm-up (the first {WARM_UP_SHARE:.0%} of the call phase, while "
        "caches, allocator arenas and connection pools fill), the largest RSS sample is "
        f"within {within:.0%} of the smallest, and so are the descriptors. The run exits "
        "non-zero when a call was lost or either is not flat.",
        "",
    ]


def soak_lines(d: dict[str, Any] | None, measured_by: list[str]) -> list[str]:
    """The section; while no soak has been run, what it will measure and a placeholder."""
    lines = ["## Soak", ""]
    if d is None:
        p = FULL_SOAK
        return [
            *lines,
            "Measured by:",
            "",
            "```sh",
            COMMAND,
            "```",
            "",
            *_description(p.agents, p.rate, p.minutes, p.sample_s, p.flat_within),
            NOT_YET_MEASURED,
            "",
        ]
    p, flat = d["plan"], d["flatness"]
    lines += [
        *measured_by,
        *_description(p["agents"], p["rate"], p["minutes"], p["sample_s"], p["flat_within"]),
        f"**{'Passed' if d['passed'] else 'Failed'}.** {verdict(d)}",
        "",
        f"Logins took {_f(d['login_s'])} s; server RSS after them "
        f"{_f(d['server_rss_after_logins_mib'])} MiB. After the calls stopped they drained "
        f"in {_f(d['drain_s'])} s. Agents' command "
        f"errors: {d['agent_errors'] or 'none'}. Warm-up {_f(flat['warm_up_s'], 0)} s, "
        f"{flat['samples_judged']} samples judged.",
        "",
        *_minutes_table(d),
        "",
    ]
    return lines


def verdict(d: dict[str, Any]) -> str:
    flat = d["flatness"]
    return (
        f"{d['calls_placed']:,} calls placed ({d['calls_failed']:,} POSTs refused or failed), "
        f"{d['calls_ended']:,} ended, **{d['calls_lost']:,} lost** "
        f"({d['calls_live_after_drain']:,} of them still live after the drain). Past the "
        f"warm-up, RSS max/min **{_f(flat['rss_ratio'], 3)}** and descriptors max/min "
        f"**{_f(flat['fds_ratio'], 3)}** (flat within {flat['within']:.0%}: "
        f"{'yes' if flat['flat'] else 'no'})."
    )


def _minutes_table(d: dict[str, Any]) -> list[str]:
    rows = [
        "| minute | placed | offered | answered | ended | offer p50 / p99 ms "
        "| server RSS MiB | open fds | server CPU % |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for m in d["minutes"]:
        rows.append(
            f"| {m['minute']} | {m['placed']:,} | {m['offered']:,} | {m['answered']:,} "
            f"| {m['ended']:,} | {_f(m['offer_p50_ms'])} / {_f(m['offer_p99_ms'])} "
            f"| {_f(m['rss_mib'])} | {m['fds']:,} | {_f(m['cpu_percent'], 0)} |"
        )
    return rows


def table(d: dict[str, Any]) -> str:
    """What the soak prints when it ends: the minutes, then the verdict."""
    header = (
        f"{'min':>4} {'placed':>7} {'offered':>7} {'answered':>8} {'ended':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'RSS MiB':>8} {'fds':>6} {'CPU %':>6}"
    )
    lines = [header]
    for m in d["minutes"]:
        lines.append(
            f"{m['minute']:>4} {m['placed']:>7} {m['offered']:>7} {m['answered']:>8} "
            f"{m['ended']:>7} {_f(m['offer_p50_ms']):>7} {_f(m['offer_p99_ms']):>7} "
            f"{_f(m['rss_mib']):>8} {m['fds']:>6} {_f(m['cpu_percent'], 0):>6}"
        )
    lines.append(f"{'PASSED' if d['passed'] else 'FAILED'}: {verdict(d)}".replace("**", ""))
    return "\n".join(lines)
