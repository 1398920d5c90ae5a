"""The owner-killed drill's quick mode end to end: three nodes on PostgreSQL and Redis behind
HAProxy, `kill -9` of the owner under load, another node taking the floor, and nothing lost,
offered twice, missed or popped twice across it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 5.0  # the default lease, which the drill leaves as it is

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.timeout(150)
def test_quick_cluster_drill_loses_nothing_when_the_owner_is_killed(tmp_path: Path) -> None:
    markdown, results_json = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    args = [str(ROOT / "bench" / "run"), "--drill-cluster", "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=140)

    drill = json.loads(results_json.read_text())["drill_cluster"]
    evidence = json.dumps(drill, indent=1)
    assert drill["calls_placed"] > 0, evidence
    assert drill["calls_lost"] == 0, evidence
    assert drill["double_offers"] == 0, evidence
    assert drill["events_missing"] == 0, evidence
    assert drill["events_duplicated"] == 0, evidence
    assert drill["relogins"] == 0, evidence
    assert drill["screen_pops_per_call_max"] <= 1, evidence
    assert drill["new_owner"] != drill["killed_owner"], evidence
    assert 0 < drill["kill_to_serving_s"] <= LEASE_S + 3.0, evidence
    assert "## Owner-killed drill (three nodes)" in markdown.read_text()
