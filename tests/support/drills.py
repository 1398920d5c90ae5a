"""Running a drill's quick mode from a test, and what every drill must show: nothing lost,
offered twice, missed, duplicated or popped twice, and no agent logging in again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_quick_drill(flag: str, key: str, out: Path, timeout: float) -> tuple[dict[str, Any], str]:
    """`bench/run <flag> --quick` writing into `out`: its results under `key`, and its report."""
    markdown, results_json = out / "BENCHMARKS.md", out / "results.json"
    args = [str(ROOT / "bench" / "run"), flag, "--quick"]
    args += ["--markdown", str(markdown), "--json", str(results_json)]
    subprocess.run(args, check=True, cwd=ROOT, timeout=timeout)
    drill: dict[str, Any] = json.loads(results_json.read_text())[key]
    return drill, markdown.read_text()


def assert_nothing_lost(drill: dict[str, Any]) -> None:
    evidence = json.dumps(drill, indent=1)
    assert drill["calls_placed"] > 0, evidence
    assert drill["calls_lost"] == 0, evidence
    assert drill["double_offers"] == 0, evidence
    assert drill["events_missing"] == 0, evidence
    assert drill["events_duplicated"] == 0, evidence
    assert drill["relogins"] == 0, evidence
    assert drill["screen_pops_per_call_max"] <= 1, evidence
    # The Chromium CRM page: every call it was given popped exactly once.
    assert drill["page_calls"] > 0, evidence
    assert drill["page_calls_without_pop"] == 0, evidence
    assert drill["page_calls_popped_twice"] == 0, evidence
