"""The soak: N socket agents working calls offered at R/s for M minutes, the server sampled
as it goes, to show that nothing grows with time and no call is lost.

Every sampling interval (10 s by default) the server's RSS, open file descriptors and CPU are
read from /proc and the agents hand over what they measured in it (offer latencies, calls
answered and ended); the intervals are summed up per minute. Once the calls stop and every call
is let finish, each call the server acknowledged is looked up in its database, the way the
drills count them (bench/drill_analysis.py): ended (disposed or abandoned), or lost. The soak
waits for the calls to drain, so one still live on the floor then is lost as well.

Memory and descriptors are *flat* when, past the warm-up (the first `WARM_UP_SHARE` of the call
phase: 6 of 30 minutes), their largest sample is within `flat_within` of their smallest.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.calls import Generated, place_calls
from bench.drill_common import SqliteStore, Store
from bench.load import CRM_ORIGIN, Door, Fleet, workers_for
from bench.machine import cpu_seconds, open_fds, rss_bytes
from bench.server import CAMPAIGN, bench_server
from bench.stats import percentile

WARM_UP_SHARE = 0.2
"""The share of the call phase left out of the flatness check: the server's caches, the
allocator's arenas and the connection pools fill during the first minutes, and a share rather
than a fixed time lets a short smoke run be judged the same way as the 30-minute soak."""

ENDED = ("disposed", "abandoned")
"""The states of a call that is over, as the drills count them."""


@dataclass(frozen=True)
class SoakPlan:
    agents: int
    rate: float
    minutes: float
    sample_s: float
    talk_s: float = 1.0
    flat_within: float = 0.10
    """How far the largest sample past the warm-up may be above the smallest: 0.10 is 10%."""
    drain_timeout_s: float = 60.0

    @property
    def duration_s(self) -> float:
        return self.minutes * 60.0

    @property
    def samples(self) -> int:
        return max(1, round(self.duration_s / self.sample_s))


FULL_SOAK = SoakPlan(agents=1000, rate=20.0, minutes=30.0, sample_s=10.0)


@dataclass(frozen=True)
class Sample:
    """The server at the end of one sampling interval, and the calls in the interval."""

    at_s: float
    """The interval's planned end, from the first call: k times the sampling interval."""
    taken_s: float
    """When it was taken, from the first call (late by the time the reads took)."""
    rss_mib: float
    fds: int
    cpu_percent: float
    """Server utime+stime over the interval, in % of one core."""
    placed: int
    """Calls the server acknowledged (POST answered 201) in the interval."""
    answered: int
    """Screen pops the agents received: calls connected to them."""
    ended: int
    """Calls the agents disposed."""
    offer_latency_s: list[float] = field(default_factory=list)
    """Each `call.offered` in the interval: its `at` to the agent reading it."""

    def record(self) -> dict[str, Any]:
        """As written to the results: the latencies are summed up per minute instead."""
        kept = asdict(self)
        del kept["offer_latency_s"]
        kept["offered"] = len(self.offer_latency_s)
        return kept


# -- what the samples say ------------------------------------------------------------------


def warm_up_s(duration_s: float) -> float:
    return duration_s * WARM_UP_SHARE


def flatness(samples: Sequence[Sample], warm_up: float, within: float) -> dict[str, Any]:
    """Largest over smallest of RSS and of descriptors among the samples past `warm_up`
    seconds; flat when both ratios are at most 1 + `within`. Fewer than two samples past the
    warm-up cannot show a trend, so they are not flat."""
    settled = [s for s in samples if s.at_s > warm_up]
    rss = _spread([s.rss_mib for s in settled])
    fds = _spread([float(s.fds) for s in settled])
    judged = len(settled) >= 2
    return {
        "warm_up_s": warm_up,
        "samples_judged": len(settled),
        "rss_ratio": rss,
        "fds_ratio": fds,
        "within": within,
        "flat": judged and rss <= 1.0 + within and fds <= 1.0 + within,
    }


def passed(calls_lost: int, flat: dict[str, Any]) -> bool:
    """The soak's verdict: no call lost, and memory and descriptors flat."""
    return calls_lost == 0 and bool(flat["flat"])


def _spread(values: list[float]) -> float:
    if not values or min(values) <= 0:
        return math.nan
    return max(values) / min(values)


