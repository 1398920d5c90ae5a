"""What a campaign's reports and wallboard measure it by: checked before it is stored, and
spelled for the admin API and the configuration document (docs/reports.md says what each
setting means).

The service level counts the calls answered within `serviceLevelSeconds` of waiting; callers
who hang up within `shortAbandonSeconds` are left out of it. The wallboard turns a campaign's
service level amber below its warning and red below its alarm, and its longest wait amber above
its warning and red above its alarm. Each refusal names the setting as the API spells it and
why; refusals are ValueErrors here, and provisioning gives them as InvalidConfiguration.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from agentbar.domain.model.campaign import Campaign, WallboardThresholds

MAX_SERVICE_LEVEL_SECONDS = 600
MAX_SHORT_ABANDON_SECONDS = 60
MAX_WAIT_THRESHOLD_SECONDS = 3600

# The model's defaults (the dataclass keeps each field's default on the class).
DEFAULT_SERVICE_LEVEL_SECONDS = Campaign.service_level_seconds
DEFAULT_SHORT_ABANDON_SECONDS = Campaign.short_abandon_seconds
DEFAULT_WALLBOARD = Campaign.wallboard


class ReportFields(Protocol):
    """What of a campaign's settings the checks read (a CampaignSpec has them all)."""

    @property
    def service_level_seconds(self) -> int: ...
    @property
    def short_abandon_seconds(self) -> int: ...
    @property
    def wallboard(self) -> WallboardThresholds: ...


def check_report_settings(spec: ReportFields) -> None:
    """Refuse (ValueError naming the setting) any report setting out of bounds."""
    service_level = spec.service_level_seconds
    if not 1 <= service_level <= MAX_SERVICE_LEVEL_SECONDS:
        raise ValueError(
            f"serviceLevelSeconds must be from 1 to {MAX_SERVICE_LEVEL_SECONDS}, "
            f"not {service_level}"
        )
    short_abandon = spec.short_abandon_seconds
    if not 0 <= short_abandon <= MAX_SHORT_ABANDON_SECONDS:
        raise ValueError(
            f"shortAbandonSeconds must be from 0 to {MAX_SHORT_ABANDON_SECONDS}, "
            f"not {short_abandon}"
        )
    if short_abandon >= service_level:
        # Else a caller who waited past the threshold, then hung up, would be left out of
        # the service level: a call it missed, hidden.
        raise ValueError(
            f"shortAbandonSeconds ({short_abandon}) must be less than serviceLevelSeconds "
            f"({service_level})"
        )
    _check_wallboard(spec.wallboard)


def _check_wallboard(wallboard: WallboardThresholds) -> None:
    for name, percent in (
        ("serviceLevelWarning", wallboard.service_level_warning),
        ("serviceLevelAlarm", wallboard.service_level_alarm),
    ):
        if not 0 <= percent <= 100:  # NaN too: it compares false
            raise ValueError(
                f"wallboard.{name} must be a percentage from 0 to 100, not {percent:g}"
            )
    if wallboard.service_level_warning < wallboard.service_level_alarm:
        raise ValueError(
            f"wallboard.serviceLevelWarning ({wallboard.service_level_warning:g}) must not be "
            f"below wallboard.serviceLevelAlarm ({wallboard.service_level_alarm:g}): a service "
            "level turns amber below the warning before it turns red below the alarm"
        )
    for name, seconds in (
        ("waitWarningSeconds", wallboard.wait_warning_seconds),
        ("waitAlarmSeconds", wallboard.wait_alarm_seconds),
    ):
        if not 1 <= seconds <= MAX_WAIT_THRESHOLD_SECONDS:
            raise ValueError(
                f"wallboard.{name} must be from 1 to {MAX_WAIT_THRESHOLD_SECONDS}, not {seconds}"
            )
    if wallboard.wait_warning_seconds > wallboard.wait_alarm_seconds:
        raise ValueError(
            f"wallboard.waitWarningSeconds ({wallboard.wait_warning_seconds}) must not be "
            f"above wallboard.waitAlarmSeconds ({wallboard.wait_alarm_seconds}): a wait "
            "turns amber above the warning before it turns red above the alarm"
        )


# -- the API's spelling --------------------------------------------------------------------------


class WallboardEntry(BaseModel):
    """Where the wallboard turns a campaign's figures amber (warning) and red (alarm)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    serviceLevelWarning: float = DEFAULT_WALLBOARD.service_level_warning
    """Percent: a service level below it is amber."""
    serviceLevelAlarm: float = DEFAULT_WALLBOARD.service_level_alarm
    """Percent: a service level below it is red (at most the warning)."""
    waitWarningSeconds: int = DEFAULT_WALLBOARD.wait_warning_seconds
    """A longest wait above it is amber."""
    waitAlarmSeconds: int = DEFAULT_WALLBOARD.wait_alarm_seconds
    """A longest wait above it is red (at least the warning)."""


def wallboard_of(entry: WallboardEntry) -> WallboardThresholds:
    """The thresholds as the model holds them (unchecked: check_report_settings does that)."""
    return WallboardThresholds(
        service_level_warning=entry.serviceLevelWarning,
        service_level_alarm=entry.serviceLevelAlarm,
        wait_warning_seconds=entry.waitWarningSeconds,
        wait_alarm_seconds=entry.waitAlarmSeconds,
    )


def wallboard_entry(wallboard: WallboardThresholds) -> WallboardEntry:
    return WallboardEntry(
        serviceLevelWarning=wallboard.service_level_warning,
        serviceLevelAlarm=wallboard.service_level_alarm,
        waitWarningSeconds=wallboard.wait_warning_seconds,
        waitAlarmSeconds=wallboard.wait_alarm_seconds,
    )
