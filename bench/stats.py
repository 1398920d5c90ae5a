"""Percentiles without numpy: the bench reports a handful of them over a few thousand samples."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies given in seconds, in milliseconds."""
    return {
        "count": float(len(samples_s)),
        "p50": percentile(samples_s, 50) * 1000,
        "p95": percentile(samples_s, 95) * 1000,
        "p99": percentile(samples_s, 99) * 1000,
        "max": (max(samples_s) if samples_s else float("nan")) * 1000,
    }


def fixed(value: float, digits: int = 1) -> str:
    """A figure for the report, with thousands separated; n/a for NaN (nothing measured)."""
    return "n/a" if value != value else f"{value:,.{digits}f}"
