"""`python -m bench` (see bench/run): the whole suite, then the report."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import json
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import machine, report
from bench.attacks import run_all as run_attacks
from bench.capacity import FULL_CAPACITY, QUICK_CAPACITY, SETUPS, run_capacity
from bench.dialer import FULL_DIALER, QUICK_DIALER, run_dialer
from bench.dialer_report import write_dialer_plot
from bench.drill import FULL_DRILL, QUICK_DRILL, run_drill
from bench.drill_cluster import FULL_CLUSTER_DRILL, QUICK_CLUSTER_DRILL, run_cluster_drill
from bench.load import LoadPoint, run_point
from bench.memory import FULL_MEMORY, QUICK_MEMORY, run_memory
from bench.memory_report import write_memory_section
from bench.phones import FULL_PHONES, QUICK_PHONES, run_phones
from bench.pop_load import FULL_POP, QUICK_POP, run_pop
from bench.profile import top_entries
from bench.reports import FULL_REPORTS, QUICK_REPORTS, run_reports
from bench.screenpop import crm_page_server, measure
from bench.server import BenchServer
from bench.soak import FULL_SOAK, SoakPlan, run_soak
from bench.soak_report import table
from bench.targets import assess

ROOT = Path(__file__).resolve().parent.parent


# Talk time 1 s. 100 agents can take ~100 calls/s at most, so they get 50/s; the others get
# the 200/s target. The browser run keeps 1,000 agents busy at 50 calls/s behind it.
@dataclass(frozen=True)
class Plan:
    load: list[LoadPoint]
    browser: LoadPoint  # its duration is an upper bound: the calls stop with the browser's
    browser_calls: int


FULL = Plan(
    [LoadPoint(n, 50 if n < 1000 else 200, 1.0, 20.0) for n in (100, 1000, 2000, 5000)],
    LoadPoint(1000, 50, 1.0, 600.0),
    200,
)
QUICK = Plan([LoadPoint(n, 10, 0.2, 2.0) for n in (10, 20)], LoadPoint(10, 5, 0.2, 60.0), 5)


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny N, a few seconds")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "bench-latency.png")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium run")
    parser.add_argument(
        "--baseline", type=Path, help="an earlier results.json to show beside this run's load"
    )
    parser.add_argument(
        "--drill",
        action="store_true",
        help="only the restart drill (kill -9 under load); updates the drill's part of the "
        "outputs and keeps the rest",
    )
    parser.add_argument(
        "--drill-cluster",
        action="store_true",
        help="only the owner-killed drill on three nodes (PostgreSQL, Redis, HAProxy); updates "
        "its part of the outputs and keeps the rest",
    )
    parser.add_argument("--seed", type=int, help="the drill's RNG seed (default: a random one)")
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="only the capacity ramp: the offered rate climbs until offer p99 passes 50 ms, on "
        "one node (SQLite, PostgreSQL) and on three; updates its part of the outputs and keeps "
        "the rest",
    )
    parser.add_argument(
        "--setup",
        action="append",
        choices=SETUPS,
        help="with --capacity: only this setup (repeatable; default: all)",
    )
    parser.add_argument(
        "--overload-steps",
        type=int,
        default=1,
        metavar="N",
        help="with --capacity: N steps at twice the ceiling's rate, one after the other "
        "(default 1)",
    )
    soak = parser.add_argument_group(
        "soak",
        "--soak: only the soak (agents working calls for minutes, the server sampled); "
        "updates its part of the outputs and keeps the rest; exits 1 when a call was lost or "
        "memory or descriptors were not flat",
    )
    soak.add_argument("--soak", action="store_true", help="run the soak")
    soak.add_argument("--agents", type=_count, help=f"socket agents (default {FULL_SOAK.agents})")
    soak.add_argument("--rate", type=_positive, help=f"calls/s (default {FULL_SOAK.rate:g})")
    soak.add_argument("--minutes", type=_positive, help=f"default {FULL_SOAK.minutes:g}")
    soak.add_argument(
        "--sample", type=_positive, help=f"seconds between samples (default {FULL_SOAK.sample_s:g})"
    )
    soak.add_argument(
        "--flat-within",
        type=_positive,
        help=f"max/min allowed past the warm-up, less 1 (default {FULL_SOAK.flat_within:g})",
    )
    parser.add_argument(
        "--attacks",
        action="store_true",
        help="only the attacks and bad days (bench/attacks.py), on this checkout and on "
        "--before; updates their part of the outputs and keeps the rest",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="with --attacks: another checkout's src folder to measure the same way (e.g. "
        "`git archive <commit> src | tar -x -C DIR` then DIR/src)",
    )
    parser.add_argument(
        "--pop",
        action="store_true",
        help="only the screen pop in Chromium against its floor, at several background loads "
        f"({FULL_POP.agents:,} agents taking "
        f"{', '.join(f'{r:g}' for r in FULL_POP.rates)} calls/s); updates its part of the "
        "outputs and keeps the rest",
    )
    parser.add_argument(
        "--phones",
        action="store_true",
        help="only the browser phone and conferences (bench/phones.py): concurrent calls and "
        "rooms held by Janus and agentbar, CPU per call; updates its part of the outputs",
    )
    parser.add_argument(
        "--reports",
        action="store_true",
        help="only the reports (bench/reports.py): a month of calls (1,000,000) written into "
        "SQLite, each report timed; updates its part of the outputs",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="only the memory per connected agent (bench/memory.py): N agents logged in and "
        f"idle (--agents, default {FULL_MEMORY.agents:,}), the server's RSS per agent and a "
        "tracemalloc profile of what holds it; --baseline: an earlier results.json whose memory "
        "figures are shown as the before; updates its part of the outputs and keeps the rest",
    )
    parser.add_argument(
        "--dialer",
        action="store_true",
        help="only the dialer comparison (bench/dialer.py, no server: the planning simulator); "
        "updates its part of the outputs and keeps the rest",
    )
    return parser.parse_args(argv)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, not {text}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


SOAK_OPTIONS = ("agents", "rate", "minutes", "sample", "flat_within")

SUITE_KEYS = frozenset(
    {"command", "machine", "commit", "load", "profile", "browser", "dialer", "wall_s"}
    | {"finished", "notes", "baseline"}
)
"""The keys of results.json that the whole suite's run writes (the baseline only when given
one). Every other key is a run made apart (the drills, the capacity ramp, the soak, the
phones, the reports…), which the suite's run keeps until that run is made again: a list of
those to keep, rather than of these, lost the phones' and the reports' figures once a run
apart was added and not listed."""


def kept_apart(earlier: dict[str, Any]) -> dict[str, Any]:
    """The figures of the runs made apart, from an earlier results.json."""
    return {key: value for key, value in earlier.items() if key not in SUITE_KEYS}


def _drill(options: argparse.Namespace, argv: list[str]) -> int:
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    key = "drill_cluster" if options.drill_cluster else "drill"
    name = "owner-killed drill (three nodes)" if options.drill_cluster else "restart drill"
    print(f"bench: {name}, seed {seed}", file=sys.stderr, flush=True)

    def measure(scratch: Path) -> dict[str, Any]:
        if options.drill_cluster:
            plan = QUICK_CLUSTER_DRILL if options.quick else FULL_CLUSTER_DRILL
            return run_cluster_drill(plan, scratch / "drill-cluster", seed)
        plan = QUICK_DRILL if options.quick else FULL_DRILL
        return run_drill(plan, scratch / "drill", seed)

    return _run_apart(options, argv, key, measure)


def _capacity(options: argparse.Namespace, argv: list[str]) -> int:
    plan = QUICK_CAPACITY if options.quick else FULL_CAPACITY
    plan = dataclasses.replace(plan, overload_steps=options.overload_steps)
    chosen = options.setup or SETUPS
    setups = [name for name in SETUPS if name in chosen]  # in their order, each once

    def measure(scratch: Path) -> dict[str, Any]:
        return run_capacity(plan, scratch / "capacity", setups)

    return _run_apart(options, argv, "capacity", measure)


def _soak(options: argparse.Namespace, argv: list[str]) -> int:
    plan = SoakPlan(
        agents=options.agents or FULL_SOAK.agents,
        rate=options.rate or FULL_SOAK.rate,
        minutes=options.minutes or FULL_SOAK.minutes,
        sample_s=options.sample or FULL_SOAK.sample_s,
        flat_within=options.flat_within or FULL_SOAK.flat_within,
    )
    if plan.sample_s > plan.duration_s:
        raise SystemExit("bench/run: --sample is longer than the soak (--minutes)")
    print(f"bench: soak, {plan}", file=sys.stderr, flush=True)
    passed: list[bool] = []

    def measure(scratch: Path) -> dict[str, Any]:
        measured = run_soak(plan, scratch / "soak")
        print(table(measured), flush=True)
        passed.append(measured["passed"])
        return measured

    _run_apart(options, argv, "soak", measure)
    return 0 if passed == [True] else 1


def _attacks(options: argparse.Namespace, argv: list[str]) -> int:
    before: Path | None = options.before.resolve() if options.before else None

    def measure(_: Path) -> dict[str, Any]:
        return {
            "before_label": _label(before) if before else None,
            "before": asyncio.run(run_attacks(before)) if before else None,
            "after": asyncio.run(run_attacks(ROOT / "src")),
        }

    return _run_apart(options, argv, "attacks", measure)


def _pop(options: argparse.Namespace, argv: list[str]) -> int:
    def measure(scratch: Path) -> dict[str, Any]:
        return run_pop(QUICK_POP if options.quick else FULL_POP, scratch / "pop")

    return _run_apart(options, argv, "pop", measure)


def _phones(options: argparse.Namespace, argv: list[str]) -> int:
    def measure(_: Path) -> dict[str, Any]:
        return run_phones(QUICK_PHONES if options.quick else FULL_PHONES)

    return _run_apart(options, argv, "phones", measure)


def _reports(options: argparse.Namespace, argv: list[str]) -> int:
    def measure(_: Path) -> dict[str, Any]:
        return run_reports(QUICK_REPORTS if options.quick else FULL_REPORTS)

    return _run_apart(options, argv, "reports", measure)


def _dialer(options: argparse.Namespace, argv: list[str]) -> int:
    def measure(_: Path) -> dict[str, Any]:
        measured = run_dialer(QUICK_DIALER if options.quick else FULL_DIALER)
        write_dialer_plot(measured, report.dialer_plot_path(options.markdown))
        return measured

    return _run_apart(options, argv, "dialer", measure)


def _memory(options: argparse.Namespace, argv: list[str]) -> int:
    plan = QUICK_MEMORY if options.quick else FULL_MEMORY
    if options.agents is not None:
        plan = replace(plan, agents=options.agents)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="agentbar-memory-") as scratch:
        measured = run_memory(plan, Path(scratch))
    if options.baseline is not None:
        earlier = json.loads(options.baseline.read_text())["memory"]
        measured["before"] = {k: v for k, v in earlier.items() if k != "before"}
    results: dict[str, Any] = json.loads(options.json.read_text()) if options.json.exists() else {}
    results["memory"] = _measured_here(argv, started, measured)
    report.write_json(results, options.json)
    # Spliced into the page rather than the page rewritten from results.json (as _run_apart
    # does): the other sections stay exactly as they are.
    write_memory_section(results["memory"], options.markdown)
    print(f"bench: wrote {options.markdown}, {options.json}", file=sys.stderr)
    return 0


def _measured_here(argv: list[str], started: float, measured: dict[str, Any]) -> dict[str, Any]:
    """A section's figures with how, where and when they were measured."""
    return {
        "command": "bench/run " + shlex.join(argv) if argv else "bench/run",
        "machine": machine.describe(),
        "commit": machine.commit(ROOT),
        "wall_s": time.monotonic() - started,
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **measured,
    }


