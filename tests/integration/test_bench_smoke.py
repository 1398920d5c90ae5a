"""The bench's quick mode end to end, so the benchmark suite cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

# Measures time under load it makes itself: no other test beside it (tests/support/alone.py).
pytestmark = pytest.mark.alone

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_quick_bench_writes_sensible_results(tmp_path: Path) -> None:
    out = {
        "--markdown": tmp_path / "BENCHMARKS.md",
        "--json": tmp_path / "results.json",
        "--plot": tmp_path / "latency.png",
    }
    args = [str(ROOT / "bench" / "run"), "--quick"]
    for flag, path in out.items():
        args += [flag, str(path)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=230)

    results = json.loads(out["--json"].read_text())
    assert results["machine"]["nproc"] >= 1
    for point in results["load"]:
        assert point["calls_placed"] > 0
        assert point["calls_completed"] == point["calls_placed"]
        assert point["lifecycles_per_s"] > 0
        assert 0 < point["offer_latency_ms"]["p50"] <= point["offer_latency_ms"]["p99"]
        assert point["memory_per_agent_kib"] > 0
        assert point["cpu_ms_per_call"] > 0
        assert point["errors"] == {}
    browser = results["browser"]
    pops = browser["browser_screen_pop_ms"]
    assert pops["count"] >= 1
    assert pops["p50"] > 0
    # The floor of the pop's path, a sample per call in the same run, and the pop over it.
    floor = browser["browser_pop_floor_ms"]
    assert floor["count"] == pops["count"]
    assert 0 < floor["p50"] <= floor["p99"]
    assert browser["browser_pop_over_floor"]["p50"] == pytest.approx(pops["p50"] / floor["p50"])
    assert browser["browser_pop_over_floor"]["p99"] == pytest.approx(pops["p99"] / floor["p99"])
    # The stored floor beside it (the same path with an HTTP request and one commit before
    # the frame), a sample per call; how it compares with the floor is the benchmark's to say.
    stored = browser["browser_pop_stored_floor_ms"]
    assert stored["count"] == pops["count"]
    assert 0 < stored["p50"] <= stored["p99"]
    over_stored = browser["browser_pop_over_stored_floor"]
    assert over_stored["p50"] == pytest.approx(pops["p50"] / stored["p50"])
    # Every pop broken down into its stages; those that cross a process take time.
    stages = browser["browser_pop_stages_ms"]
    assert set(stages) == {
        *("offered", "answered", "to_toolbar", "toolbar_to_page", "glue"),
        *("decided", "offer_to_toolbar", "post_answered"),
    }
    assert all(stage["count"] == pops["count"] for stage in stages.values())
    for crossing in ("offered", "answered", "to_toolbar", "offer_to_toolbar"):
        assert stages[crossing]["p50"] > 0, crossing
    # The arrival and the answer are the server's part of the pop, split where it offers.
    assert stages["offered"]["p50"] < stages["decided"]["p50"]
    screen_pop = out["--markdown"].read_text().split("## Screen pop in Chromium")[1]
    assert "| floor |" in screen_pop
    assert "agentbar's pop over the floor" in screen_pop
    assert "| stored floor (apart) |" in screen_pop
    assert "Its pop over the stored floor:" in screen_pop
    assert "answer decided → toolbar's socket delivers the pop's frame" in screen_pop
    # The server's own timing of every pop of the run: stored before its frame is written.
    server = browser["browser_pop_server_ms"]
    assert server["stored"]["count"] >= pops["count"]
    assert server["sent"]["count"] >= pops["count"]
    assert server["offer_stored"]["count"] >= pops["count"]
    assert 0 < server["stored"]["p50"] <= server["sent"]["p50"]
    assert server["offer_stored"]["p50"] > 0
    assert "The server's own timing of the run's screen pops" in screen_pop
    assert results["profile"]["samples"] > 0
    assert "## Load" in out["--markdown"].read_text()
    assert out["--plot"].read_bytes().startswith(b"\x89PNG")
    # The dialer section: progressive and predictive side by side, its day plotted.
    runs = results["dialer"]["runs"]
    assert {(r["settings"]["answer_rate"], r["settings"]["mode"]) for r in runs} >= {
        (rate, mode) for rate in (0.15, 0.3, 0.6) for mode in ("progressive", "predictive")
    }
    assert all(r["summary"]["maxWindowAbandonRate"] <= 0.03 for r in runs)
    assert "## Dialer: progressive against predictive" in out["--markdown"].read_text()
    assert (tmp_path / "img" / "dialer-day.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.timeout(240)
def test_quick_phones_bench_holds_a_call_and_a_room_with_audio(tmp_path: Path) -> None:
    markdown, results_json = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    args = [str(ROOT / "bench" / "run"), "--phones", "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=230)
    phones = json.loads(results_json.read_text())["phones"]
    [call] = phones["browser"]
    [room] = phones["rooms"]
    assert call["calls"] == 1
    assert call["sample_ok"], call
    assert room["phones"] == 3
    assert room["sample_ok"], room
    assert call["cpu_s"] >= 0
    assert room["cpu_s"] >= 0
    assert "## Browser phone and conferences" in markdown.read_text()


@pytest.mark.timeout(240)
def test_quick_reports_bench_times_every_report_over_its_calls(tmp_path: Path) -> None:
    markdown, results_json = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    args = [str(ROOT / "bench" / "run"), "--reports", "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=230)
    reports = json.loads(results_json.read_text())["reports"]
    assert reports["calls"] == 20_000
    assert set(reports["timed"]) == {
        "interval_day",
        "interval_month",
        "calls_page",
        "agents_day",
        "purge_batch",
    }
    assert reports["timed"]["purge_batch"]["rows"] > 0
    assert "## Reports over stored calls" in markdown.read_text()


@pytest.mark.timeout(240)
def test_quick_pop_bench_measures_the_pop_and_its_floor_at_each_background(
    tmp_path: Path,
) -> None:
    markdown, results_json = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    args = [str(ROOT / "bench" / "run"), "--pop", "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=230)
    results = json.loads(results_json.read_text())
    points = results["pop"]["points"]
    assert [p["point"]["rate"] for p in points] == [0.0, 5.0]
    idle, busy = points
    assert idle["calls_placed"] == 0  # no background: the agents only stay connected
    assert busy["calls_placed"] > 0
    for point in points:
        pops, floor = point["browser_screen_pop_ms"], point["browser_pop_floor_ms"]
        assert pops["count"] == floor["count"] >= 1
        assert 0 < floor["p50"] <= floor["p99"]
        assert point["browser_pop_stored_floor_ms"]["count"] == pops["count"]
        assert point["browser_pop_stored_floor_ms"]["p50"] > 0
        assert point["browser_pop_stages_ms"]["offered"]["p50"] > 0
        assert point["browser_pop_stages_ms"]["answered"]["p50"] > 0
        server = point["browser_pop_server_ms"]
        assert server["sent"]["count"] >= pops["count"]
        assert 0 < server["stored"]["p50"] <= server["sent"]["p50"]
    section = markdown.read_text().split("## Screen pop against its floor, by background load")
    assert "| background calls/s |" in section[1]
