"""The rolling abandon-rate window: parsing, counting, expiry, the budget formula and its
guarantee, and the plain-value form a store saves."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.dialer.abandon_window import (
    AbandonWindow,
    WindowLength,
    check_limit,
)

DAY = 24 * 3600.0
LIMIT = 0.03


def window(spec: str = "24h") -> AbandonWindow:
    return AbandonWindow(WindowLength.parse(spec))


def filled(connected: int, abandoned: int, at: float = 0.0, spec: str = "24h") -> AbandonWindow:
    w = window(spec)
    for _ in range(connected):
        w.record_connected(at)
    for _ in range(abandoned):
        w.record_abandoned(at)
    return w


def largest_safe(answered: int, abandoned: int, limit: float) -> int:
    """The largest k with (a + k) / (n + k) <= limit, by counting up (exact arithmetic)."""
    exact = Fraction(repr(limit))
    k = 0
    while abandoned + k + 1 <= exact * (answered + k + 1):
        k += 1
    return k if abandoned <= exact * answered else 0


def test_the_two_regulators_windows_parse() -> None:
    assert WindowLength.parse("30d").seconds == 30 * DAY
    assert WindowLength.parse("30d").buckets == 720
    assert WindowLength.parse(" 24H ").seconds == DAY
    assert WindowLength.parse("24h").bucket_seconds == 900


@pytest.mark.parametrize("text", ["", "7d", "30", "30 days", "1h", "d30"])
def test_other_window_lengths_are_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="use one of 30d, 24h"):
        WindowLength.parse(text)


@pytest.mark.parametrize("limit", [0.0, 1.0, -0.03, 3.0, math.nan, math.inf])
def test_a_limit_outside_zero_to_one_is_refused(limit: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        check_limit(limit)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        window().budget(0.0, limit)


def test_the_rate_counts_abandons_over_live_answered_calls() -> None:
    w = filled(connected=97, abandoned=3)
    assert w.counts(10.0) == (100, 3)
    assert w.rate(10.0) == pytest.approx(0.03)
    assert window().rate(0.0) == 0.0


def test_calls_leave_the_window_with_their_bucket() -> None:
    w = filled(connected=10, abandoned=1, at=100.0)
    w.record_connected(DAY - 1.0)
    assert w.counts(DAY - 1.0) == (12, 1)
    assert w.counts(DAY + 100.0) == (1, 0)  # the bucket of t=100 s has left
    assert w.counts(3 * DAY) == (0, 0)


def test_a_call_dialled_before_the_window_is_not_counted() -> None:
    w = window()
    w.record_connected(2 * DAY)
    w.record_abandoned(0.5 * DAY)  # its bucket left the window already
    assert w.counts(2 * DAY) == (1, 0)


def test_reading_back_in_time_reads_the_latest_window() -> None:
    w = filled(connected=5, abandoned=0, at=2 * DAY)
    assert w.counts(0.0) == (5, 0)


@pytest.mark.parametrize(
    ("answered", "abandoned", "expected"),
    [
        (0, 0, 0),  # nothing answered: nothing may go ahead
        (33, 0, 1),  # 1 / 34 < 3%, 2 / 35 > 3%
        (100, 0, 3),  # 3 / 103
        (97, 0, 3),  # 3 / 100 is exactly the limit, which is within it
        (100, 3, 0),  # at the limit
        (100, 10, 0),  # above it: never negative
        (1000, 10, 20),  # (30 - 10) / 0.97 = 20.6
    ],
)
def test_the_budget_formula(answered: int, abandoned: int, expected: int) -> None:
    w = filled(connected=answered - abandoned, abandoned=abandoned)
    assert w.budget(0.0, LIMIT) == expected == largest_safe(answered, abandoned, LIMIT)


def test_the_budget_does_not_rely_on_buckets_about_to_expire() -> None:
    w = filled(connected=1000, abandoned=0, at=0.0)
    late = DAY - 1800.0
    # Read only now, the whole window counts; read half an hour on, the first bucket is gone
    # and what is left has no live-answered call to set abandons against.
    assert w.budget(late, LIMIT, horizon=0.0) == 30
    assert w.budget(late, LIMIT, horizon=3600.0) == 0
    assert w.budget(late, LIMIT) == 0


def test_an_empty_newest_bucket_allows_nothing_ahead_whatever_came_before() -> None:
    w = filled(connected=1000, abandoned=0, at=0.0)
    assert w.budget(0.0, LIMIT) == 30
    # In the next bucket, a call dialled now would be the only call of the window that
    # remains once the older ones leave it.
    assert w.budget(900.0, LIMIT) == 0
    for _ in range(67):
        w.record_connected(900.0)
    assert w.budget(900.0, LIMIT) == 2


def rate_at_every_later_time(w: AbandonWindow, now: float) -> list[float]:
    step = w.length.bucket_seconds
    return [w.rate(now + step * i) for i in range(w.length.buckets + 1)]


histories = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=2 * DAY), st.integers(0, 400), st.integers(0, 20)),
    max_size=12,
)


def replay(history: list[tuple[float, int, int]]) -> AbandonWindow:
    w = window("24h")
    for at, connected, abandoned in sorted(history):
        for _ in range(connected):
            w.record_connected(at)
        for _ in range(abandoned):
            w.record_abandoned(at)
    return w


@given(history=histories, limit=st.sampled_from([0.03, 0.05, 0.1, 0.5]))
def test_spending_the_budget_keeps_every_later_window_within_the_limit(
    history: list[tuple[float, int, int]], limit: float
) -> None:
    w = replay(history)
    now = max((at for at, _, _ in history), default=0.0)
    if any(rate > limit for rate in rate_at_every_later_time(replay(history), now)):
        assert w.budget(now, limit) == 0  # already over somewhere: nothing to spend
        return
    for _ in range(w.budget(now, limit)):
        w.record_abandoned(now)
    assert all(rate <= limit for rate in rate_at_every_later_time(w, now))


@given(history=histories, limit=st.sampled_from([0.03, 0.05, 0.1, 0.5]))
def test_one_call_more_than_the_budget_would_break_some_later_window(
    history: list[tuple[float, int, int]], limit: float
) -> None:
    w = replay(history)
    now = max((at for at, _, _ in history), default=0.0)
    for _ in range(w.budget(now, limit) + 1):
        w.record_abandoned(now)
    assert any(rate > limit for rate in rate_at_every_later_time(w, now))


@given(history=histories, spec=st.sampled_from(["24h", "30d"]))
def test_the_plain_form_round_trips(history: list[tuple[float, int, int]], spec: str) -> None:
    w = AbandonWindow(WindowLength.parse(spec))
    for at, connected, abandoned in sorted(history):
        for _ in range(connected):
            w.record_connected(at)
        for _ in range(abandoned):
            w.record_abandoned(at)
    back = AbandonWindow.from_dict(w.to_dict())
    assert back.to_dict() == w.to_dict()
    now = max((at for at, _, _ in history), default=0.0)
    assert back.counts(now) == w.counts(now)
    assert back.budget(now, LIMIT) == w.budget(now, LIMIT)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"window": 30, "newest": None, "buckets": []}, "'window' must be a string"),
        ({"window": "7d", "newest": None, "buckets": []}, "unknown abandon window"),
        ({"window": "24h", "newest": None, "buckets": {}}, "'buckets' must be a list"),
        ({"window": "24h", "newest": None, "buckets": [[0, 1, 0]]}, "without 'newest'"),
        ({"window": "24h", "newest": "5", "buckets": []}, "integer bucket index"),
        ({"window": "24h", "newest": 5, "buckets": [[5, 1]]}, "bucket 0 must be"),
        ({"window": "24h", "newest": 5, "buckets": [[5, 1, 2]]}, "abandoned <= answered"),
        ({"window": "24h", "newest": 500, "buckets": [[5, 1, 0]]}, "outside the window"),
    ],
)
def test_a_malformed_plain_form_is_refused_with_what_is_wrong(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        AbandonWindow.from_dict(data)
