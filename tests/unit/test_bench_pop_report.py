"""The pop-by-background section: one row per background rate, the ratio in bold only within
the goal, and a rate with no background call shown as such."""

from __future__ import annotations

from typing import Any

from bench.pop_report import pop_lines, server_split


def _summary(p50: float, p99: float) -> dict[str, float]:
    return {"count": 10.0, "p50": p50, "p95": p99, "p99": p99, "max": p99}


def _point(rate: float, pop: tuple[float, float], floor: tuple[float, float]) -> dict[str, Any]:
    nothing = float("nan")
    return {
        "point": {"agents": 1000, "rate": rate, "talk_s": 1.0, "duration_s": 600.0},
        "browser_screen_pop_ms": _summary(*pop),
        "browser_pop_floor_ms": _summary(*floor),
        "browser_pop_over_floor": {"p50": pop[0] / floor[0], "p99": pop[1] / floor[1]},
        "browser_pop_stages_ms": {
            "offered": _summary(3.5, 5.0),
            "answered": _summary(2.5, 4.0),
            "to_toolbar": _summary(1.5, 3.0),
        },
        "post_latency_ms": _summary(12.0, 30.0) if rate else _summary(nothing, nothing),
        "cpu_ms_per_call": 14.25 if rate else nothing,
        "browser_posts_shed": 0 if rate < 50 else 3,
    }


def test_each_background_is_a_row_with_its_ratio_bold_only_within_the_goal() -> None:
    d: dict[str, Any] = {
        "agents": 1000,
        "calls": 10,
        "points": [_point(0, (4.0, 9.0), (2.5, 5.0)), _point(50, (40.0, 76.0), (2.0, 20.0))],
    }
    d["points"][1] |= {
        "browser_pop_stored_floor_ms": _summary(8.0, 16.0),
        "browser_pop_over_stored_floor": {"p50": 40.0 / 8.0, "p99": 76.0 / 16.0},
    }
    lines = pop_lines(d, ["Measured by: (command)", ""])
    assert lines[0] == "## Screen pop against its floor, by background load"
    rows = [line for line in lines if line.startswith("| 0 ") or line.startswith("| 50 ")]
    idle, busy = rows
    # A run from before the stored floor was measured shows it as not measured.
    assert (
        "| 4.0 / 9.0 | 2.5 / 5.0 | **1.6 times** / **1.8 times** | n/a | 3.5 | 2.5 | 1.5 " in idle
    )
    assert idle.endswith("| n/a / n/a | n/a |")
    # The stored floor is no goal: its ratio is never bold.
    assert "| 20.0 times / 3.8 times | 8.0 / 16.0 (5.0 / 4.8 times) |" in busy
    assert busy.endswith("| 12.0 / 30.0 | 14.25 |")
    assert any("shed 3 of the measured calls' POSTs" in line for line in lines)


def test_a_run_from_before_the_arrival_was_stamped_shows_its_stages_as_not_measured() -> None:
    point = _point(50, (40.0, 76.0), (2.0, 20.0))
    point["browser_pop_stages_ms"] = {
        "decided": _summary(6.0, 9.0),
        "to_toolbar": _summary(2.5, 4.0),
    }
    lines = pop_lines({"agents": 1000, "calls": 10, "points": [point]}, [])
    [row] = [line for line in lines if line.startswith("| 50 ")]
    assert "| 20.0 times / 3.8 times | n/a | n/a | n/a | 2.5 |" in row


def test_the_servers_own_timing_splits_the_answers_stage() -> None:
    point = _point(0, (4.0, 9.0), (2.5, 5.0))
    point["browser_pop_server_ms"] = {
        "offer_stored": {"count": 10.0, "p50": 0.7, "p99": 1.9},
        "stored": {"count": 10.0, "p50": 0.8, "p99": 2.0},
        "sent": {"count": 10.0, "p50": 1.2, "p99": 2.5},
    }
    lines = pop_lines({"agents": 1000, "calls": 10, "points": [point]}, [])
    [row] = [line for line in lines if line.startswith("| 0 ")]
    assert "| 3.5 | 2.5 | 1.5 | 0.7 / 0.8 / 1.2 | n/a / n/a |" in row
    [split] = server_split(point)[:1]
    assert "(10: the background's as well" in split
    assert "(p50 1.5 ms)" in split
    assert "p50 0.8 / p99 2.0 ms after the answer was decided" in split
    assert "p50 1.2 / p99 2.5 ms after it" in split
    assert "about 0.3 ms at p50" in split
    assert "p50 0.7 / p99 1.9 ms after the arrival was decided" in split
    assert "within *arrival → answer decided* (p50 2.5 ms)" in split
    # A run from before the server timed its events: no split, and n/a in the table.
    assert server_split(_point(0, (4.0, 9.0), (2.5, 5.0))) == []
