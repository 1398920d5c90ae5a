"""A campaign's live figures: cautious priors that fade, shares that follow the dials, means
that follow the durations, and refusals of samples that cannot be."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.dialer.campaign_figures import (
    PRIOR_SHARES,
    CampaignFigures,
    CampaignFiguresTracker,
    DialOutcome,
)


def shares(figures: CampaignFigures) -> list[float]:
    return [
        figures.human_share,
        figures.machine_share,
        figures.busy_share,
        figures.no_answer_share,
        figures.failed_share,
    ]


def test_a_new_campaign_starts_from_its_priors_with_no_samples() -> None:
    figures = CampaignFiguresTracker().snapshot()
    assert figures.dials == 0
    assert figures.live_answered == figures.abandoned == 0
    assert figures.human_share == PRIOR_SHARES[DialOutcome.HUMAN]
    assert sum(shares(figures)) == pytest.approx(1.0)


@given(st.lists(st.sampled_from(list(DialOutcome)), max_size=300))
def test_the_shares_always_sum_to_one_and_count_the_dials(outcomes: list[DialOutcome]) -> None:
    tracker = CampaignFiguresTracker()
    for outcome in outcomes:
        tracker.record_dial(outcome)
    figures = tracker.snapshot()
    assert sum(shares(figures)) == pytest.approx(1.0)
    assert all(0.0 <= share <= 1.0 for share in shares(figures))
    assert figures.dials == len(outcomes)
    assert figures.live_answered == outcomes.count(DialOutcome.HUMAN)


def test_the_shares_follow_what_the_dials_do_and_the_prior_fades() -> None:
    tracker = CampaignFiguresTracker()
    for i in range(2000):
        tracker.record_dial(DialOutcome.HUMAN if i % 10 < 3 else DialOutcome.NO_ANSWER)
    figures = tracker.snapshot()
    assert figures.human_share == pytest.approx(0.3, abs=0.02)
    assert figures.no_answer_share == pytest.approx(0.7, abs=0.02)
    assert figures.busy_share < 0.001


def test_the_shares_follow_a_change_within_a_few_hundred_dials() -> None:
    tracker = CampaignFiguresTracker()
    for _ in range(1000):
        tracker.record_dial(DialOutcome.BUSY)
    for _ in range(600):
        tracker.record_dial(DialOutcome.HUMAN)
    assert tracker.snapshot().human_share > 0.9


def test_durations_move_from_the_prior_to_the_campaigns_own() -> None:
    tracker = CampaignFiguresTracker()
    before = tracker.snapshot()
    tracker.record_dial(DialOutcome.HUMAN, ring_seconds=20.0)
    tracker.record_talk(60.0)
    tracker.record_wrap(5.0)
    after_one = tracker.snapshot()
    # One sample moves the estimate, but the prior (worth several samples) still weighs more.
    assert before.ring_seconds < after_one.ring_seconds < 14.0
    assert before.talk_seconds > after_one.talk_seconds > 200.0
    for _ in range(500):
        tracker.record_dial(DialOutcome.MACHINE, ring_seconds=20.0)
        tracker.record_talk(60.0)
        tracker.record_wrap(5.0)
    settled = tracker.snapshot()
    assert settled.ring_seconds == pytest.approx(20.0, rel=1e-3)
    assert settled.talk_seconds == pytest.approx(60.0, rel=1e-3)
    assert settled.wrap_seconds == pytest.approx(5.0, rel=1e-3)


def test_abandons_are_counted_among_live_answered_calls() -> None:
    tracker = CampaignFiguresTracker()
    tracker.record_dial(DialOutcome.HUMAN, 4.0)
    tracker.record_dial(DialOutcome.HUMAN, 4.0, abandoned=True)
    tracker.record_dial(DialOutcome.BUSY)
    figures = tracker.snapshot()
    assert (figures.dials, figures.live_answered, figures.abandoned) == (3, 2, 1)


@pytest.mark.parametrize("outcome", [o for o in DialOutcome if o is not DialOutcome.HUMAN])
def test_only_a_person_answering_can_be_abandoned(outcome: DialOutcome) -> None:
    tracker = CampaignFiguresTracker()
    with pytest.raises(ValueError, match="only a dial a person answered"):
        tracker.record_dial(outcome, abandoned=True)
    assert tracker.snapshot() == CampaignFiguresTracker().snapshot()


@pytest.mark.parametrize("outcome", [DialOutcome.BUSY, DialOutcome.NO_ANSWER, DialOutcome.FAILED])
def test_ring_seconds_belong_to_answered_dials(outcome: DialOutcome) -> None:
    with pytest.raises(ValueError, match="answered dials only"):
        CampaignFiguresTracker().record_dial(outcome, ring_seconds=3.0)


@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf])
def test_impossible_durations_are_refused_and_change_nothing(seconds: float) -> None:
    tracker = CampaignFiguresTracker()
    with pytest.raises(ValueError, match="finite number"):
        tracker.record_talk(seconds)
    with pytest.raises(ValueError, match="finite number"):
        tracker.record_wrap(seconds)
    with pytest.raises(ValueError, match="finite number"):
        tracker.record_dial(DialOutcome.HUMAN, ring_seconds=seconds)
    assert tracker.snapshot() == CampaignFiguresTracker().snapshot()


def test_a_snapshot_is_a_value() -> None:
    figures = CampaignFiguresTracker().snapshot()
    with pytest.raises(dataclasses.FrozenInstanceError):
        figures.dials = 5  # type: ignore[misc]
