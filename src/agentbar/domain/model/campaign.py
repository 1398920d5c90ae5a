"""Campaigns and their two-level disposition plans (class -> codes)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum

from agentbar.domain.model.errors import InvalidDisposition


class CampaignKind(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DialMode(StrEnum):
    """How an outbound campaign's leads reach agents."""

    MANUAL = "manual"
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    """One call at a time for each ready agent with auto-call on, dialled without asking."""
    PREDICTIVE = "predictive"
    """Calls placed ahead of free agents, paced to keep the abandon rate under the campaign's
    limit (docs/dialer.md)."""


class Routing(StrEnum):
    """Who among a campaign's ready agents is offered the next call."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    RING_ALL = "ring_all"
    """Every ready agent's phone rings at once; the first to answer takes the call."""


DEFAULT_ABANDON_LIMIT = 0.03
"""3% of live-answered calls: the US rule's and Ofcom's limit."""
DEFAULT_ABANDON_WINDOW = "30d"
DEFAULT_MIN_RING_SECONDS = 15
"""The US rule's minimum: 15 seconds (or four rings) before a call is given up unanswered."""
DEFAULT_CALLING_HOURS = "08:00-21:00"
"""What a provisioned campaign gets unless it says otherwise (the API, the configuration file)."""
ANY_HOUR = "00:00-24:00"
"""Calling hours of the whole day: leads are dialled at any hour, with or without a zone."""
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RetryDelays:
    """Seconds before a lead is dialled again, by how its last attempt ended."""

    busy: int = 600
    no_answer: int = 3600
    machine: int = 14400
    abandoned: int = 86400
    dispositions: tuple[tuple[str, int], ...] = ()
    """(disposition code, seconds): a call that reached a person and was disposed with one of
    these codes (as the plan spells it) has its lead dialled again after that long."""


DEFAULT_RETRY_DELAYS = RetryDelays()


@dataclass(frozen=True)
class DispositionClass:
    name: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class DispositionPlan:
    classes: tuple[DispositionClass, ...]

    def resolve(self, code: str) -> tuple[str, str]:
        """(class, code) as spelled in the plan; codes match regardless of case and spacing."""
        wanted = code.strip().casefold()
        for klass in self.classes:
            for known in klass.codes:
                if known.casefold() == wanted:
                    return klass.name, known
        offered = ", ".join(c for k in self.classes for c in k.codes) or "none"
        raise InvalidDisposition(
            f"invalid disposition code '{code}' (this campaign offers: {offered})"
        )


@dataclass(frozen=True)
class WallboardThresholds:
    """Where the wallboard turns a campaign's figures amber (warning) and red (alarm)."""

    service_level_warning: float = 80.0
    """Service level (percent) below which it is amber."""
    service_level_alarm: float = 60.0
    """... and below which it is red."""
    wait_warning_seconds: int = 30
    """Longest wait (seconds) above which it is amber."""
    wait_alarm_seconds: int = 60
    """... and above which it is red."""


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    kind: CampaignKind
    plan: DispositionPlan
    routing: Routing = Routing.LONGEST_IDLE
    ring_timeout: float | None = None
    """Seconds an offered call rings before it goes back to the queue; None: until answered."""
    max_misses: int | None = None
    """Offers an agent may miss in a row before being put on break 'Unavailable'."""
    wrap_up_timeout: float | None = None
    """Seconds of wrap-up before the call is disposed with the default disposition."""
    default_disposition: str | None = None
    callback_in_dispose_dial: bool = False
    """Whether dispose-and-dial may use the 'Callback' disposition (refused by default)."""
    dial_mode: DialMode = DialMode.MANUAL
    # The dialer's settings. Checked before they are stored (services/dialer_settings.py),
    # whatever the mode; those only predictive dialing reads are kept for any mode.
    abandon_limit: float = DEFAULT_ABANDON_LIMIT
    """The share (not the percentage) of live-answered calls that may be abandoned."""
    abandon_window: str = DEFAULT_ABANDON_WINDOW
    """The rolling window the limit is measured over: '30d' or '24h'."""
    min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS
    """Seconds an unanswered call rings before it is given up."""
    calling_hours: str = ANY_HOUR
    """'HH:MM-HH:MM' on the lead's own clock ('00:00-24:00': any hour). A campaign made here
    in code is dialled at any hour; a provisioned one gets DEFAULT_CALLING_HOURS unless set."""
    time_zone: str | None = None
    """The IANA zone of leads whose own zone is unknown; None: such leads wait, no zone is
    assumed for them."""
    abandon_message: str | None = None
    """The recorded message an abandoned call hears, naming the seller (predictive needs it)."""
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    """Dials of one lead, at most."""
    retry_delays: RetryDelays = DEFAULT_RETRY_DELAYS
    # What its reports and wallboard measure it by (docs/reports.md).
    service_level_seconds: int = 20
    """A call answered within this many seconds of waiting counts toward the service level."""
    short_abandon_seconds: int = 5
    """A caller who hangs up sooner is a short abandon: left out of the service level."""
    wallboard: WallboardThresholds = WallboardThresholds()

    def timeout_disposition(self) -> tuple[str, str]:
        """(class, code) a call is disposed with when no agent chose one (wrap-up timeout,
        forced logout): the default when the plan offers it, else the plan's first code.

        Never refuses: a default that is not (or no longer) in the plan must not leave a call
        without a disposition, nor stop a supervisor from logging its agent out.
        """
        if self.default_disposition:
            with suppress(InvalidDisposition):
                return self.plan.resolve(self.default_disposition)
        for klass in self.plan.classes:
            for code in klass.codes:
                return klass.name, code
        return "System", "Wrap-up Timeout"
