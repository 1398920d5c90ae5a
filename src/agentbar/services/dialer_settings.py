"""A campaign's dialer settings: checked before they are stored, and spelled for the admin API.

Every setting is checked whatever the dial mode (those only predictive dialing reads are kept
for any mode, harmlessly), and each refusal names the setting as the API spells it and why.
Refusals are ValueErrors here; provisioning gives them as InvalidConfiguration.

The abandon limit is a percentage in the API (`3` is 3%) and a share in the model (0.03): the
conversions go through the decimal the number is written as, so 7% is 0.07 and back 7, not
7.000000000000001.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from agentbar.domain.dialer.abandon_window import WindowLength, check_limit
from agentbar.domain.dialer.calling_hours import CallingHours, time_zone
from agentbar.domain.model.campaign import (
    DEFAULT_RETRY_DELAYS,
    DialMode,
    DispositionPlan,
    RetryDelays,
)
from agentbar.domain.model.errors import InvalidDisposition

MIN_RING_SECONDS = 15
"""The US rule's minimum ring time (16 CFR 310.4(b)(4)(ii)): no campaign may ring less."""
MAX_RING_SECONDS = 120
MAX_ATTEMPTS = 20
MAX_RETRY_DELAY = 30 * 24 * 3600
MAX_MESSAGE_LENGTH = 500
MAX_ZONE_LENGTH = 100
"""The stored column's width; IANA names are far shorter."""

RETRY_OUTCOMES = {
    "busy": "busy",
    "noAnswer": "no_answer",
    "machine": "machine",
    "abandoned": "abandoned",
}
"""The API's outcome names and the RetryDelays fields they set."""


class DialerFields(Protocol):
    """What of a campaign's settings the checks read (a CampaignSpec has them all)."""

    @property
    def dial_mode(self) -> DialMode: ...
    @property
    def abandon_limit(self) -> float: ...
    @property
    def abandon_window(self) -> str: ...
    @property
    def min_ring_seconds(self) -> int: ...
    @property
    def calling_hours(self) -> str: ...
    @property
    def time_zone(self) -> str | None: ...
    @property
    def abandon_message(self) -> str | None: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def retry_delays(self) -> RetryDelays: ...


def check_dialer_settings(spec: DialerFields) -> None:
    """Refuse (ValueError naming the setting) any dialer setting out of bounds."""
    try:
        check_limit(spec.abandon_limit)
    except ValueError:
        raise ValueError(
            "abandonLimit must be a percentage more than 0 and less than 100 (3 is 3%), "
            f"not {abandon_percent(spec.abandon_limit)}"
        ) from None
    canonical_window(spec.abandon_window)
    if not MIN_RING_SECONDS <= spec.min_ring_seconds <= MAX_RING_SECONDS:
        raise ValueError(
            f"minRingSeconds must be from {MIN_RING_SECONDS} (the legal minimum) to "
            f"{MAX_RING_SECONDS}, not {spec.min_ring_seconds}"
        )
    canonical_calling_hours(spec.calling_hours)
    if spec.time_zone is not None:
        _check_time_zone(spec.time_zone)
    _check_message(spec.abandon_message, spec.dial_mode)
    if not 1 <= spec.max_attempts <= MAX_ATTEMPTS:
        raise ValueError(f"maxAttempts must be from 1 to {MAX_ATTEMPTS}, not {spec.max_attempts}")
    delays = [
        (f"retryDelays.{outcome}", getattr(spec.retry_delays, field))
        for outcome, field in RETRY_OUTCOMES.items()
    ]
    delays += [(f"retryDispositions.{c}", d) for c, d in spec.retry_delays.dispositions]
    for name, delay in delays:
        if not 0 <= delay <= MAX_RETRY_DELAY:
            raise ValueError(
                f"{name} must be from 0 to {MAX_RETRY_DELAY} seconds (30 days), not {delay}"
            )


def canonical_window(text: str) -> str:
    """The abandon window as stored ('30d' or '24h'), or ValueError naming abandonWindow."""
    try:
        return WindowLength.parse(text).spec
    except ValueError as error:
        raise ValueError(f"abandonWindow: {error}") from None


def canonical_calling_hours(text: str) -> str:
    """Calling hours as stored ('08:00-21:00'), or ValueError naming callingHours."""
    try:
        return str(CallingHours.parse(text))
    except ValueError as error:
        raise ValueError(f"callingHours: {error}") from None


def _check_time_zone(name: str) -> None:
    if len(name) > MAX_ZONE_LENGTH:
        raise ValueError(f"timeZone is longer than {MAX_ZONE_LENGTH} characters")
    try:
        time_zone(name)
    except ValueError as error:
        raise ValueError(f"timeZone: {error}") from None


def _check_message(message: str | None, mode: DialMode) -> None:
    if message is None:
        if mode is DialMode.PREDICTIVE:
            raise ValueError(
                "dial mode 'predictive' needs an abandonMessage: the law requires a call "
                "abandoned for want of an agent to hear a recorded message naming the seller"
            )
        return
    if not message.strip():
        raise ValueError("abandonMessage must not be blank")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"abandonMessage is longer than {MAX_MESSAGE_LENGTH} characters")
    # Control and format characters (line breaks, bidi overrides) and line or paragraph
    # separators: the message is one line, shown as written.
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in message):
        raise ValueError("abandonMessage must be one line, with no control characters")


# -- the API's spelling --------------------------------------------------------------------------


def abandon_share(percent: float) -> float:
    """The limit as the model holds it: 3 (percent) is 0.03."""
    return float(Decimal(repr(float(percent))) / 100)


def abandon_percent(share: float) -> float:
    """The limit as the API gives it: 0.03 is 3 (percent)."""
    return float(Decimal(repr(float(share))) * 100)


def retry_delays_of(given: Mapping[str, int]) -> RetryDelays:
    """The default delays with those `given` by API outcome name in their place; ValueError
    naming an outcome that is not one."""
    unknown = [outcome for outcome in given if outcome not in RETRY_OUTCOMES]
    if unknown:
        raise ValueError(
            f"retryDelays: unknown outcome '{unknown[0]}' (known: {', '.join(RETRY_OUTCOMES)})"
        )
    by_field = {RETRY_OUTCOMES[outcome]: delay for outcome, delay in given.items()}
    return RetryDelays(
        busy=by_field.get("busy", DEFAULT_RETRY_DELAYS.busy),
        no_answer=by_field.get("no_answer", DEFAULT_RETRY_DELAYS.no_answer),
        machine=by_field.get("machine", DEFAULT_RETRY_DELAYS.machine),
        abandoned=by_field.get("abandoned", DEFAULT_RETRY_DELAYS.abandoned),
    )


def retry_dispositions_of(
    delays: RetryDelays, given: Mapping[str, int], plan: DispositionPlan
) -> RetryDelays:
    """`delays` with a delay for each disposition code `given`, spelled as the plan spells it;
    ValueError naming a code the plan does not offer, or one given twice."""
    resolved: dict[str, int] = {}
    for code, delay in given.items():
        try:
            _, spelled = plan.resolve(code)
        except InvalidDisposition as error:
            raise ValueError(f"retryDispositions: {error.message}") from None
        if spelled in resolved:
            raise ValueError(f"retryDispositions: '{spelled}' is given twice")
        resolved[spelled] = delay
    return replace(delays, dispositions=tuple(resolved.items()))


def retry_delays_entry(delays: RetryDelays) -> dict[str, int]:
    """Every delay by API outcome name."""
    return {outcome: getattr(delays, field) for outcome, field in RETRY_OUTCOMES.items()}
