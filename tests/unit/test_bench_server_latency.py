"""The bench's reading of the server's histograms: the buckets of one series, what a run
added to them, and quantiles interpolated within a bucket as Prometheus does."""

from __future__ import annotations

import math

import pytest

from bench.server_latency import added, buckets, quantile_ms, summary_ms

EXPOSITION = """\
# HELP agentbar_event_sent_seconds Time from the floor deciding an event to its frame
# TYPE agentbar_event_sent_seconds histogram
agentbar_event_sent_seconds_bucket{event="call.offered",le="0.001"} 7.0
agentbar_event_sent_seconds_bucket{event="call.offered",le="+Inf"} 9.0
agentbar_event_sent_seconds_bucket{event="call.screen_pop",le="0.001"} 1.0
agentbar_event_sent_seconds_bucket{event="call.screen_pop",le="0.002"} 3.0
agentbar_event_sent_seconds_bucket{event="call.screen_pop",le="0.004"} 5.0
agentbar_event_sent_seconds_bucket{event="call.screen_pop",le="+Inf"} 5.0
agentbar_api_change_seconds_bucket{le="0.005"} 2.0
agentbar_api_change_seconds_bucket{le="+Inf"} 4.0
"""


def test_the_buckets_of_one_series_are_read_by_its_labels() -> None:
    pops = buckets(EXPOSITION, "agentbar_event_sent_seconds", 'event="call.screen_pop"')
    assert pops == [(0.001, 1.0), (0.002, 3.0), (0.004, 5.0), (math.inf, 5.0)]
    assert buckets(EXPOSITION, "agentbar_api_change_seconds") == [(0.005, 2.0), (math.inf, 4.0)]
    assert buckets(EXPOSITION, "agentbar_event_stored_seconds", 'event="call.offered"') == []


def test_what_a_run_added_counts_from_nothing_when_the_series_began_during_it() -> None:
    after = buckets(EXPOSITION, "agentbar_event_sent_seconds", 'event="call.screen_pop"')
    before = [(0.001, 1.0), (0.002, 1.0), (0.004, 2.0), (math.inf, 2.0)]
    assert added(before, after) == [(0.001, 0.0), (0.002, 2.0), (0.004, 3.0), (math.inf, 3.0)]
    assert added([], after) == after


def test_a_quantile_is_interpolated_within_its_bucket() -> None:
    counted = [(0.001, 1.0), (0.002, 3.0), (0.004, 5.0), (math.inf, 5.0)]
    # The median, the 2.5th of 5, lies 1.5 of the 2 counts into the bucket (1, 2] ms.
    assert quantile_ms(counted, 0.5) == pytest.approx(1.75)
    # The 99th percentile, the 4.95th, lies 1.95 of 2 counts into (2, 4] ms.
    assert quantile_ms(counted, 0.99) == pytest.approx(3.95)
    assert quantile_ms([(0.001, 0.0), (math.inf, 2.0)], 0.5) == pytest.approx(1.0)
    assert math.isnan(quantile_ms([(0.001, 0.0), (math.inf, 0.0)], 0.5))
    assert summary_ms(counted) == {
        "count": 5.0,
        "p50": pytest.approx(1.75),
        "p99": pytest.approx(3.95),
    }
