"""The rolling compliance window: live-answered and abandoned calls of one campaign, counted in
fixed time buckets, with the abandon rate it shows and the budget of calls that may still go
out with no agent reserved for them.

An abandoned call is a live-answered call too (the rate is abandoned / live-answered), so
`record_abandoned` counts it in both. Outcomes are recorded at the time the call was *dialled*,
so every call placed after a decision lands in the bucket that decision saw; docs/dialer.md
explains why the budget needs that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class WindowLength:
    """A window a regulator measures over, and the buckets it is kept in."""

    spec: str
    bucket_seconds: int
    buckets: int

    @property
    def seconds(self) -> int:
        return self.bucket_seconds * self.buckets

    @classmethod
    def parse(cls, text: str) -> WindowLength:
        """`30d` (US: 720 buckets of an hour) or `24h` (UK: 96 buckets of 15 minutes)."""
        known = WINDOW_LENGTHS.get(text.strip().lower())
        if known is None:
            raise ValueError(
                f"unknown abandon window {text!r}: use one of {', '.join(WINDOW_LENGTHS)}"
            )
        return known


WINDOW_LENGTHS = {
    "30d": WindowLength("30d", bucket_seconds=3600, buckets=720),
    "24h": WindowLength("24h", bucket_seconds=900, buckets=96),
}


def check_limit(limit: float) -> float:
    """The abandon limit as a share of live-answered calls: strictly between 0 and 1."""
    if not (isinstance(limit, int | float) and 0.0 < limit < 1.0):
        raise ValueError(f"abandon limit must be a share strictly between 0 and 1, not {limit!r}")
    return float(limit)


class AbandonWindow:
    """Counts of one campaign's live-answered and abandoned calls over a rolling window.

    Time only moves forward for a window: a read or record at an earlier time than one already
    seen reads the window as of the latest time seen.
    """

    __slots__ = ("_abandoned", "_answered", "_cache", "_dirty_from", "_newest", "length")

    def __init__(self, length: WindowLength) -> None:
        self.length = length
        self._answered = [0] * length.buckets
        self._abandoned = [0] * length.buckets
        self._newest: int | None = None
        """The absolute index (time // bucket_seconds) of the newest bucket in the window."""
        self._cache: tuple[tuple[int, int, int, int], int] | None = None
        self._dirty_from = math.inf
        """The oldest bucket index changed since the cached prefix maximum was computed."""

    # -- recording ---------------------------------------------------------------------------

    def record_connected(self, dialled_at: float) -> None:
        """A call dialled at `dialled_at` was answered by a person and reached an agent."""
        self._record(dialled_at, abandoned=False)

    def record_abandoned(self, dialled_at: float) -> None:
        """A call dialled at `dialled_at` was answered by a person and no agent came in time."""
        self._record(dialled_at, abandoned=True)

    def _record(self, dialled_at: float, *, abandoned: bool) -> None:
        self._advance(dialled_at)
        index = self._index(dialled_at)
        assert self._newest is not None
        if index <= self._newest - self.length.buckets:
            return  # dialled so long ago that its bucket has left the window
        slot = index % self.length.buckets
        self._answered[slot] += 1
        if abandoned:
            self._abandoned[slot] += 1
        self._dirty_from = min(self._dirty_from, index)

    # -- reading -----------------------------------------------------------------------------

    def counts(self, now: float) -> tuple[int, int]:
        """(live-answered, abandoned) in the window as of `now`."""
        self._advance(now)
        return sum(self._answered), sum(self._abandoned)

    def rate(self, now: float) -> float:
        """Abandoned over live-answered in the window as of `now`; 0.0 with nothing answered."""
        answered, abandoned = self.counts(now)
        return abandoned / answered if answered else 0.0

    def budget(self, now: float, limit: float, horizon: float | None = None) -> int:
        """How many more calls may be in flight with no agent reserved such that, even if every
        one of them were answered and abandoned, no window read from `now` on shows an abandon
        rate above `limit`; with `horizon`, only the windows read up to `now + horizon`.

        With a abandons and n live-answered calls in a window, k more abandons keep it within
        the limit while k <= (limit*n - a) / (1 - limit). The window read at a later time has
        lost its oldest buckets, so the budget is the smallest k over every window still to be
        read: every run of buckets from one inside the window to the newest. Exact arithmetic
        (the limit as the decimal fraction it is written as), floored, never negative.
        """
        check_limit(limit)
        if horizon is not None and not horizon >= 0:
            raise ValueError(f"horizon must be zero or more seconds, not {horizon!r}")
        self._advance(now)
        assert self._newest is not None
        newest, count = self._newest, self.length.buckets
        oldest = newest - count + 1
        last_start = newest
        if horizon is not None:
            last_start = max(oldest, min(newest, self._index(now + horizon) - count + 1))
        # The limit as the decimal it is written as (0.03 is 3/100, not the binary float near
        # it): exact, and a rate a/n within it also compares within it as a float.
        exact = Fraction(repr(float(limit)))
        top, bottom = exact.numerator, exact.denominator
        # margin(run from j) = top*n_j - bottom*a_j = margin(all) - margin(buckets before j)
        whole = top * sum(self._answered) - bottom * sum(self._abandoned)
        smallest = whole - self._largest_prefix_margin(oldest, last_start, top, bottom)
        return max(0, smallest // (bottom - top))

    def _largest_prefix_margin(self, oldest: int, last_start: int, top: int, bottom: int) -> int:
        """The largest margin of the buckets before j, over j from `oldest` to `last_start`.

        Only buckets before `last_start` count, and calls are recorded in the newest bucket, so
        the value is kept until the window moves or an older bucket changes.
        """
        key = (oldest, last_start, top, bottom)
        if self._cache is not None and self._cache[0] == key and self._dirty_from >= last_start:
            return self._cache[1]
        largest = running = 0
        for index in range(oldest, last_start):
            slot = index % self.length.buckets
            running += top * self._answered[slot] - bottom * self._abandoned[slot]
            largest = max(largest, running)
        self._cache = (key, largest)
        self._dirty_from = math.inf
        return largest

    # -- time --------------------------------------------------------------------------------

    def _index(self, at: float) -> int:
        return math.floor(at / self.length.bucket_seconds)

    def _advance(self, now: float) -> None:
        """Move the window's newest bucket to `now`'s, emptying the buckets that left it."""
        index = self._index(now)
        if self._newest is None:
            self._newest = index
            return
        if index <= self._newest:
            return
        passed = min(index - self._newest, self.length.buckets)
        for gone in range(self._newest + 1, self._newest + 1 + passed):
            slot = gone % self.length.buckets
            self._answered[slot] = 0
            self._abandoned[slot] = 0
        self._newest = index

    # -- plain values for storage --------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """The window as plain values: its length and the non-empty buckets by absolute index."""
        buckets: list[list[int]] = []
        if self._newest is not None:
            for index in range(self._newest - self.length.buckets + 1, self._newest + 1):
                slot = index % self.length.buckets
                if self._answered[slot]:
                    buckets.append([index, self._answered[slot], self._abandoned[slot]])
        return {"window": self.length.spec, "newest": self._newest, "buckets": buckets}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AbandonWindow:
        """A window back from `to_dict`'s form; ValueError naming what is wrong otherwise."""
        spec = data.get("window")
        if not isinstance(spec, str):
            raise ValueError("abandon window: 'window' must be a string such as '30d'")
        window = cls(WindowLength.parse(spec))
        newest = data.get("newest")
        buckets = data.get("buckets")
        if not isinstance(buckets, list):
            raise ValueError("abandon window: 'buckets' must be a list")
        if newest is None:
            if buckets:
                raise ValueError("abandon window: buckets given without 'newest'")
            return window
        if not isinstance(newest, int) or isinstance(newest, bool):
            raise ValueError("abandon window: 'newest' must be an integer bucket index")
        window._newest = newest
        for position, bucket in enumerate(buckets):
            index, answered, abandoned = _bucket(bucket, position)
            if not newest - window.length.buckets < index <= newest:
                raise ValueError(f"abandon window: bucket {position} lies outside the window")
            slot = index % window.length.buckets
            window._answered[slot] += answered
            window._abandoned[slot] += abandoned
        return window


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bucket(value: object, position: int) -> tuple[int, int, int]:
    if not (isinstance(value, list | tuple) and len(value) == 3 and all(map(_is_int, value))):
        raise ValueError(f"abandon window: bucket {position} must be [index, answered, abandoned]")
    index, answered, abandoned = value
    if not 0 <= abandoned <= answered:
        raise ValueError(
            f"abandon window: bucket {position} needs 0 <= abandoned <= answered "
            "(an abandoned call is a live-answered call too)"
        )
    return index, answered, abandoned
