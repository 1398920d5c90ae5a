"""The time zones a lead's phone rings in: its own zone, else its number's region."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers.tzdata import TIMEZONE_DATA

from agentbar.domain.dialer.calling_hours import CallingHours, InvalidTimeZone
from agentbar.phones import InvalidPhone
from agentbar.phones_zones import zones_of


@pytest.mark.parametrize(
    ("phone", "zones"),
    [
        ("+12125550123", ("America/New_York",)),  # New York City
        ("+13105550123", ("America/Los_Angeles",)),
        ("+14165550123", ("America/Toronto",)),  # Canada
        ("+13065551234", ("America/Regina",)),  # Saskatchewan keeps no daylight saving
        ("+442079460123", ("Europe/London",)),  # a London landline
        ("+61291234567", ("Australia/Sydney",)),
        ("+919876543210", ("Asia/Calcutta",)),  # the metadata's name; an alias of Asia/Kolkata
    ],
)
def test_a_number_s_region_gives_its_zone(phone: str, zones: tuple[str, ...]) -> None:
    assert zones_of(phone, None) == zones


def test_an_area_code_across_two_zones_gives_both() -> None:
    south_dakota = zones_of("+16055550123", None)
    assert set(south_dakota) == {"America/Denver", "America/North_Dakota/Center"}
    # Australia's 08 area takes in Western and South Australia, 1:30 apart.
    assert set(zones_of("+61893123456", None)) == {"Australia/Adelaide", "Australia/Perth"}


def test_a_mobile_or_toll_free_number_gives_every_zone_it_may_ring_in() -> None:
    toll_free = zones_of("+18005550123", None)
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(toll_free)
    australian_mobile = zones_of("+61412345678", None)
    assert {"Australia/Perth", "Australia/Sydney"} <= set(australian_mobile)
    uk_mobile = zones_of("+447912345678", None)
    assert "Europe/London" in uk_mobile


def test_the_lead_s_own_zone_overrides_the_number_s() -> None:
    assert zones_of("+12125550123", "America/Los_Angeles") == ("America/Los_Angeles",)
    assert zones_of("+18005550123", "Asia/Kolkata") == ("Asia/Kolkata",)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "america/new_york", "EST 5", "", "America"])
def test_an_unknown_explicit_zone_is_refused_by_name(zone: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"unknown time zone '{zone}'")) as refused:
        zones_of("+12125550123", zone)
    assert isinstance(refused.value, InvalidTimeZone)


def test_a_number_the_metadata_cannot_place_gives_no_zone() -> None:
    # +800 is the international freephone code: no region, so the campaign's zone decides.
    assert zones_of("+80012345678", None) == ()


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("not a number", "is not an E.164 phone number"),
        ("2125550123", "is not an E.164 phone number"),  # no '+': no country
        ("+999123456", "is not an E.164 phone number"),  # no such country code
        ("+1212", "is not a possible phone number"),
    ],
)
def test_a_number_that_does_not_parse_is_refused_saying_why(phone: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{phone}' {reason}")) as refused:
        zones_of(phone, None)
    assert isinstance(refused.value, InvalidPhone)
    assert refused.value.code == "invalid_phone"


def test_a_bad_number_is_refused_even_with_a_zone_of_its_own() -> None:
    with pytest.raises(InvalidPhone, match="'12' is not"):
        zones_of("12", "America/New_York")


def test_every_zone_the_metadata_names_is_one_calling_hours_can_read() -> None:
    named = {zone for zones in TIMEZONE_DATA.values() for zone in zones} - {"Etc/Unknown"}
    noon = datetime(2024, 6, 12, 12, tzinfo=UTC).timestamp()
    for zone in sorted(named):
        CallingHours().allows([zone], noon)  # raises for a zone it cannot read


@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_each_region_s_example_number_gives_zones_that_exist(region: str) -> None:
    example = phonenumbers.example_number(region)
    if example is None:  # a few regions carry no example
        return
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    for zone in zones_of(e164, None):
        assert ZoneInfo(zone).key == zone


def test_a_new_york_lead_waits_for_eight_in_the_morning_in_new_york() -> None:
    zones = zones_of("+12125550123", None)
    six_in_new_york = datetime(2024, 6, 12, 10, tzinfo=UTC).timestamp()
    hours = CallingHours()
    assert not hours.allows(zones, six_in_new_york)
    assert hours.next_opening(zones, six_in_new_york) == six_in_new_york + 2 * 3600
