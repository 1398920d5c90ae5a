"""Reading a py-spy raw (collapsed stacks) profile: the functions that take the most samples."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any


def _frame_name(frame: str) -> str:
    # py-spy writes "function (path/to/module.py:line)"; the line makes every call site
    # distinct, so drop it and shorten the path to its package-relative part.
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def top_entries(raw: Path, limit: int = 15) -> dict[str, Any]:
    """Self and inclusive sample shares of the hottest functions."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]  # py-spy's first frame names the process/thread
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    share = 100.0 / total if total else 0.0
    return {
        "samples": total,
        "self": [(name, n * share) for name, n in own.most_common(limit)],
        # Inclusive shares of agentbar's own functions: the framework frames above them are
        # on every stack and say nothing about where the time goes.
        "inclusive": [
            (name, n * share)
            for name, n in inclusive.most_common()
            if "(agentbar/" in name and "agentbar/__main__" not in name and "cli.py" not in name
        ][:limit],
    }


def share_under(raw: Path, *needles: str) -> float:
    """The share (0..1) of the samples whose stack has a frame naming any of `needles`."""
    total = under = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        total += int(count_text)
        if any(needle in stack for needle in needles):
            under += int(count_text)
    return under / total if total else float("nan")
