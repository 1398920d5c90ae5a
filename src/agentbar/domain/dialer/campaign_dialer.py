"""One predictive campaign's dialer: what it has measured, its abandon window, its pacer and
its last decision, fed as the campaign's calls end.

A dial a person answered counts once, when its fate is known: it reached an agent (connected)
or it did not within the rule's 2 seconds, or the person hung up first (abandoned). Both are
recorded at the time the call was dialled (docs/dialer.md, "The abandon window").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentbar.domain.dialer.abandon_window import AbandonWindow, WindowLength
from agentbar.domain.dialer.campaign_figures import (
    CampaignFigures,
    CampaignFiguresTracker,
    DialOutcome,
)
from agentbar.domain.dialer.pacing import Pacer, PacingDecision, PacingFigures

CONNECT_WITHIN_SECONDS = 2.0
"""A person who answers must reach an agent within 2 seconds, or the call is abandoned
(16 CFR 310.4(b)(1)(iv))."""


@dataclass(frozen=True, slots=True)
class DialerView:
    """What the supervisor page shows of a predictive campaign."""

    mode: str
    dial_level: float
    calls_in_flight: int
    abandon_rate: float
    abandoned: int
    live_answered: int
    limit: float
    window: str
    reason: str


class CampaignDialer:
    __slots__ = ("decision", "figures", "in_flight", "pacer", "unstored", "window")

    # `in_flight` is told with each decision (the floor counts its ringing calls), not kept
    # here: a floor taken back from storage knows its calls, not a count.

    def __init__(self, window_length: WindowLength, pacer: Pacer | None = None) -> None:
        self.figures = CampaignFiguresTracker()
        self.window = AbandonWindow(window_length)
        self.pacer = pacer or Pacer()
        self.decision: PacingDecision | None = None
        self.in_flight = 0
        """Calls dialled and not yet answered nor ended, at the last decision."""
        self.unstored = False
        """A call's ending was recorded since the dialer was last stored. (A decision alone
        does not make it so: the level it moved is stored with the next ending.)"""

    def decide(
        self,
        agents_free: int,
        agents_talking: int,
        agents_wrapping: int,
        calls_in_flight: int,
        limit: float,
        now: float,
    ) -> PacingDecision:
        self.in_flight = calls_in_flight
        figures = PacingFigures(
            agents_free=agents_free,
            agents_talking=agents_talking,
            agents_wrapping=agents_wrapping,
            calls_in_flight=calls_in_flight,
            campaign=self.figures.snapshot(),
            window=self.window,
            limit=limit,
        )
        self.decision = self.pacer.decide(figures, now)
        return self.decision

    def renew_window(self, length: WindowLength) -> None:
        self.window = AbandonWindow(length)

    def not_reached(self, outcome: DialOutcome, ring_seconds: float | None) -> None:
        """The dial ended without a person: busy, no answer, failed, or a machine answered."""
        self.figures.record_dial(outcome, ring_seconds)
        self.unstored = True

    def connected(self, dialled_at: float, ring_seconds: float) -> None:
        self.figures.record_dial(DialOutcome.HUMAN, ring_seconds)
        self.window.record_connected(dialled_at)
        self.unstored = True

    def abandoned(self, dialled_at: float, ring_seconds: float) -> None:
        self.figures.record_dial(DialOutcome.HUMAN, ring_seconds, abandoned=True)
        self.window.record_abandoned(dialled_at)
        self.unstored = True

    def talked(self, seconds: float) -> None:
        self.figures.record_talk(seconds)
        self.unstored = True

    def wrapped(self, seconds: float) -> None:
        self.figures.record_wrap(seconds)
        self.unstored = True

    def snapshot(self) -> CampaignFigures:
        return self.figures.snapshot()

    def to_dict(self) -> dict[str, object]:
        """What the dialer has measured and learnt, as plain values for storage: a process
        that takes the floor over goes on with the same window (the law's count) and figures."""
        return {
            "window": self.window.to_dict(),
            "figures": self.figures.to_dict(),
            "pacer": self.pacer.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CampaignDialer:
        """A dialer back from `to_dict`'s form; ValueError naming what is wrong otherwise."""
        window, figures, pacer = (data.get(key) for key in ("window", "figures", "pacer"))
        if not (
            isinstance(window, Mapping)
            and isinstance(figures, Mapping)
            and isinstance(pacer, Mapping)
        ):
            raise ValueError("campaign dialer: 'window', 'figures' and 'pacer' must be objects")
        dialer = cls(WindowLength.parse(str(window.get("window", ""))))
        dialer.window = AbandonWindow.from_dict(window)
        dialer.figures = CampaignFiguresTracker.from_dict(figures)
        dialer.pacer.take_back(pacer)
        return dialer

    def view(self, limit: float, now: float) -> DialerView:
        answered, abandoned = self.window.counts(now)
        decision = self.decision
        return DialerView(
            mode=decision.mode if decision else "progressive",
            dial_level=decision.dial_level if decision else self.pacer.level,
            calls_in_flight=self.in_flight,
            abandon_rate=self.window.rate(now),
            abandoned=abandoned,
            live_answered=answered,
            limit=limit,
            window=self.window.length.spec,
            reason=decision.reason if decision else "not dialled yet",
        )
