"""The restart drill's quick mode end to end: `kill -9` of the server under load, a new process
on the same database, and nothing lost, offered twice, missed or popped twice across it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.crash


@pytest.mark.timeout(120)
def test_quick_drill_loses_nothing_across_a_kill(tmp_path: Path) -> None:
    markdown, results_json = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    args = [str(ROOT / "bench" / "run"), "--drill", "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=110)

    drill = json.loads(results_json.read_text())["drill"]
    evidence = json.dumps(drill, indent=1)
    assert drill["calls_placed"] > 0, evidence
    assert drill["calls_lost"] == 0, evidence
    assert drill["double_offers"] == 0, evidence
    assert drill["events_missing"] == 0, evidence
    assert drill["events_duplicated"] == 0, evidence
    assert drill["relogins"] == 0, evidence
    assert drill["screen_pops_per_call_max"] <= 1, evidence
    assert drill["kill_to_serving_s"] > 0, evidence
    assert "## Restart drill" in markdown.read_text()
