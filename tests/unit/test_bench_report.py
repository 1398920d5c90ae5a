"""The load table's before and after: an earlier run's figures beside this run's, point by
point, with the POST latency that queued past the ceiling before load shedding."""

from __future__ import annotations

from typing import Any

from bench.report import before_after_lines


def run(commit: str, post_p50: float, memory: float, pop: float | None = None) -> dict[str, Any]:
    latency = {"p50": 3.0, "p95": 5.0, "p99": 9.0, "max": 12.0}
    point = {
        "point": {"agents": 5000, "rate": 200.0},
        "lifecycles_per_s": 180.0,
        "offer_latency_ms": latency,
        "post_latency_ms": {**latency, "p50": post_p50, "p99": 2 * post_p50},
        "cpu_ms_per_call": 4.75,
        "logins_per_s": 90.0,
        "memory_per_agent_kib": memory,
    }
    results: dict[str, Any] = {
        "commit": commit,
        "command": "bench/run",
        "finished": "2026-12-05 23:00 UTC",
        "load": [point],
    }
    if pop is not None:
        results["browser"] = {"browser_screen_pop_ms": {**latency, "p50": pop}}
    return results


def test_each_point_shows_its_post_latency_and_memory_before_and_after() -> None:
    text = "\n".join(before_after_lines(run("aaaa", 13000.0, 101.6), run("bbbb", 22.3, 45.9)))
    assert "Before: commit `aaaa`" in text
    assert "| 5,000 |" in text
    assert "13,000.0 / 26,000.0 → 22.3 / 44.6" in text
    assert "101.6 → 45.9" in text
    assert "Screen pop" not in text  # neither run measured it


def test_the_pop_is_compared_only_when_both_runs_measured_it_and_a_note_is_kept() -> None:
    before = {**run("aaaa", 13000.0, 101.6), "note": "The earlier run timed out in the browser."}
    assert "Screen pop" not in "\n".join(before_after_lines(before, run("bbbb", 22.3, 45.9, 17.2)))
    both = "\n".join(before_after_lines(run("aaaa", 1.0, 1.0, 23.0), run("bbbb", 1.0, 1.0, 17.2)))
    assert "Screen pop in Chromium, p50 / p99 ms: 23.0 / 9.0 → 17.2 / 9.0." in both
    assert "The earlier run timed out in the browser." in "\n".join(
        before_after_lines(before, run("bbbb", 22.3, 45.9))
    )