def per_minute(samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """The samples summed up by the minute their interval ends in: minute m holds the
    intervals ending in (60m, 60(m+1)] s. Offer latency p50/p99 over the minute's offers; RSS
    and descriptors as at the minute's last sample; CPU the mean of its intervals."""
    minutes: dict[int, list[Sample]] = {}
    for sample in samples:
        minute = max(0, math.ceil(sample.at_s / 60.0) - 1)
        minutes.setdefault(minute, []).append(sample)
    figures = []
    for minute, inside in sorted(minutes.items()):
        latencies = [x for s in inside for x in s.offer_latency_s]
        figures.append(
            {
                "minute": minute + 1,
                "placed": sum(s.placed for s in inside),
                "offered": len(latencies),
                "answered": sum(s.answered for s in inside),
                "ended": sum(s.ended for s in inside),
                "offer_p50_ms": percentile(latencies, 50) * 1000,
                "offer_p99_ms": percentile(latencies, 99) * 1000,
                "rss_mib": inside[-1].rss_mib,
                "fds": inside[-1].fds,
                "cpu_percent": sum(s.cpu_percent for s in inside) / len(inside),
            }
        )
    return figures


def call_fates(store: Store, call_ids: Sequence[str]) -> dict[str, Any]:
    """What became of the calls the server acknowledged: ended (disposed or abandoned), still
    live on the stored floor, or gone from both (lost, as the drills count it). The soak lets
    every call finish first, so the live ones count as lost too."""
    states = {r["call_id"]: r["state"] for r in store.query("SELECT call_id, state FROM calls")}
    on_floor = {r["call_id"] for r in store.query("SELECT call_id FROM floor_calls")}
    unended = [c for c in call_ids if states.get(c) not in ENDED]
    live = [c for c in unended if c in on_floor]
    return {
        "calls_ended": len(call_ids) - len(unended),
        "calls_abandoned": sum(1 for c in call_ids if states.get(c) == "abandoned"),
        "calls_live_after_drain": len(live),
        "calls_lost": len(unended),
        "lost_calls": [(c, states.get(c), c in on_floor) for c in unended[:20]],
    }


# -- the run -------------------------------------------------------------------------------


@dataclass
class _Meter:
    """The server's CPU time between two samples."""

    pid: int
    cpu_s: float
    at: float

    def cpu_percent(self) -> float:
        cpu, now = cpu_seconds(self.pid), time.monotonic()
        share = (cpu - self.cpu_s) / (now - self.at) * 100 if now > self.at else math.nan
        self.cpu_s, self.at = cpu, now
        return share


def _measured(
    results: list[tuple[str, dict[str, Any]]],
) -> tuple[list[float], int, int, dict[str, int]]:
    """The workers' measures over one interval: offer latencies, screen pops, dispositions,
    command errors."""
    offered: list[float] = []
    answered = ended = 0
    errors: dict[str, int] = {}
    for kind, data in results:
        if kind != "results":
            raise RuntimeError(f"a worker failed: {data}")
        offered += data["offered"]
        answered += len(data["screen_pops"])
        ended += len(data["completed_at"])
        for code, n in data["errors"].items():
            errors[code] = errors.get(code, 0) + n
    return offered, answered, ended, errors


def _drain(store: Store, timeout_s: float) -> float:
    """Wait until no call is live on the stored floor (or `timeout_s`); how long it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        [row] = store.query("SELECT count(*) AS n FROM floor_calls")
        if row["n"] == 0:
            break
        time.sleep(0.5)
    return time.monotonic() - began


def run_soak(plan: SoakPlan, work_dir: Path) -> dict[str, Any]:
    fleet = Fleet()
    generated = Generated()
    failures: list[BaseException] = []
    stop = threading.Event()

    def offer_calls(base_url: str) -> None:
        try:
            place_calls(base_url, CAMPAIGN, plan.rate, plan.duration_s, stop, generated)
        except BaseException as error:  # reported with the results, not lost in a thread
            failures.append(error)

    with bench_server(work_dir, plan.agents, [CRM_ORIGIN]) as server:
        store = SqliteStore(work_dir / "agentbar.db")
        try:
            door = Door(server.socket_url, server.base_url)
            fleet.start([door] * workers_for(plan.agents), plan.agents, plan.talk_s)
            rss_idle = rss_bytes(server.pid) / 2**20
            errors: dict[str, int] = {}
            samples: list[Sample] = []
            meter = _Meter(server.pid, cpu_seconds(server.pid), time.monotonic())
            placed_before = 0
            thread = threading.Thread(target=offer_calls, args=(server.base_url,))
            began = time.monotonic()
            thread.start()
            for k in range(1, plan.samples + 1):
                # The samples keep to the clock: each is due k intervals after the first call.
                time.sleep(max(0.0, began + k * plan.sample_s - time.monotonic()))
                offered, answered, ended, new_errors = _measured(fleet.collect())
                placed_now = generated.placed
                samples.append(
                    Sample(
                        at_s=k * plan.sample_s,
                        taken_s=time.monotonic() - began,
                        rss_mib=rss_bytes(server.pid) / 2**20,
                        fds=open_fds(server.pid),
                        cpu_percent=meter.cpu_percent(),
                        placed=placed_now - placed_before,
                        answered=answered,
                        ended=ended,
                        offer_latency_s=offered,
                    )
                )
                placed_before = placed_now
                _add(errors, new_errors)
            thread.join()  # all rate x duration calls are placed, even by a generator running late
            drain_s = _drain(store, plan.drain_timeout_s)
            offered, answered, ended, new_errors = _measured(fleet.stop())
            _add(errors, new_errors)
            fates = call_fates(store, list(generated.call_ids))
        finally:
            stop.set()  # a failure mid-run: no more calls into a server about to stop
            fleet.kill()
    if failures:
        raise RuntimeError("the call generator failed") from failures[0]
    flat = flatness(samples, warm_up_s(plan.duration_s), plan.flat_within)
    return {
        "plan": asdict(plan),
        "login_s": fleet.login_s,
        "server_rss_after_logins_mib": rss_idle,
        "calls_placed": generated.placed,
        "calls_failed": generated.failed,
        **fates,
        "drain_s": drain_s,
        "after_calls": {"offered": len(offered), "answered": answered, "ended": ended},
        "agent_errors": errors,
        "minutes": per_minute(samples),
        "samples": [s.record() for s in samples],
        "flatness": flat,
        "passed": passed(fates["calls_lost"], flat),
    }


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for code, n in more.items():
        total[code] = total.get(code, 0) + n
