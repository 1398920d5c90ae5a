"""A campaign's live figures, estimated online one finished dial at a time: how dials end, how
long a call rings before it is answered, how long agents talk and wrap up.

Each figure is an exponentially weighted mean that starts from a prior worth a few samples.
Every new sample multiplies the weight of everything before it (prior included) by 1 - alpha,
so the prior fades as the campaign is measured and the estimate follows drift (the answer rate
changes over a day) with a memory of about 1/alpha samples. The priors are cautious for pacing:
a high answer rate and long talk times mean fewer calls placed ahead of agents until the
campaign's own figures say otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DialOutcome(StrEnum):
    """How one dial ended."""

    HUMAN = "human"
    """A person answered (live-answered: it counts for the abandon rate)."""
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


OUTCOME_ALPHA = 1 / 200
"""Weight of each new dial in the outcome shares: a memory of about 200 dials."""
DURATION_ALPHA = 1 / 50
"""Weight of each new sample in the mean ring, talk and wrap times: about 50 samples."""
PRIOR_WEIGHT = 20.0
"""How many samples each prior is worth when the campaign starts."""

PRIOR_SHARES = {
    DialOutcome.HUMAN: 0.5,
    DialOutcome.MACHINE: 0.1,
    DialOutcome.BUSY: 0.1,
    DialOutcome.NO_ANSWER: 0.25,
    DialOutcome.FAILED: 0.05,
}
PRIOR_RING_SECONDS = 8.0
PRIOR_TALK_SECONDS = 300.0
PRIOR_WRAP_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    """A snapshot of a campaign's estimated figures, for one pacing decision."""

    dials: int
    """Dials measured so far (the prior is not counted)."""
    human_share: float
    machine_share: float
    busy_share: float
    no_answer_share: float
    failed_share: float
    ring_seconds: float
    """Mean seconds from dial to answer, over answered dials (person or machine)."""
    talk_seconds: float
    wrap_seconds: float
    live_answered: int
    """Dials a person answered, ever (abandoned ones included)."""
    abandoned: int
    """Live-answered dials no agent reached in time, ever."""


class _Mean:
    """An exponentially weighted mean that starts from a prior worth `PRIOR_WEIGHT` samples."""

    __slots__ = ("alpha", "total", "weight")

    def __init__(self, prior: float, alpha: float) -> None:
        self.alpha = alpha
        self.total = prior * PRIOR_WEIGHT
        self.weight = PRIOR_WEIGHT

    def add(self, sample: float) -> None:
        keep = 1.0 - self.alpha
        self.total = self.total * keep + sample
        self.weight = self.weight * keep + 1.0

    @property
    def value(self) -> float:
        return self.total / self.weight


class CampaignFiguresTracker:
    """Keeps one campaign's estimates as its dials, talks and wrap-ups finish."""

    __slots__ = ("_abandoned", "_dials", "_live_answered", "_ring", "_shares", "_talk", "_wrap")

    def __init__(self) -> None:
        # One mean per outcome, fed 1 for the outcome that happened and 0 for the others: with
        # the same weights they always sum to 1.
        self._shares = {o: _Mean(PRIOR_SHARES[o], OUTCOME_ALPHA) for o in DialOutcome}
        self._ring = _Mean(PRIOR_RING_SECONDS, DURATION_ALPHA)
        self._talk = _Mean(PRIOR_TALK_SECONDS, DURATION_ALPHA)
        self._wrap = _Mean(PRIOR_WRAP_SECONDS, DURATION_ALPHA)
        self._dials = 0
        self._live_answered = 0
        self._abandoned = 0

    def record_dial(
        self, outcome: DialOutcome, ring_seconds: float | None = None, *, abandoned: bool = False
    ) -> None:
        """One dial ended. `ring_seconds` (dial to answer) is given for answered dials, and
        `abandoned` for a person no agent reached in time."""
        if abandoned and outcome is not DialOutcome.HUMAN:
            raise ValueError("only a dial a person answered can be abandoned")
        if ring_seconds is not None:
            if outcome not in (DialOutcome.HUMAN, DialOutcome.MACHINE):
                raise ValueError("ring seconds are measured for answered dials only")
            self._ring.add(_duration(ring_seconds, "ring"))
        for candidate, mean in self._shares.items():
            mean.add(1.0 if candidate is outcome else 0.0)
        self._dials += 1
        if outcome is DialOutcome.HUMAN:
            self._live_answered += 1
            self._abandoned += abandoned

    def record_talk(self, seconds: float) -> None:
        """An agent finished talking on a call of the campaign after `seconds`."""
        self._talk.add(_duration(seconds, "talk"))

    def record_wrap(self, seconds: float) -> None:
        """An agent finished wrapping up a call of the campaign after `seconds`."""
        self._wrap.add(_duration(seconds, "wrap"))

    def to_dict(self) -> dict[str, Any]:
        """The estimates as plain values, for storage."""
        means = {f"share.{o.value}": m for o, m in self._shares.items()}
        means.update(ring=self._ring, talk=self._talk, wrap=self._wrap)
        return {
            "means": {name: [mean.total, mean.weight] for name, mean in means.items()},
            "dials": self._dials,
            "liveAnswered": self._live_answered,
            "abandoned": self._abandoned,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CampaignFiguresTracker:
        """Estimates back from `to_dict`'s form; ValueError naming what is wrong otherwise."""
        tracker = cls()
        means = {f"share.{o.value}": m for o, m in tracker._shares.items()}
        means.update(ring=tracker._ring, talk=tracker._talk, wrap=tracker._wrap)
        stored = data.get("means")
        if not isinstance(stored, Mapping) or set(stored) != set(means):
            raise ValueError(f"campaign figures: 'means' must name exactly {sorted(means)}")
        for name, mean in means.items():
            pair = stored[name]
            if not (
                isinstance(pair, list | tuple)
                and len(pair) == 2
                and all(isinstance(x, int | float) and math.isfinite(x) for x in pair)
                and pair[1] > 0
            ):
                raise ValueError(f"campaign figures: '{name}' must be [total, weight > 0]")
            mean.total, mean.weight = float(pair[0]), float(pair[1])
        counts = [data.get(key) for key in ("dials", "liveAnswered", "abandoned")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
            raise ValueError("campaign figures: counts must be whole numbers >= 0")
        tracker._dials, tracker._live_answered, tracker._abandoned = counts  # type: ignore[assignment]
        return tracker

    def snapshot(self) -> CampaignFigures:
        shares = {outcome: mean.value for outcome, mean in self._shares.items()}
        return CampaignFigures(
            dials=self._dials,
            human_share=shares[DialOutcome.HUMAN],
            machine_share=shares[DialOutcome.MACHINE],
            busy_share=shares[DialOutcome.BUSY],
            no_answer_share=shares[DialOutcome.NO_ANSWER],
            failed_share=shares[DialOutcome.FAILED],
            ring_seconds=self._ring.value,
            talk_seconds=self._talk.value,
            wrap_seconds=self._wrap.value,
            live_answered=self._live_answered,
            abandoned=self._abandoned,
        )


def _duration(seconds: float, what: str) -> float:
    if not (seconds >= 0.0 and seconds != float("inf")):
        raise ValueError(f"{what} seconds must be a finite number >= 0, not {seconds!r}")
    return float(seconds)
