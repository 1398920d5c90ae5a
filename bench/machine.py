"""What the bench ran on, and the server process's memory, CPU time and open file descriptors,
read from /proc."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any


def describe() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_mib": total_kib // 1024,
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def rss_bytes(pid: int) -> int:
    """Resident set size (VmRSS) of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    """The file descriptors a process holds open: sockets, database files, pipes."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip()


OUTPUTS = ("bench/results.json", "docs/BENCHMARKS.md", "docs/img")
"""What the bench writes: each run apart updates its part of them and keeps the rest, so after
one run they are changed for the next, and the code measured is no less the commit's."""


def commit(root: Path) -> str:
    """The commit measured, marked `+dirty` when tracked files other than the bench's own
    outputs have uncommitted changes."""
    head = _git(root, "rev-parse", "--short", "HEAD") or "unknown"
    outputs = [f":(exclude){path}" for path in OUTPUTS]
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", ".", *outputs)
    return f"{head}{'+dirty' if dirty else ''}"
