"""The soak's arithmetic without running it: flatness past the warm-up, the per-minute
figures, which calls count as lost, the section written from made-up figures, and the
options refused before anything starts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench.__main__ import main
from bench.soak import Sample, call_fates, flatness, passed, per_minute, warm_up_s
from bench.soak_report import NOT_YET_MEASURED, soak_lines


def sample(
    at_s: float,
    rss_mib: float = 100.0,
    fds: int = 1000,
    latencies_ms: tuple[float, ...] = (),
    placed: int = 0,
    answered: int = 0,
    ended: int = 0,
    cpu_percent: float = 10.0,
) -> Sample:
    return Sample(
        at_s=at_s,
        taken_s=at_s + 0.01,
        rss_mib=rss_mib,
        fds=fds,
        cpu_percent=cpu_percent,
        placed=placed,
        answered=answered,
        ended=ended,
        offer_latency_s=[ms / 1000 for ms in latencies_ms],
    )


# -- flatness --------------------------------------------------------------------------------


def test_the_warm_up_is_a_fifth_of_the_call_phase() -> None:
    assert warm_up_s(30 * 60) == 6 * 60
    assert warm_up_s(120) == 24


def test_growth_during_the_warm_up_does_not_count() -> None:
    # RSS doubles in the first minute, then holds within 5%.
    samples = [sample(10, rss_mib=50), sample(20, rss_mib=80), sample(30, rss_mib=100)]
    samples += [sample(40 + 10 * k, rss_mib=100 + (k % 2) * 5) for k in range(10)]

    flat = flatness(samples, warm_up=30, within=0.10)

    assert flat["flat"] is True
    assert flat["samples_judged"] == 10  # the sample at exactly 30 s is still warming up
    assert flat["rss_ratio"] == pytest.approx(1.05)
    assert flat["fds_ratio"] == pytest.approx(1.0)


def test_memory_growing_past_the_warm_up_is_not_flat() -> None:
    samples = [sample(10 * k, rss_mib=100 + 2 * k) for k in range(1, 13)]  # +2 MiB every 10 s

    flat = flatness(samples, warm_up=20, within=0.10)

    assert flat["flat"] is False
    assert flat["rss_ratio"] == pytest.approx(124 / 106)


def test_descriptors_leaking_past_the_warm_up_are_not_flat_even_with_flat_memory() -> None:
    samples = [sample(10 * k, fds=1000 + 15 * k) for k in range(1, 13)]

    flat = flatness(samples, warm_up=20, within=0.10)

    assert flat["rss_ratio"] == pytest.approx(1.0)
    assert flat["fds_ratio"] == pytest.approx(1180 / 1045)
    assert flat["flat"] is False


def test_the_bound_is_inclusive_and_configurable() -> None:
    samples = [sample(10, rss_mib=100), sample(20, rss_mib=110), sample(30, rss_mib=120)]

    assert flatness(samples[:2], warm_up=0, within=0.10)["flat"] is True
    assert flatness(samples, warm_up=0, within=0.10)["flat"] is False
    assert flatness(samples, warm_up=0, within=0.25)["flat"] is True


def test_too_few_samples_past_the_warm_up_are_not_judged_flat() -> None:
    flat = flatness([sample(10), sample(20)], warm_up=15, within=0.10)

    assert flat["samples_judged"] == 1
    assert flat["flat"] is False


# -- per minute ------------------------------------------------------------------------------


def test_samples_are_summed_up_by_the_minute_their_interval_ends_in() -> None:
    samples = [
        sample(10 * k, rss_mib=100 + k, fds=900 + k, placed=50, answered=49, ended=48,
               latencies_ms=(float(k),) * 3, cpu_percent=float(k))
        for k in range(1, 13)
    ]  # fmt: skip

    first, second = per_minute(samples)

    assert first["minute"] == 1
    assert second["minute"] == 2
    # 10..60 s in the first minute (60 s ends it), 70..120 s in the second.
    assert (first["placed"], first["answered"], first["ended"]) == (300, 294, 288)
    assert first["offered"] == 18
    assert first["offer_p50_ms"] == pytest.approx(3.5)  # ks 1..6, three offers each
    assert first["offer_p99_ms"] == pytest.approx(6.0)
    assert second["offer_p50_ms"] == pytest.approx(9.5)
    assert (first["rss_mib"], first["fds"]) == (106, 906)  # the minute's last sample
    assert (second["rss_mib"], second["fds"]) == (112, 912)
    assert first["cpu_percent"] == pytest.approx(3.5)


def test_an_interval_that_does_not_divide_a_minute_goes_where_it_ends() -> None:
    samples = [sample(25 * k, placed=k) for k in range(1, 6)]  # ends 25, 50, 75, 100, 125 s

    minutes = per_minute(samples)

    assert [m["minute"] for m in minutes] == [1, 2, 3]
    assert [m["placed"] for m in minutes] == [1 + 2, 3 + 4, 5]


def test_a_minute_without_offers_reports_no_latency() -> None:
    [minute] = per_minute([sample(10, placed=1)])

    assert minute["offered"] == 0
    assert math.isnan(minute["offer_p50_ms"])
    assert math.isnan(minute["offer_p99_ms"])


# -- lost calls ------------------------------------------------------------------------------


class MadeUpStore:
    def __init__(self, states: dict[str, str], on_floor: set[str]) -> None:
        self.states, self.on_floor = states, on_floor

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        if "FROM calls" in sql:
            return [{"call_id": c, "state": s} for c, s in self.states.items()]
        if "FROM floor_calls" in sql:
            return [{"call_id": c} for c in self.on_floor]
        raise AssertionError(sql)


def test_every_acknowledged_call_that_did_not_end_is_lost() -> None:
    store = MadeUpStore(
        {"c1": "disposed", "c2": "abandoned", "c3": "talking", "c4": "ringing", "x": "talking"},
        on_floor={"c3", "x"},
    )

    # c4 left the floor without ending; c5 never reached the calls table; x was not ours.
    fates = call_fates(store, ["c1", "c2", "c3", "c4", "c5"])

    assert fates["calls_ended"] == 2
    assert fates["calls_abandoned"] == 1
    assert fates["calls_live_after_drain"] == 1
    assert fates["calls_lost"] == 3
    assert fates["lost_calls"] == [("c3", "talking", True), ("c4", "ringing", False),
                                   ("c5", None, False)]  # fmt: skip


def test_nothing_is_lost_when_every_call_ended() -> None:
    store = MadeUpStore({"c1": "disposed", "c2": "disposed"}, on_floor=set())

    assert call_fates(store, ["c1", "c2"])["calls_lost"] == 0


# -- the section and the options ----------------------------------------------------------


def test_the_section_holds_a_placeholder_until_the_soak_has_run() -> None:
    lines = soak_lines(None, [])

    assert lines[0] == "## Soak"
    assert NOT_YET_MEASURED in lines
    assert any("bench/run --soak --agents 1000 --rate 20 --minutes 30" in line for line in lines)


def made_up_soak(lost: int = 0, growth_mib: float = 0.0) -> dict[str, Any]:
    samples = [
        sample(10 * k, rss_mib=100 + growth_mib * k, latencies_ms=(2.0,), placed=20)
        for k in range(1, 13)
    ]
    fates = call_fates(MadeUpStore({"c1": "disposed"}, set()), ["c1"] + ["gone"] * lost)
    flat = flatness(samples, warm_up=24, within=0.1)
    return {
        "plan": {"agents": 50, "rate": 2.0, "minutes": 2.0, "sample_s": 10.0, "flat_within": 0.1},
        "login_s": 1.0,
        "server_rss_after_logins_mib": 90.0,
        "calls_placed": 240,
        "calls_failed": 0,
        **fates,
        "drain_s": 1.5,
        "agent_errors": {},
        "minutes": per_minute(samples),
        "flatness": flat,
        "passed": passed(fates["calls_lost"], flat),
    }


def test_the_section_reports_the_verdict_and_the_minutes() -> None:
    text = "\n".join(soak_lines(made_up_soak(), ["Measured by: made up", ""]))

    assert "**Passed.**" in text
    assert "**0 lost**" in text
    assert "RSS max/min **1.000**" in text
    assert "| 2 | 120 | 6 | 0 | 0 | 2.0 / 2.0 | 100.0 | 1,000 | 10 |" in text
    assert NOT_YET_MEASURED not in text


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--rate", "5"], "--rate goes with --soak"),
        (["--soak", "--drill"], "one at a time"),
        (["--soak", "--minutes", "0.1", "--sample", "10"], "--sample is longer than the soak"),
    ],
)
def test_inconsistent_soak_options_are_refused_before_anything_starts(
    argv: list[str], complaint: str
) -> None:
    with pytest.raises(SystemExit, match=complaint):
        main(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["--soak", "--agents", "0"],
        ["--soak", "--rate", "-1"],
        ["--soak", "--minutes", "nan"],
        ["--soak", "--agents", "x"],
    ],
)
def test_soak_figures_must_be_positive(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(argv)

    assert refused.value.code == 2
    assert "must be" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lost", "growth_mib", "exit_code"), [(0, 0.0, 0), (3, 0.0, 1), (0, 2.0, 1), (0, 0.5, 0)]
)
def test_the_soak_exits_non_zero_when_a_call_was_lost_or_memory_grew(
    lost: int, growth_mib: float, exit_code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2 MiB every 10 s past the warm-up is 18% over the judged samples; 0.5 MiB is 4%.
    made_up = made_up_soak(lost, growth_mib)
    monkeypatch.setattr(bench_main, "run_soak", lambda plan, work: made_up)
    outputs = ["--json", str(tmp_path / "results.json"), "--markdown", str(tmp_path / "B.md")]

    assert main(["--soak", "--minutes", "1", *outputs]) == exit_code

    written = json.loads((tmp_path / "results.json").read_text())["soak"]
    assert written["calls_lost"] == lost  # written either way, as evidence
    assert "## Soak" in (tmp_path / "B.md").read_text()
