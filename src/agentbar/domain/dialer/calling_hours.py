"""Calling hours: when a lead may be dialled, judged by the clock on the lead's own wall.

A number can belong to several time zones (a US area code that spans two, a toll-free number
that spans a continent), so a lead may be dialled only while the local time in every one of
them is inside the window. Time is an argument: epoch seconds in, epoch seconds out.

Moments are reckoned in whole microseconds inside, so an opening found here is an opening
again when asked about (a float sum could land a hair before the hour and miss it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentbar.domain.model.errors import DomainError

DEFAULT_START = time(8, 0)
DEFAULT_END = time(21, 0)
END_OF_DAY = time.max
"""The end written '24:00': hours from '00:00' to it are the whole day (`all_day`)."""
ALL_DAY = "00:00-24:00"

_MICROS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Daylight-saving rules repeat yearly: when the zones share no open moment in a year and a few
# days from now, they never will (until a government changes its rules).
_HORIZON_MICROS = 371 * 24 * 3600 * _MICROS
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


class InvalidCallingHours(DomainError, ValueError):
    code = "invalid_calling_hours"


class InvalidTimeZone(DomainError, ValueError):
    code = "invalid_time_zone"


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`, or InvalidTimeZone naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name that is a folder of the database, such as 'America'.
        raise InvalidTimeZone(
            f"unknown time zone '{name}' (expected an IANA name such as 'America/New_York')"
        ) from None


@dataclass(frozen=True)
class CallingHours:
    """The local hours in which a lead may be called: from `start` up to, not including, `end`."""

    start: time = DEFAULT_START
    end: time = DEFAULT_END

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidCallingHours(
                "calling hours are times on the lead's own clock and take no time zone"
            )
        if self.end <= self.start:
            raise InvalidCallingHours(
                f"calling hours must end after they start, within one day: '{self}' does not"
            )

    @classmethod
    def parse(cls, text: str) -> CallingHours:
        """Calling hours written as 'HH:MM-HH:MM', such as '08:00-21:00'."""
        match = _WINDOW.fullmatch(text)
        if match is None:
            raise InvalidCallingHours(
                f"calling hours '{text}' are not of the form 'HH:MM-HH:MM' (e.g. '08:00-21:00')"
            )
        start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
        if (end_hour, end_minute) == (24, 0):
            return cls(_clock(text, start_hour, start_minute), END_OF_DAY)
        return cls(_clock(text, start_hour, start_minute), _clock(text, end_hour, end_minute))

    def __str__(self) -> str:
        end = "24:00" if self.end == END_OF_DAY else _written(self.end)
        return f"{_written(self.start)}-{end}"

    @property
    def all_day(self) -> bool:
        """Hours of the whole day ('00:00-24:00'): any moment, in any zone or none."""
        return self.start == time(0, 0) and self.end == END_OF_DAY

    def allows(self, zones: Sequence[str], now: float) -> bool:
        """Whether the local time at `now` is inside the hours in every one of `zones`."""
        if self.all_day:
            return True
        moment = _micros(now)
        return all(self._open(zone, moment) for zone in _time_zones(zones))

    def next_opening(self, zones: Sequence[str], now: float) -> float | None:
        """The earliest moment from `now` on when every one of `zones` is inside the hours
        (`now` itself when they already are), or None when they never are together."""
        if self.all_day:
            return now
        zone_infos = _time_zones(zones)
        first = _micros(now)
        moment = first
        while moment <= first + _HORIZON_MICROS:
            closed = [zone for zone in zone_infos if not self._open(zone, moment)]
            if not closed:
                return now if moment == first else moment / _MICROS
            # Each closed zone stays closed until its own next opening, so no moment before
            # the latest of those can suit them all.
            moment = max(self._next_open(zone, moment) for zone in closed)
        return None

    def _open(self, zone: tzinfo, moment: int) -> bool:
        local = _local(zone, moment).time()
        return self.start <= local and (local < self.end or self.end == END_OF_DAY)

    def _next_open(self, zone: tzinfo, moment: int) -> int:
        """The first moment after `moment` (when `zone` is closed) at which `zone` opens.

        Between changes of the zone's offset, its clock runs with the world's, so the opening
        is at the next `start` on the wall. A change on the way (daylight saving) moves that;
        the zone may also open at the change itself (a fall-back into the hours, or a
        spring-forward over `start`), so from a change the search goes on from there.
        """
        while True:
            local = _local(zone, moment)
            wall = local.replace(tzinfo=None)
            day = wall.date() if wall.time() < self.start else wall.date() + timedelta(days=1)
            at_start = moment + _as_micros(datetime.combine(day, self.start) - wall)
            change = _first_offset_change(zone, moment, at_start)
            if change is None:
                return at_start
            if self._open(zone, change):
                return change
            moment = change


@functools.lru_cache(maxsize=256)
def calling_hours_of(text: str) -> CallingHours:
    """`CallingHours.parse`, once per spelling: the dialer reads a campaign's hours each time
    it deals out a lead."""
    return CallingHours.parse(text)


def _first_offset_change(zone: tzinfo, after: int, until: int) -> int | None:
    """The first moment in (after, until] at which `zone`'s offset from UTC differs from its
    offset at `after`, or None when it is the same at `until`.

    `until` is at most a day and a bit after `after`, and no zone changes its offset and back
    within a day, so the same offset at both ends means no change between them.
    """
    offset = _local(zone, after).utcoffset()
    if _local(zone, until).utcoffset() == offset:
        return None
    low, high = after, until  # offset(low) is the old one, offset(high) is not
    while high - low > 1:
        middle = (low + high) // 2
        if _local(zone, middle).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def _time_zones(zones: Sequence[str]) -> tuple[ZoneInfo, ...]:
    if isinstance(zones, str):
        # A lone name is a sequence of letters; judging 'A', 'm', ... would be nonsense.
        raise TypeError(f"zones is a sequence of time zone names, not one name: '{zones}'")
    if not zones:
        raise InvalidTimeZone("no time zone to judge calling hours by")
    return tuple(time_zone(name) for name in dict.fromkeys(zones))


def _local(zone: tzinfo, moment: int) -> datetime:
    return (_EPOCH + timedelta(microseconds=moment)).astimezone(zone)


def _micros(seconds: float) -> int:
    return round(seconds * _MICROS)


def _as_micros(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * _MICROS + span.microseconds


def _clock(text: str, hour: int, minute: int) -> time:
    if hour > 23 or minute > 59:
        raise InvalidCallingHours(
            f"calling hours '{text}': {hour:02d}:{minute:02d} is not a time of day "
            "(hours 00-23, minutes 00-59)"
        )
    return time(hour, minute)


def _written(moment: time) -> str:
    whole_minute = moment.second == moment.microsecond == 0
    return moment.isoformat(timespec="minutes" if whole_minute else "auto")
