"""The time zones a lead's phone rings in: the lead's own zone when it names one, else the zones
of its number's region from the phone-number metadata."""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as number_zones

from agentbar.domain.dialer.calling_hours import time_zone
from agentbar.phones import InvalidPhone


class InvalidPhoneNumber(InvalidPhone, ValueError):
    """A number given as E.164 that is not one."""


def zones_of(phone_e164: str, explicit: str | None) -> tuple[str, ...]:
    """The IANA time zones whose clocks decide when `phone_e164` may be called.

    `explicit` (the lead's own zone) wins when given and must be a known zone (InvalidTimeZone
    otherwise). Else the number's region decides: one zone for most numbers, several for a
    region that spans more (a US area code across two, a toll-free number). An empty tuple
    means the metadata cannot place the number, and the caller falls back on its campaign's zone.
    """
    number = _parsed(phone_e164)
    if explicit is not None:
        time_zone(explicit)
        return (explicit,)
    zones = number_zones.time_zones_for_number(number)
    return tuple(zone for zone in zones if zone != number_zones.UNKNOWN_TIMEZONE)


def _parsed(phone_e164: str) -> phonenumbers.PhoneNumber:
    try:
        # No default region: an E.164 number names its own country after the '+'.
        number = phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(f"'{phone_e164}' is not an E.164 phone number: {error}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber(f"'{phone_e164}' is not a possible phone number")
    return number
