"""The commit a benchmark names: `+dirty` for changed code, not for the bench's own outputs,
which each run apart leaves changed for the next."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.machine import commit


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_changed_outputs_leave_the_commit_clean_and_changed_code_does_not(tmp_path: Path) -> None:
    for path in (
        "bench/results.json",
        "docs/BENCHMARKS.md",
        "docs/img/bench-latency.png",
        "src/a.py",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("before\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=b", "-c", "user.email=b@example.test", "commit", "-qm", "c")
    head = commit(tmp_path)
    assert head != "unknown"
    assert not head.endswith("+dirty")
    for path in ("bench/results.json", "docs/BENCHMARKS.md", "docs/img/bench-latency.png"):
        (tmp_path / path).write_text("after\n")
    (tmp_path / "notes.txt").write_text("untracked\n")
    assert commit(tmp_path) == head
    (tmp_path / "src/a.py").write_text("after\n")
    assert commit(tmp_path) == f"{head}+dirty"
