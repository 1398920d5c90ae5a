"""Call legs: every party a call connects, each with its own CRT id, as a transition table.

Rules kept here: a leg rings, then is connected or ends; an ended leg takes no input (its end
time and reason are final). The customer's leg and the agent's leg are legs like any other, so
the call record lists who was on the call and when, transfers and conferences included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from agentbar.domain.model.errors import IllegalTransition


class LegKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    """The agent who handles the call (its leg id is the call's `user_crt`)."""
    PHONE = "phone"
    TPV = "tpv"
    """A third-party verifier's number, conferenced in for a compliance check."""
    USER = "user"
    """Another agent, conferenced in."""
    IVR = "ivr"


class LegPurpose(StrEnum):
    """Why the leg exists: how the call record tells a consult from a conference."""

    CALL = "call"
    CONSULT = "consult"
    CONFERENCE = "conference"
    TRANSFER = "transfer"


class LegState(StrEnum):
    RINGING = "ringing"
    CONNECTED = "connected"
    ENDED = "ended"


class LegInput(StrEnum):
    ANSWER = "answer"
    END = "end"


S = LegState
I = LegInput  # noqa: E741 - a table reads better with one-letter aliases

TRANSITIONS: Final[Mapping[tuple[LegState, LegInput], LegState]] = {
    (S.RINGING, I.ANSWER): S.CONNECTED,
    # Busy, no answer, dropped before it answered, or the call ended while it rang.
    (S.RINGING, I.END): S.ENDED,
    (S.CONNECTED, I.END): S.ENDED,
}


def next_state(state: LegState, given: LegInput) -> LegState:
    try:
        return TRANSITIONS[(state, given)]
    except KeyError:
        raise IllegalTransition(f"a {state.value} leg cannot take '{given.value}'") from None


@dataclass
class Leg:
    leg_id: str
    """The leg's id, unique across calls: the `legId` the toolbar reports (the agent's and
    the customer's legs are the call's `user_crt` and `customer_crt`)."""
    kind: LegKind
    party: str
    """Who is on the leg: a phone number, an agent id, an IVR's name."""
    purpose: LegPurpose
    started_at: float
    state: LegState = LegState.RINGING
    answered_at: float | None = None
    ended_at: float | None = None
    end_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.state is not LegState.ENDED

    def answer(self, now: float) -> None:
        self.state = next_state(self.state, LegInput.ANSWER)
        self.answered_at = now

    def end(self, now: float, reason: str) -> None:
        self.state = next_state(self.state, LegInput.END)
        self.ended_at = now
        self.end_reason = reason


def live_legs(legs: list[Leg], *purposes: LegPurpose) -> Iterator[Leg]:
    """The legs not yet ended, of the given purposes (all when none are given)."""
    for leg in legs:
        if leg.live and (not purposes or leg.purpose in purposes):
            yield leg
