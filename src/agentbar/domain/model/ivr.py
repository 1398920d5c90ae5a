"""What an IVR asks of a caller: the digits it collects, and when a collection is over.

The telephony driver runs the collection (it hears the keys) with a `DigitCollector`; the
center only hears the result (DigitsCollected). Keys are the sixteen of RFC 4733's DTMF
events: 0-9, *, #, A-D.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

KEYS = "0123456789*#ABCD"
TERMINATORS = ("#", "*")


@dataclass(frozen=True)
class DigitCollection:
    """An IVR's request for digits: up to `max_digits` keys, ended early by `terminator`
    (not counted among the digits), or by `timeout_seconds` without a key (counted from the
    prompt's start, then from each key)."""

    max_digits: int
    terminator: str | None = "#"
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_digits <= 32:
            raise ValueError("max_digits must be 1 to 32")
        if self.terminator is not None and self.terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)} or none")
        if not 1 <= self.timeout_seconds <= 120:
            raise ValueError("timeout_seconds must be 1 to 120")


class CollectionEnd(StrEnum):
    """Why a collection is over."""

    MAX_DIGITS = "max_digits"
    TERMINATOR = "terminator"
    TIMEOUT = "timeout"


@dataclass
class DigitCollector:
    """One caller's keys against one collection: feed it keys as they are heard."""

    collection: DigitCollection
    digits: str = ""
    ended: CollectionEnd | None = field(default=None)

    def press(self, key: str) -> bool:
        """Count a key; True once the collection is over (keys after that are ignored, as
        are keys outside RFC 4733's sixteen)."""
        if self.ended is not None:
            return True
        key = key.upper()
        if len(key) != 1 or key not in KEYS:
            return False
        if key == self.collection.terminator:
            self.ended = CollectionEnd.TERMINATOR
        else:
            self.digits += key
            if len(self.digits) >= self.collection.max_digits:
                self.ended = CollectionEnd.MAX_DIGITS
        return self.ended is not None

    def time_out(self) -> None:
        """No key in time: the collection ends with what it has."""
        if self.ended is None:
            self.ended = CollectionEnd.TIMEOUT


@dataclass(frozen=True)
class Ivr:
    """An IVR as provisioned: calls are transferred or conferenced to it by name."""

    name: str
    description: str | None = None
    collect: DigitCollection | None = None
    """The digits it asks callers for; None: it only plays its prompt."""
