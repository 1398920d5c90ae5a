"""The next lead a campaign dials: the first in list order not on the do-not-call list whose
calling hours are open now in every one of its zones (its own, else the campaign's); the rest
keep their places, and the choice says when the first of them opens."""

from __future__ import annotations

from datetime import UTC, datetime

from agentbar.domain.dialer.calling_hours import CallingHours
from agentbar.domain.dialer.lead_choice import choose_lead
from agentbar.domain.model.lead_book import Lead

HOURS = CallingHours.parse("08:00-21:00")
NOON_UTC = datetime(2024, 6, 3, 12, 0, tzinfo=UTC).timestamp()
"""08:00 in New York, 05:00 in Los Angeles, 21:00 in Tokyo: New York alone is open."""


def lead(n: int, *zones: str, phone: str | None = None) -> Lead:
    return Lead(f"lead-{n}", "3", phone or f"+1555000{n:04d}", zones=zones)


def test_the_first_lead_open_in_its_zone_is_chosen_and_the_closed_ones_passed_over() -> None:
    waiting = [lead(1, "America/Los_Angeles"), lead(2, "Asia/Tokyo"), lead(3, "America/New_York")]
    choice = choose_lead(waiting, HOURS, None, frozenset(), NOON_UTC)
    assert choice.lead is waiting[2]
    assert (choice.blocked, choice.opens_at) == ([], None)


def test_every_zone_of_a_lead_must_be_open() -> None:
    spanning = lead(1, "America/New_York", "America/Chicago")  # 07:00 in Chicago
    choice = choose_lead([spanning], HOURS, None, frozenset(), NOON_UTC)
    assert choice.lead is None
    assert choice.opens_at == NOON_UTC + 3600  # 08:00 in Chicago


def test_with_none_open_the_earliest_opening_is_given() -> None:
    waiting = [lead(1, "America/Los_Angeles"), lead(2, "Asia/Tokyo")]
    choice = choose_lead(waiting, HOURS, None, frozenset(), NOON_UTC)
    assert choice.lead is None
    assert choice.opens_at == NOON_UTC + 3 * 3600  # 08:00 in Los Angeles, before Tokyo's


def test_a_lead_without_a_zone_takes_the_campaigns_and_without_one_waits() -> None:
    unplaced = lead(1)
    assert (
        choose_lead([unplaced], HOURS, "America/New_York", frozenset(), NOON_UTC).lead is unplaced
    )
    waits = choose_lead([unplaced], HOURS, None, frozenset(), NOON_UTC)
    assert (waits.lead, waits.opens_at) == (None, None)


def test_listed_numbers_are_blocked_on_the_way() -> None:
    listed, open_ = lead(1, "America/New_York", phone="+15550009999"), lead(2, "America/New_York")
    choice = choose_lead([listed, open_], HOURS, None, frozenset({"+15550009999"}), NOON_UTC)
    assert (choice.lead, choice.blocked) == (open_, [listed])


def test_hours_of_the_whole_day_take_the_first_lead_zone_or_not() -> None:
    any_hour = CallingHours.parse("00:00-24:00")
    assert any_hour.all_day
    assert str(any_hour) == "00:00-24:00"
    waiting = [lead(1), lead(2, "Asia/Tokyo")]
    assert choose_lead(waiting, any_hour, None, frozenset(), NOON_UTC).lead is waiting[0]
    assert any_hour.allows(["Asia/Tokyo"], NOON_UTC)
    assert CallingHours.parse("09:00-24:00").allows(["Asia/Tokyo"], NOON_UTC)  # 21:00 there
