"""Prometheus metrics: the floor counted at scrape time, latencies observed from events.

Counting agents and calls by state walks them, but only when Prometheus scrapes (every few
seconds), never per event. The registry belongs to the app, not the module, so two apps in
one process (tests) never share counters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as CounterMetric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from agentbar.domain.center import Center
from agentbar.event_latency import EVENT_BUCKETS, EventLatency
from agentbar.ports import Clock, Envelope
from agentbar.services.sessions import Sessions
from agentbar.services.webhooks import Webhooks

OFFER_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900)
SSO_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
"""Up to the longest total time-out a CRM request may be given (60 s lands in +Inf)."""


class FloorCollector(Collector):
    def __init__(self, center: Center, sessions: Sessions, webhooks: Webhooks) -> None:
        self._center = center
        self._sessions = sessions
        self._webhooks = webhooks

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield CounterMetricFamily(
            "agentbar_webhook_failures",
            "Webhook delivery attempts that failed since start",
            value=self._webhooks.failures,
        )
        agents = GaugeMetricFamily("agentbar_agents", "Logged-in agents by state", labels=["state"])
        for state, count in sorted(
            Counter(a.state.value for a in self._center.agents.values()).items()
        ):
            agents.add_metric([state], count)
        yield agents
        calls = GaugeMetricFamily("agentbar_calls", "Live calls by state", labels=["state"])
        for state, count in sorted(
            Counter(c.state.value for c in self._center.calls.values()).items()
        ):
            calls.add_metric([state], count)
        yield calls
        waiting = GaugeMetricFamily(
            "agentbar_waiting_calls", "Calls waiting in each campaign's queue", labels=["campaign"]
        )
        for campaign in self._center.campaigns.values():
            waiting.add_metric([campaign.name], self._center.waiting_count(campaign.campaign_id))
        yield waiting
        yield GaugeMetricFamily(
            "agentbar_open_sockets", "Toolbar sockets open", value=self._sessions.open_sockets()
        )


class Metrics:
    def __init__(
        self, center: Center, sessions: Sessions, webhooks: Webhooks, clock: Clock
    ) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(FloorCollector(center, sessions, webhooks))
        self._center = center
        self._clock = clock
        # Both from the moment the floor decided the event (its `at`, on the runtime's clock):
        # the first ends where the event is published, its move stored (the writer's turn and
        # group commit); the second where its frame is written to a toolbar socket (then the
        # bus, the socket's turn, the JSON and the write as well).
        self.event_stored = EventLatency(
            "agentbar_event_stored_seconds",
            "Time from the floor deciding an event to publishing it, once its move is stored",
            EVENT_BUCKETS,
        )
        self.event_sent = EventLatency(
            "agentbar_event_sent_seconds",
            "Time from the floor deciding an event to its frame written to a toolbar socket "
            "of this node",
            EVENT_BUCKETS,
        )
        self.registry.register(self.event_stored)
        self.registry.register(self.event_sent)
        self.offer_wait = Histogram(
            "agentbar_offer_wait_seconds",
            "Time from a call entering its queue to its offer to an agent",
            buckets=OFFER_BUCKETS,
            registry=self.registry,
        )

        self.sso_latency = Histogram(
            "agentbar_sso_request_seconds",
            "Time of each request to the CRM's single sign-on endpoint, by command and outcome",
            labelnames=("command", "outcome"),
            buckets=SSO_BUCKETS,
            registry=self.registry,
        )

        self.report_rows_purged = CounterMetric(
            "agentbar_report_rows_purged",
            "Rows of calls, their legs and transfers, and events deleted by the report retention",
            registry=self.registry,
        )

    def saw_sso_request(self, command: str, outcome: str, seconds: float) -> None:
        self.sso_latency.labels(command=command, outcome=outcome).observe(max(seconds, 0.0))

    def see(self, envelope: Envelope) -> None:
        """Watch the runtime's events (as each is published) for the latencies they carry."""
        self.event_stored.observe(envelope.kind, self._since(envelope))
        if envelope.kind == "call.offered" and envelope.call_id is not None:
            call = self._center.calls.get(envelope.call_id)
            if call is not None:
                self.offer_wait.observe(max(envelope.at - call.queued_at, 0.0))

    def sent(self, envelope: Envelope) -> None:
        """An event's frame was written to a toolbar socket of this node."""
        self.event_sent.observe(envelope.kind, self._since(envelope))

    def _since(self, envelope: Envelope) -> float:
        return max(self._clock.now() - envelope.at, 0.0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
