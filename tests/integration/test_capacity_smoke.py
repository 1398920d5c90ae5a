"""The capacity ramp's quick mode end to end, so `bench/run --capacity` cannot rot unnoticed: a
few seconds of steps on one node (SQLite, PostgreSQL), and on three nodes (PostgreSQL, Redis)
with the agents on the nodes that do not own the floor."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

# Measures time under load it makes itself: no other test beside it (tests/support/alone.py).
pytestmark = pytest.mark.alone

ROOT = Path(__file__).resolve().parents[2]


def run_quick_capacity(
    out: Path, *setups: str, overload_steps: int = 1
) -> tuple[dict[str, Any], str]:
    markdown, results_json = out / "BENCHMARKS.md", out / "results.json"
    args = [str(ROOT / "bench" / "run"), "--capacity", "--quick"]
    args += [f"--setup={name}" for name in setups]
    args += [f"--overload-steps={overload_steps}"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=140)
    capacity: dict[str, Any] = json.loads(results_json.read_text())["capacity"]
    return capacity, markdown.read_text()


def assert_steps_sound(setup: dict[str, Any], step_s: float) -> None:
    """Every call of every step placed, disposed and measured; the ceiling under the bar."""
    evidence = json.dumps(setup, indent=1)
    assert setup["steps"], evidence
    for step in setup["steps"]:
        assert step["calls_placed"] > 0, evidence
        assert step["calls_failed"] == 0, evidence
        assert step["calls_completed"] == step["calls_placed"], evidence
        assert step["drained"], evidence
        assert step["errors"] == {}, evidence
        assert 0 < step["offer_latency_ms"]["p50"] <= step["offer_latency_ms"]["p99"], evidence
        assert step["disposed_per_s"] > 0, evidence
        assert all(ms > 0 for ms in step["cpu_ms_per_call_by_node"].values()), evidence
    ceiling = setup["ceiling_step"]
    assert ceiling is None or setup["steps"][ceiling]["over_bar"] == [], evidence
    assert setup["bar_passed"] == bool(setup["steps"][-1]["over_bar"]), evidence
    ceiling_found = setup["ceiling_step"] is not None
    assert (setup["overload"] is not None) == ceiling_found, evidence
    for overload in [setup["overload"], *setup["overload_repeats"]] if ceiling_found else []:
        assert_overload_counted(setup, overload, step_s)


def assert_overload_counted(setup: dict[str, Any], overload: dict[str, Any], step_s: float) -> None:
    """Past the ceiling: every POST of the step is admitted, shed (503) or failed, and every
    call admitted ended disposed."""
    evidence = json.dumps(setup, indent=1)
    ceiling = setup["ceiling_step"]
    assert overload["offered_per_s"] == 2 * setup["steps"][ceiling]["offered_per_s"], evidence
    posts = overload["calls_placed"] + overload["calls_refused"] + overload["calls_failed"]
    assert posts == round(overload["offered_per_s"] * step_s), evidence
    assert overload["calls_failed"] == 0, evidence
    assert overload["lost"] == 0, evidence
    assert overload["shed_share"] == overload["calls_refused"] / posts, evidence
    # The server's own p99 of what it admitted, read from its histogram: some bucket's bound.
    assert overload["server_admitted_p99_within_ms"] > 0, evidence


@pytest.mark.postgres
@pytest.mark.timeout(150)
def test_quick_capacity_ramp_on_one_node(tmp_path: Path) -> None:
    capacity, report = run_quick_capacity(tmp_path, "sqlite", "postgresql", overload_steps=2)
    assert list(capacity["setups"]) == ["sqlite", "postgresql"]
    for name, setup in capacity["setups"].items():
        assert [node["role"] for node in setup["nodes"]] == ["node"]
        assert_steps_sound(setup, capacity["plan"]["step_s"])
        if setup["overload"] is not None:  # the step twice, each counted and listed
            assert len(setup["overload_repeats"]) == 1, json.dumps(setup, indent=1)
            assert f"- {name}, 2 steps at " in report
    assert capacity["owner_share"] is None  # no three-node run to compare with
    assert "## Capacity" in report
    assert "Past the ceiling, shed and not queued" in report


@pytest.mark.cluster
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(150)
def test_quick_capacity_ramp_on_three_nodes(tmp_path: Path) -> None:
    capacity, report = run_quick_capacity(tmp_path, "postgresql", "three-nodes")
    three = capacity["setups"]["three-nodes"]
    assert_steps_sound(three, capacity["plan"]["step_s"])
    roles = {node["id"]: node["role"] for node in three["nodes"]}
    assert sorted(roles.values()) == ["owner", "sockets", "sockets"]
    [owner] = [node for node, role in roles.items() if role == "owner"]
    assert three["calls_to"] != owner
    sockets = three["sockets_by_node"]
    assert sockets.get(owner, 0) == 0
    assert all(sockets[node] > 0 for node, role in roles.items() if role == "sockets")
    share = capacity["owner_share"]
    assert share is not None
    assert share["owner"] == owner
    assert share["ratio"] > 0
    assert "Owner's CPU per call with the sockets on other nodes" in report
    # The profiled steps find the storage write on both: a share of the CPU, never all of it.
    write = share["write"]
    assert write is not None, json.dumps(capacity, indent=1)
    assert 0 < write["owner_write_ms_per_call"] < write["owner_cpu_ms_per_call"]
    assert 0 < write["single_write_ms_per_call"] < write["single_cpu_ms_per_call"]
    assert "*What limits it*" in report
