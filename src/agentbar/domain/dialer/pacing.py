"""Predictive pacing: how many calls a campaign places now, given its agents, the calls already
ringing, its live figures and its abandon window. docs/dialer.md gives the method and formulas.

The estimate: the agents expected to be free when a call placed now is answered (those free now,
and those busy who finish within the mean ring time), divided by the share of dials a person
answers, times an adaptive dial level. The hard cap: calls in flight beyond the agents free now
could all be answered and abandoned, so there are never more of them than the abandon window's
budget. A campaign not yet measured, or a window with no budget, dials progressively: one call
per free agent, none ahead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from agentbar.domain.dialer.abandon_window import AbandonWindow, check_limit
from agentbar.domain.dialer.campaign_figures import CampaignFigures

PacingMode = Literal["predictive", "progressive"]

MIN_DIALS = 100
"""Dials a campaign must have measured before any call is placed ahead of agents."""
MIN_LEVEL = 1.0
MAX_LEVEL = 5.0
TARGET_SHARE_OF_LIMIT = 0.5
"""The level aims at an abandon rate of half the limit, leaving the other half as margin."""
STEP_UP = 0.01
"""Level gained per call that reached an agent, while dialing predictively."""
LOWEST_HUMAN_SHARE = 0.01
"""Floor on the answer share divided by, so a campaign nobody answers cannot ask for
unbounded calls (the abandon budget caps them anyway)."""


@dataclass(frozen=True, slots=True)
class PacingFigures:
    """What one pacing decision looks at."""

    agents_free: int
    """Ready, auto-call on, not reserved for a call: each can take an answered call at once."""
    agents_talking: int
    """Auto-call agents on a call of the campaign: free after their talk and wrap-up."""
    agents_wrapping: int
    """Auto-call agents wrapping up: free after the rest of their wrap-up."""
    calls_in_flight: int
    """Calls dialled and not answered (nor ended) yet."""
    campaign: CampaignFigures
    window: AbandonWindow
    limit: float
    """The campaign's abandon limit, a share of live-answered calls (0.03 for 3%)."""

    def __post_init__(self) -> None:
        counts = (self.agents_free, self.agents_talking, self.agents_wrapping, self.calls_in_flight)
        if any(count < 0 for count in counts):
            raise ValueError("agent and call counts must be zero or more")
        check_limit(self.limit)


@dataclass(frozen=True, slots=True)
class PacingDecision:
    calls_to_place: int
    mode: PacingMode
    dial_level: float
    reason: str
    """A short line for the supervisor page."""


def chance_free_within(
    horizon: float, talk_mean: float, wrap_mean: float, *, talking: bool
) -> float:
    """The chance an agent is free within `horizon` seconds, with exponential talk and wrap
    times of the given means (memoryless: how long the agent has been at it does not matter).

    Wrapping: 1 - e^(-h/W). Talking, then wrapping: the sum of two exponentials (a
    hypoexponential time), 1 - (T e^(-h/T) - W e^(-h/W)) / (T - W), or with T = W the Erlang-2
    form 1 - e^(-h/T) (1 + h/T).
    """
    if horizon <= 0.0:
        return 0.0
    if not talking:
        return 1.0 if wrap_mean <= 0.0 else -math.expm1(-horizon / wrap_mean)
    if talk_mean <= 0.0:
        return chance_free_within(horizon, talk_mean, wrap_mean, talking=False)
    if wrap_mean <= 0.0:
        return -math.expm1(-horizon / talk_mean)
    if math.isclose(talk_mean, wrap_mean, rel_tol=1e-6):
        ratio = horizon / talk_mean
        if math.isinf(ratio):  # a mean too small to divide by: finished long since
            return 1.0
        return 1.0 - math.exp(-ratio) * (1.0 + ratio)
    tail = talk_mean * math.exp(-horizon / talk_mean) - wrap_mean * math.exp(-horizon / wrap_mean)
    return min(1.0, max(0.0, 1.0 - tail / (talk_mean - wrap_mean)))


