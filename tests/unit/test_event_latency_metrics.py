"""The two event latencies in /metrics: from the floor deciding an event to its publication
(its move stored), and to its frame written to a toolbar socket; each by event, on the
runtime's clock."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from agentbar.clock import VirtualClock
from agentbar.domain.center import Center
from agentbar.event_latency import EventLatency
from agentbar.ids import new_id
from agentbar.metrics import Metrics
from agentbar.ports import Envelope


def metrics_on(clock: VirtualClock) -> Metrics:
    # Of the sessions and the webhooks a scrape reads only these two counts.
    counts = SimpleNamespace(failures=0, open_sockets=lambda: 0)
    return Metrics(Center(new_id), cast(Any, counts), cast(Any, counts), clock)


def bucket(metrics: Metrics, name: str, event: str, le: str) -> float | None:
    return metrics.registry.get_sample_value(f"{name}_bucket", {"event": event, "le": le})


def test_an_event_is_timed_from_its_decision_to_its_publication_and_to_its_frame() -> None:
    clock = VirtualClock()
    metrics = metrics_on(clock)
    pop = Envelope(7, "call.screen_pop", clock.now(), "agent1", "call-1", {})
    clock.advance(0.0025)
    metrics.see(pop)  # published: its move stored 2.5 ms after the decision
    clock.advance(0.002)
    metrics.sent(pop)  # written to the toolbar's socket 4.5 ms after it
    stored, sent = "agentbar_event_stored_seconds", "agentbar_event_sent_seconds"
    assert bucket(metrics, stored, "call.screen_pop", "0.002") == 0.0
    assert bucket(metrics, stored, "call.screen_pop", "0.003") == 1.0
    assert bucket(metrics, sent, "call.screen_pop", "0.004") == 0.0
    assert bucket(metrics, sent, "call.screen_pop", "0.005") == 1.0
    total = metrics.registry.get_sample_value(f"{sent}_sum", {"event": "call.screen_pop"})
    assert total == pytest.approx(0.0045, abs=1e-6)  # wall-clock seconds: 1e-7 s apart
    # Each event is counted under its own name; others have no series of their own yet.
    assert bucket(metrics, stored, "call.offered", "+Inf") is None


def test_a_clock_behind_the_decision_counts_no_negative_time() -> None:
    clock = VirtualClock()
    metrics = metrics_on(clock)
    ahead = Envelope(8, "call.offered", clock.now() + 1.0, "agent1", "call-1", {})
    metrics.see(ahead)
    assert bucket(metrics, "agentbar_event_stored_seconds", "call.offered", "0.0005") == 1.0
    text = metrics.exposition().decode()
    assert 'agentbar_event_stored_seconds_count{event="call.offered"} 1.0' in text


def test_a_time_on_a_bucket_bound_counts_within_it_as_prometheus_reads_le() -> None:
    latency = EventLatency("x_seconds", "x", (0.001, 0.002))
    latency.observe("call.offered", 0.002)
    latency.observe("call.offered", 0.0025)
    [family] = latency.collect()
    samples = {(s.name, s.labels.get("le")): s.value for s in family.samples}
    assert samples[("x_seconds_bucket", "0.001")] == 0.0
    assert samples[("x_seconds_bucket", "0.002")] == 1.0
    assert samples[("x_seconds_bucket", "+Inf")] == 2.0
    assert samples[("x_seconds_count", None)] == 2.0
    assert samples[("x_seconds_sum", None)] == pytest.approx(0.0045)
