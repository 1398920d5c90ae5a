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


class Routing(StrEnum):
    """Who among a campaign's ready agents is offered the next call."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    RING_ALL = "ring_all"
    """Every ready agent's phone rings at once; the first to answer takes the call."""


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
    dial_mode: DialMode = DialMode.MANUAL
    """Whether dispose-and-dial may use the 'Callback' disposition (refused by default)."""

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
