"""Calling hours in the lead's local time: the window, its parsing, and when it next opens,
across several zones and across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentbar.domain.dialer.calling_hours import (
    CallingHours,
    InvalidCallingHours,
    InvalidTimeZone,
)
from agentbar.domain.model.errors import DomainError

NEW_YORK = "America/New_York"
CHICAGO = "America/Chicago"
DEFAULT = CallingHours()


def utc(text: str) -> float:
    """Epoch seconds of a UTC moment written '2024-03-10T05:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def wall(zone: str, text: str, fold: int = 0) -> float:
    """Epoch seconds of a moment written on `zone`'s clock."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold).timestamp()


def local_time(zone: str, moment: float) -> time:
    return datetime.fromtimestamp(moment, ZoneInfo(zone)).time()


def hours(text: str) -> CallingHours:
    return CallingHours.parse(text)


# --- the window and how it is written -------------------------------------------------------


def test_the_default_hours_are_eight_to_nine_in_the_evening() -> None:
    assert (DEFAULT.start, DEFAULT.end) == (time(8), time(21))
    assert str(DEFAULT) == "08:00-21:00"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:00-21:00", time(8), time(21)),
        (" 9:30 - 17:45 ", time(9, 30), time(17, 45)),
        ("00:00-23:59", time(0), time(23, 59)),
    ],
)
def test_hours_parse_from_text(text: str, start: time, end: time) -> None:
    assert hours(text) == CallingHours(start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not of the form 'HH:MM-HH:MM'"),
        ("8-21", "not of the form 'HH:MM-HH:MM'"),
        ("08:00", "not of the form 'HH:MM-HH:MM'"),
        ("08:00 to 21:00", "not of the form 'HH:MM-HH:MM'"),
        ("24:00-25:00", "24:00 is not a time of day"),
        ("08:60-21:00", "08:60 is not a time of day"),
        ("21:00-08:00", "must end after they start"),
        ("08:00-08:00", "must end after they start"),
    ],
)
def test_malformed_hours_are_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidCallingHours, match=reason):
        hours(text)


def test_hours_that_end_before_they_start_are_refused() -> None:
    with pytest.raises(ValueError, match="must end after they start"):
        CallingHours(time(21), time(8))


def test_hours_with_a_time_zone_of_their_own_are_refused() -> None:
    with pytest.raises(ValueError, match="take no time zone"):
        CallingHours(time(8, tzinfo=UTC), time(21))


def test_refusals_are_value_errors_and_domain_errors_with_a_code() -> None:
    with pytest.raises(ValueError, match="not of the form") as refused:
        hours("soon")
    assert isinstance(refused.value, DomainError)
    assert refused.value.code == "invalid_calling_hours"


# --- allows -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [
        ("2024-06-12T07:59:59", False),
        ("2024-06-12T08:00:00", True),
        ("2024-06-12T20:59:59", True),
        ("2024-06-12T21:00:00", False),
        ("2024-06-12T23:30:00", False),
        ("2024-06-12T03:00:00", False),
    ],
)
def test_allows_from_the_start_up_to_not_including_the_end(clock: str, allowed: bool) -> None:
    assert DEFAULT.allows([NEW_YORK], wall(NEW_YORK, clock)) is allowed


def test_every_zone_of_a_number_must_be_inside_the_hours() -> None:
    zones = [NEW_YORK, CHICAGO]
    assert not DEFAULT.allows(zones, wall(NEW_YORK, "2024-06-12T08:30"))  # 07:30 in Chicago
    assert DEFAULT.allows(zones, wall(NEW_YORK, "2024-06-12T09:00"))
    assert not DEFAULT.allows(zones, wall(NEW_YORK, "2024-06-12T21:00"))  # 20:00 in Chicago


def test_a_zone_named_twice_counts_once() -> None:
    moment = wall(NEW_YORK, "2024-06-12T12:00")
    assert DEFAULT.allows([NEW_YORK, NEW_YORK], moment)
    assert DEFAULT.next_opening([NEW_YORK, NEW_YORK], moment) == moment


def test_an_unknown_zone_is_refused_by_name() -> None:
    with pytest.raises(InvalidTimeZone, match="unknown time zone 'Mars/Olympus_Mons'"):
        DEFAULT.allows([NEW_YORK, "Mars/Olympus_Mons"], 0.0)
    with pytest.raises(ValueError, match="unknown time zone 'America'"):
        DEFAULT.next_opening(["America"], 0.0)


def test_no_zone_at_all_is_refused_rather_than_allowed() -> None:
    with pytest.raises(InvalidTimeZone, match="no time zone"):
        DEFAULT.allows([], 0.0)
    with pytest.raises(InvalidTimeZone, match="no time zone"):
        DEFAULT.next_opening((), 0.0)


def test_a_lone_zone_name_is_not_taken_for_a_list_of_letters() -> None:
    with pytest.raises(TypeError, match="not one name"):
        DEFAULT.allows(NEW_YORK, 0.0)


# --- next_opening -----------------------------------------------------------------------------


def test_next_opening_is_now_when_the_hours_are_open() -> None:
    now = wall(NEW_YORK, "2024-06-12T12:34:56.789")
    assert DEFAULT.next_opening([NEW_YORK], now) == now


def test_next_opening_before_the_start_is_the_same_morning() -> None:
    now = wall(NEW_YORK, "2024-06-12T06:10:11.5")
    assert DEFAULT.next_opening([NEW_YORK], now) == wall(NEW_YORK, "2024-06-12T08:00")


def test_next_opening_at_the_end_is_the_next_morning() -> None:
    now = wall(NEW_YORK, "2024-06-12T21:00")
    assert DEFAULT.next_opening([NEW_YORK], now) == wall(NEW_YORK, "2024-06-13T08:00")


def test_next_opening_waits_for_the_latest_zone() -> None:
    now = wall(NEW_YORK, "2024-06-12T07:00")
    assert DEFAULT.next_opening([NEW_YORK, CHICAGO], now) == wall(CHICAGO, "2024-06-12T08:00")


@pytest.mark.parametrize(
    ("zone", "now", "opening"),
    [
        ("Europe/London", "2024-06-12T05:00", "2024-06-12T07:00"),  # British Summer Time
        ("Europe/London", "2024-12-12T05:00", "2024-12-12T08:00"),
        ("Asia/Kolkata", "2024-06-12T00:00", "2024-06-12T02:30"),  # +05:30 all year
        ("Australia/Sydney", "2024-06-12T12:00", "2024-06-12T22:00"),  # +10 in winter: 22:00
        ("Australia/Sydney", "2024-12-12T00:00", "2024-12-12T00:00"),  # +11 in summer: 11:00
        ("America/Toronto", "2024-12-12T03:00", "2024-12-12T13:00"),  # 22:00 the evening before
    ],
)
def test_next_opening_in_several_countries(zone: str, now: str, opening: str) -> None:
    assert DEFAULT.next_opening([zone], utc(now)) == utc(opening)


def test_the_morning_after_spring_forward_opens_an_hour_earlier_in_utc() -> None:
    # New York went from 02:00 EST to 03:00 EDT on 10 March 2024.
    assert DEFAULT.next_opening([NEW_YORK], utc("2024-03-09T05:00")) == utc("2024-03-09T13:00")
    assert DEFAULT.next_opening([NEW_YORK], utc("2024-03-10T05:00")) == utc("2024-03-10T12:00")


def test_the_morning_after_fall_back_opens_an_hour_later_in_utc() -> None:
    # New York went from 02:00 EDT back to 01:00 EST on 3 November 2024.
    assert DEFAULT.next_opening([NEW_YORK], utc("2024-11-02T04:00")) == utc("2024-11-02T12:00")
    assert DEFAULT.next_opening([NEW_YORK], utc("2024-11-03T04:00")) == utc("2024-11-03T13:00")
    assert DEFAULT.allows([NEW_YORK], utc("2024-11-04T01:59:59"))  # 20:59:59 EST
    assert not DEFAULT.allows([NEW_YORK], utc("2024-11-04T02:00"))


def test_a_start_skipped_by_spring_forward_opens_at_the_change() -> None:
    # 02:30 never happens on 10 March 2024 in New York; 03:00 EDT (07:00 UTC) is in the hours.
    night = hours("02:30-05:00")
    assert night.next_opening([NEW_YORK], utc("2024-03-10T06:00")) == utc("2024-03-10T07:00")
    assert local_time(NEW_YORK, utc("2024-03-10T07:00")) == time(3)


def test_hours_wholly_skipped_by_spring_forward_open_the_next_day() -> None:
    skipped = hours("02:00-02:30")
    opening = skipped.next_opening([NEW_YORK], utc("2024-03-10T06:00"))
    assert opening == wall(NEW_YORK, "2024-03-11T02:00")


def test_hours_in_the_repeated_hour_of_fall_back_open_twice() -> None:
    # 01:00-02:00 happens twice on 3 November 2024: 05:00-06:00 UTC (EDT), 06:00-07:00 (EST).
    repeated = hours("01:30-03:00")
    assert repeated.allows([NEW_YORK], utc("2024-11-03T05:45"))  # 01:45 EDT
    assert not repeated.allows([NEW_YORK], utc("2024-11-03T06:15"))  # 01:15 EST
    assert repeated.next_opening([NEW_YORK], utc("2024-11-03T06:00")) == utc("2024-11-03T06:30")
    first_half = hours("01:00-01:30")
    # Closed at 01:30 EDT, open again when the clock falls back to 01:00 EST.
    assert first_half.next_opening([NEW_YORK], utc("2024-11-03T05:30")) == utc("2024-11-03T06:00")


def test_zones_twelve_hours_apart_overlap_only_with_wide_hours() -> None:
    east, west = "Etc/GMT-6", "Etc/GMT+6"  # UTC+6 and UTC-6 (the names' signs are inverted)
    now = utc("2024-01-10T00:00")
    assert hours("08:00-12:00").next_opening([east, west], now) is None
    assert DEFAULT.next_opening([east, west], now) == utc("2024-01-10T02:00")
    assert not DEFAULT.allows([east, west], utc("2024-01-10T03:00"))


def test_zones_that_overlap_only_in_summer_wait_for_daylight_saving() -> None:
    # New York and Kolkata are 10:30 apart in winter, 9:30 in summer: ten hours overlap only then.
    office = hours("08:00-18:00")
    zones = [NEW_YORK, "Asia/Kolkata"]
    assert office.next_opening(zones, utc("2024-01-10T00:00")) == utc("2024-03-10T12:00")
    assert office.allows(zones, utc("2024-03-10T12:29"))
    assert not office.allows(zones, utc("2024-03-10T12:30"))


# --- properties -------------------------------------------------------------------------------

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/St_Johns",
    "America/Toronto",
    "America/Santiago",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
]
# Modern times only: long ago some zones' offsets had odd seconds and changed more than yearly.
moments = st.floats(
    min_value=utc("2000-01-01T00:00"), max_value=utc("2040-01-01T00:00"), allow_nan=False
)
zone_lists = st.lists(st.sampled_from(ZONES), min_size=1, max_size=3)


@st.composite
def windows(draw: st.DrawFn, shortest_minutes: int = 1) -> CallingHours:
    start = draw(st.integers(0, 1439 - shortest_minutes))
    end = draw(st.integers(start + shortest_minutes, 1439))
    return CallingHours(time(*divmod(start, 60)), time(*divmod(end, 60)))


MINUTE = 60.0
SCAN = 2 * 24 * 3600.0  # how far the minute-by-minute check looks for an earlier opening


@settings(max_examples=150)
@given(windows(), zone_lists, moments)
def test_allows_agrees_with_each_zone_s_wall_clock(
    window: CallingHours, zones: list[str], now: float
) -> None:
    on_the_walls = [local_time(zone, now) for zone in zones]
    expected = all(window.start <= clock < window.end for clock in on_the_walls)
    assert window.allows(zones, now) is expected


@settings(max_examples=60, deadline=None)
@given(windows(), zone_lists, moments)
def test_next_opening_is_allowed_and_nothing_before_it_is(
    window: CallingHours, zones: list[str], now: float
) -> None:
    opening = window.next_opening(zones, now)
    if opening is not None:
        assert opening >= now
        assert window.allows(zones, opening)
    until = now + SCAN if opening is None else min(opening, now + SCAN)
    # Hours and offsets are whole minutes, so any open stretch holds one of these moments.
    # Moments are told apart to the microsecond: a probe closer than that to the opening is it.
    probe = now
    while probe < until - 1e-6:
        assert not window.allows(zones, probe), datetime.fromtimestamp(probe, UTC)
        probe += MINUTE


@given(windows(), zone_lists, moments)
def test_next_opening_is_now_whenever_the_hours_allow_now(
    window: CallingHours, zones: list[str], now: float
) -> None:
    if window.allows(zones, now):
        assert window.next_opening(zones, now) == now


@settings(max_examples=150)
@given(windows(shortest_minutes=60), st.sampled_from(ZONES), moments)
def test_one_zone_opens_within_a_day(window: CallingHours, zone: str, now: float) -> None:
    opening = window.next_opening([zone], now)
    assert opening is not None
    assert opening - now <= timedelta(hours=24).total_seconds()


@given(windows(), st.sampled_from(ZONES), moments)
def test_one_zone_opens_within_two_days_even_for_hours_a_clock_change_skips(
    window: CallingHours, zone: str, now: float
) -> None:
    opening = window.next_opening([zone], now)
    assert opening is not None
    assert opening - now <= timedelta(hours=48).total_seconds()


@given(windows())
def test_hours_read_back_from_how_they_are_written(window: CallingHours) -> None:
    assert CallingHours.parse(str(window)) == window
