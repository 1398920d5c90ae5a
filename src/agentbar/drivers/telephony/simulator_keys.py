"""A simulated caller keying digits into an IVR that asks for them: one key every KEY_GAP
seconds from the moment the IVR answers, collected by the same rules as on a real line."""

from __future__ import annotations

from agentbar.domain.model.ivr import CollectionEnd, DigitCollection, DigitCollector

KEY_GAP = 0.2
"""Seconds between a simulated caller's keys."""


def keyed(collection: DigitCollection, keys: str) -> tuple[float, str, CollectionEnd]:
    """When (seconds after the IVR answers) a caller who keys `keys` ends the collection, with
    the digits it collected and why it ended."""
    collector = DigitCollector(collection)
    for pressed, key in enumerate(keys, start=1):
        if collector.press(key):
            assert collector.ended is not None
            return pressed * KEY_GAP, collector.digits, collector.ended
    collector.time_out()
    return len(keys) * KEY_GAP + collection.timeout_seconds, collector.digits, CollectionEnd.TIMEOUT