def _label(src: Path) -> str:
    """The checkout a src folder came from: its git commit, else the folder's name."""
    found = machine.commit(src.parent) if (src.parent / ".git").exists() else ""
    return found or src.parent.name


def _run_apart(
    options: argparse.Namespace,
    argv: list[str],
    key: str,
    measure: Callable[[Path], dict[str, Any]],
) -> int:
    """A run apart from the suite: its figures under `key` in results.json, the rest kept."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"agentbar-{key.replace('_', '-')}-") as scratch:
        measured = measure(Path(scratch))
    results: dict[str, Any] = json.loads(options.json.read_text()) if options.json.exists() else {}
    results[key] = _measured_here(argv, started, measured)
    report.write_json(results, options.json)
    report.write_markdown(results, options.markdown, options.plot)
    print(f"bench: wrote {options.markdown}, {options.json}", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    options = _options(argv)
    if options.drill + options.drill_cluster + options.capacity + options.soak > 1:
        raise SystemExit("bench/run: --drill, --drill-cluster, --capacity or --soak, one at a time")
    if options.setup and not options.capacity:
        raise SystemExit("bench/run: --setup goes with --capacity")
    if options.overload_steps != 1 and not options.capacity:
        raise SystemExit("bench/run: --overload-steps goes with --capacity")
    if options.overload_steps < 1:
        raise SystemExit("bench/run: --overload-steps is at least 1")
    given = [name for name in SOAK_OPTIONS if getattr(options, name) is not None]
    if options.memory:  # --agents is the memory bench's too
        given = [name for name in given if name != "agents"]
    if given and not options.soak:
        raise SystemExit(f"bench/run: --{given[0].replace('_', '-')} goes with --soak")
    if options.soak:
        return _soak(options, argv)
    if options.before is not None and not options.attacks:
        raise SystemExit("bench/run: --before goes with --attacks")
    if options.attacks:
        return _attacks(options, argv)
    if options.memory:
        return _memory(options, argv)
    if options.dialer:
        return _dialer(options, argv)
    if options.pop:
        return _pop(options, argv)
    if options.phones:
        return _phones(options, argv)
    if options.reports:
        return _reports(options, argv)
    if options.capacity:
        return _capacity(options, argv)
    if options.drill or options.drill_cluster:
        return _drill(options, argv)
    plan = QUICK if options.quick else FULL
    started = time.monotonic()
    results: dict[str, Any] = {
        "command": "bench/run " + shlex.join(argv) if argv else "bench/run",
        "machine": machine.describe(),
        "commit": machine.commit(ROOT),
        "load": [],
    }
    with tempfile.TemporaryDirectory(prefix="agentbar-bench-") as scratch:
        work = Path(scratch)
        for i, point in enumerate(plan.load):
            largest = i == len(plan.load) - 1
            profile_path = work / "profile.txt" if largest else None
            print(f"bench: {point}", file=sys.stderr, flush=True)
            outcome = run_point(point, work / f"load-{point.agents}", [], profile_path)
            results["load"].append(outcome)
            if profile_path is not None and profile_path.exists():
                results["profile"] = {"agents": point.agents, **top_entries(profile_path)}
        if not options.no_browser:
            background, calls = plan.browser, plan.browser_calls
            print(f"bench: browser, {calls} calls over {background}", file=sys.stderr, flush=True)
            with crm_page_server() as (crm, set_base):

                def in_browser(server: BenchServer) -> dict[str, Any]:
                    set_base(server.base_url)
                    return measure(server, crm, calls)

                results["browser"] = run_point(
                    background, work / "browser", [crm.origin], during=in_browser
                )
    print("bench: dialer, progressive against predictive", file=sys.stderr, flush=True)
    dialer_started = time.monotonic()
    dialer = run_dialer(QUICK_DIALER if options.quick else FULL_DIALER)
    results["dialer"] = _measured_here(argv, dialer_started, dialer)
    write_dialer_plot(dialer, report.dialer_plot_path(options.markdown))
    results["wall_s"] = time.monotonic() - started
    results["finished"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["notes"] = assess(results)
    if options.baseline is not None:
        results["baseline"] = json.loads(options.baseline.read_text())
    if options.json.exists():  # the figures of the runs apart stay until their next runs
        results |= kept_apart(json.loads(options.json.read_text()))
    report.write_json(results, options.json)
    report.write_plot(results, options.plot)
    report.write_markdown(results, options.markdown, options.plot)
    print(f"bench: wrote {options.markdown}, {options.json}, {options.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
