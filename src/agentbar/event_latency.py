"""A histogram of seconds by event, cheap enough for every frame a socket writes.

prometheus_client's labelled `Histogram` takes some 8 µs an observation on this machine (a
label lookup and a bucket scan, each under a lock); the event path observes every event
published and every frame written, so this one takes a bisect and two additions, and leaves
the rest to the scrape. It is observed on the event loop's thread only.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

EVENT_BUCKETS = (
    *(0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05),
    *(0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
"""Down to half a millisecond: a screen pop's whole path on one machine is tens of them, and
where they go (the commit, the socket) is what an operator tuning storage asks."""


class EventLatency(Collector):
    def __init__(self, name: str, documentation: str, bounds: tuple[float, ...]) -> None:
        self._name = name
        self._documentation = documentation
        self._bounds = bounds
        self._les = [*map(str, bounds), "+Inf"]
        self._counts: dict[str, list[int]] = {}
        """Per event, how many fell in each bucket (not cumulative; the last: past them all)."""
        self._sums: dict[str, float] = {}

    def observe(self, event: str, seconds: float) -> None:
        counts = self._counts.get(event)
        if counts is None:
            counts = self._counts[event] = [0] * len(self._les)
            self._sums[event] = 0.0
        counts[bisect.bisect_left(self._bounds, seconds)] += 1
        self._sums[event] += seconds

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=["event"])
        for event in sorted(self._counts):
            cumulative, buckets = 0.0, []
            for le, count in zip(self._les, self._counts[event], strict=True):
                cumulative += count
                buckets.append((le, cumulative))
            family.add_metric([event], buckets, sum_value=self._sums[event])
        yield family
