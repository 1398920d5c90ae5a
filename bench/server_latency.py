"""The server's own latency histograms (Prometheus text from /metrics), read before and after
a run: what the run added, and its quantiles.

The quantiles are interpolated within the buckets, as Prometheus's `histogram_quantile` does:
exact to the bucket, and linear inside it. The buckets the bench reads go down to half a
millisecond (agentbar.event_latency.EVENT_BUCKETS).
"""

from __future__ import annotations

import math
import re

import httpx

from bench.server import ADMIN_TOKEN

Buckets = list[tuple[float, float]]
"""A histogram's cumulative buckets: (upper bound in seconds, how many within it so far)."""


def scrape(base_url: str) -> str:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return httpx.get(f"{base_url}/metrics", headers=headers, timeout=5.0).text


def buckets(text: str, name: str, labels: str = "") -> Buckets:
    """The buckets of histogram `name` whose other labels are exactly `labels` (as written
    in the exposition: `event="call.screen_pop"`); none if it has counted nothing yet."""
    before_le = re.escape(f"{labels}," if labels else "")
    pattern = rf'^{re.escape(name)}_bucket\{{{before_le}le="([^"]+)"\}} (\S+)$'
    return [(float(bound), float(count)) for bound, count in re.findall(pattern, text, re.M)]


def added(before: Buckets, after: Buckets) -> Buckets:
    """What a run added to a histogram: `after` less `before` (which may be empty: nothing
    counted yet when the run began)."""
    then = dict(before)
    return [(bound, count - then.get(bound, 0.0)) for bound, count in after]


def quantile_ms(counted: Buckets, q: float) -> float:
    """The q-quantile in ms, interpolated within its bucket (NaN with nothing counted; the
    last finite bound if it falls in +Inf)."""
    total = counted[-1][1] if counted else 0.0
    if total <= 0:
        return math.nan
    rank, lower, below = q * total, 0.0, 0.0
    for bound, within in counted:
        if within >= rank:
            if math.isinf(bound):
                return lower * 1000
            share = (rank - below) / (within - below) if within > below else 1.0
            return (lower + (bound - lower) * share) * 1000
        lower, below = bound, within
    return lower * 1000


def summary_ms(counted: Buckets) -> dict[str, float]:
    """How many, and the p50 and p99 in ms."""
    return {
        "count": counted[-1][1] if counted else 0.0,
        "p50": quantile_ms(counted, 0.5),
        "p99": quantile_ms(counted, 0.99),
    }