class Pacer:
    """One campaign's pacing, holding the adaptive dial level between decisions.

    The level moves with each live-answered call the campaign's figures report: up `step_up`
    for one that reached an agent (only while dialing predictively, so a level is only raised
    by calls that tested it), down `step_up * (1 - target) / target` for one abandoned. It
    stands still when the abandon rate of recent calls equals the target and falls about
    (1 - target) / target times faster than it rises.

    `protect_seconds`: None keeps every window still to be read within the limit, whatever
    happens next; a number protects only the windows read within that many seconds, leaving
    later ones to later decisions (see docs/dialer.md).
    """

    __slots__ = (
        "_level",
        "_mode",
        "_seen",
        "min_dials",
        "protect_seconds",
        "step_up",
        "target_share",
    )

    def __init__(
        self,
        *,
        min_dials: int = MIN_DIALS,
        target_share: float = TARGET_SHARE_OF_LIMIT,
        step_up: float = STEP_UP,
        protect_seconds: float | None = None,
    ) -> None:
        if not 0.0 < target_share <= 1.0:
            raise ValueError("target share of the limit must be in (0, 1]")
        if not step_up > 0.0:
            raise ValueError("step up must be positive")
        self.min_dials = min_dials
        self.target_share = target_share
        self.step_up = step_up
        self.protect_seconds = protect_seconds
        self._level = MIN_LEVEL
        self._mode: PacingMode = "progressive"
        self._seen: tuple[int, int] | None = None

    @property
    def level(self) -> float:
        return self._level

    def to_dict(self) -> dict[str, object]:
        """What the pacer has learnt, as plain values (its settings are the code's)."""
        return {"level": self._level, "mode": self._mode, "seen": self._seen}

    def take_back(self, data: Mapping[str, Any]) -> None:
        """Go on from `to_dict`'s form; ValueError naming what is wrong otherwise."""
        level, mode, seen = data.get("level"), data.get("mode"), data.get("seen")
        if not (isinstance(level, int | float) and MIN_LEVEL <= level <= MAX_LEVEL):
            raise ValueError(f"pacer: 'level' must be from {MIN_LEVEL} to {MAX_LEVEL}")
        if mode not in ("predictive", "progressive"):
            raise ValueError("pacer: 'mode' must be predictive or progressive")
        if seen is not None and not (
            isinstance(seen, list | tuple)
            and len(seen) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in seen)
        ):
            raise ValueError("pacer: 'seen' must be [live answered, abandoned] or null")
        self._level, self._mode = float(level), mode
        self._seen = (seen[0], seen[1]) if seen is not None else None

    def decide(self, figures: PacingFigures, now: float) -> PacingDecision:
        """How many calls to place now; the caller places at most as many as it has leads."""
        self._adapt(figures.campaign, figures.limit)
        free, in_flight = figures.agents_free, figures.calls_in_flight
        progressive = max(0, free - in_flight)
        measured = figures.campaign.dials
        if measured < self.min_dials:
            reason = f"measuring the campaign: {measured} of {self.min_dials} dials"
            return self._decide(progressive, "progressive", reason)
        budget = figures.window.budget(now, figures.limit, self.protect_seconds)
        if budget == 0:
            return self._decide(progressive, "progressive", "abandon window at risk: none ahead")
        campaign = figures.campaign
        horizon = campaign.ring_seconds
        expected = (
            free
            + figures.agents_talking
            * chance_free_within(
                horizon, campaign.talk_seconds, campaign.wrap_seconds, talking=True
            )
            + figures.agents_wrapping
            * chance_free_within(
                horizon, campaign.talk_seconds, campaign.wrap_seconds, talking=False
            )
        )
        answered = max(campaign.human_share, LOWEST_HUMAN_SHARE)
        wanted = math.floor(expected / answered * self._level - in_flight)
        allowed = budget + free - in_flight
        if wanted > allowed:
            reason = f"capped by the abandon budget: {budget} ahead of agents"
        else:
            reason = f"{expected:.1f} agents free within {horizon:.0f} s, {answered:.0%} answer"
        return self._decide(max(progressive, min(wanted, allowed)), "predictive", reason)

    def _decide(self, calls: int, mode: PacingMode, reason: str) -> PacingDecision:
        self._mode = mode
        return PacingDecision(calls, mode, self._level, reason)

    def _adapt(self, campaign: CampaignFigures, limit: float) -> None:
        seen = (campaign.live_answered, campaign.abandoned)
        previous, self._seen = self._seen, seen
        if previous is None:
            return
        answered, abandoned = seen[0] - previous[0], seen[1] - previous[1]
        if answered < 0 or abandoned < 0:
            return  # the figures were started afresh: nothing to learn from the difference
        target = limit * self.target_share
        rise = (answered - abandoned) * self.step_up if self._mode == "predictive" else 0.0
        fall = abandoned * self.step_up * (1.0 - target) / target
        self._level = min(MAX_LEVEL, max(MIN_LEVEL, self._level + rise - fall))
