"""A call's life as a transition table: (state, input) -> next state.

Rules kept here: a call is offered to one agent at a time; a call that reached an agent
(inbound: answered; outbound: dialled by one) ends in WRAP_UP and only a disposition closes
it; an inbound call that never reached an agent and was hung up is ABANDONED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.handoffs import Transfer
from agentbar.domain.model.legs import Leg


class CallState(StrEnum):
    RINGING = "ringing"
    """Predictive: the dialer rings the customer with no agent yet; answered, the call waits
    (queued) for an agent with auto-call on."""
    QUEUED = "queued"
    OFFERED = "offered"
    DIALING = "dialing"
    CONNECTED = "connected"
    CONSULTING = "consulting"
    """The customer is held while the agent talks to a consult target on another leg."""
    WRAP_UP = "wrap_up"
    DISPOSED = "disposed"
    ABANDONED = "abandoned"
    UNANSWERED = "unanswered"
    """Predictive: no person answered (busy, no answer, a machine, a failed dial)."""


class CallInput(StrEnum):
    OFFER = "offer"
    OFFER_FAILED = "offer_failed"
    ANSWER = "answer"
    HANGUP = "hangup"
    DISPOSE = "dispose"
    CONSULT = "consult"
    CONSULT_ENDED = "consult_ended"
    TRANSFER = "transfer"


class CallType(StrEnum):
    INBOUND = "inbound"
    MANUAL = "manual"
    CLICK_TO_DIAL = "click_to_dial"
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    CALLBACK = "callback"
    PREDICTIVE = "predictive"
    """Dialled ahead of agents by a predictive campaign; answered, it goes to a free agent with
    auto-call on."""


OUTBOUND_TYPES = frozenset(
    {
        CallType.MANUAL,
        CallType.CLICK_TO_DIAL,
        CallType.PREVIEW,
        CallType.PROGRESSIVE,
        CallType.CALLBACK,
        CallType.PREDICTIVE,
    }
)


S = CallState
I = CallInput  # noqa: E741

TRANSITIONS: Final[Mapping[tuple[CallState, CallInput], CallState]] = {
    # Predictive: a person answering puts the call in its queue; no person ends the dial.
    (S.RINGING, I.ANSWER): S.QUEUED,
    (S.RINGING, I.HANGUP): S.UNANSWERED,
    (S.QUEUED, I.OFFER): S.OFFERED,
    (S.QUEUED, I.HANGUP): S.ABANDONED,
    (S.OFFERED, I.OFFER_FAILED): S.QUEUED,
    (S.OFFERED, I.ANSWER): S.CONNECTED,
    (S.OFFERED, I.HANGUP): S.ABANDONED,
    (S.CONNECTED, I.HANGUP): S.WRAP_UP,
    # An outbound call rings the agent, then the customer; if it never connects (busy, no
    # answer, cancelled) the agent still wraps it up and disposes it.
    (S.DIALING, I.ANSWER): S.CONNECTED,
    (S.DIALING, I.HANGUP): S.WRAP_UP,
    (S.WRAP_UP, I.DISPOSE): S.DISPOSED,
    # Transfers: the agent's part of the call is over (the customer went on to a phone, an
    # IVR, a queue or another agent), so the agent wraps it up like a call that ended.
    (S.CONNECTED, I.TRANSFER): S.WRAP_UP,
    (S.CONNECTED, I.CONSULT): S.CONSULTING,
    # The consult was cancelled, or its target never answered or hung up: back to the customer.
    (S.CONSULTING, I.CONSULT_ENDED): S.CONNECTED,
    (S.CONSULTING, I.TRANSFER): S.WRAP_UP,
    (S.CONSULTING, I.HANGUP): S.WRAP_UP,
}

FINAL_STATES: Final = frozenset({S.DISPOSED, S.ABANDONED, S.UNANSWERED})


def next_state(state: CallState, given: CallInput) -> CallState:
    try:
        return TRANSITIONS[(state, given)]
    except KeyError:
        raise IllegalTransition(f"a {state.value} call cannot take '{given.value}'") from None


@dataclass
class Call:
    call_id: str
    call_type: CallType
    campaign_id: str
    phone: str
    customer_crt: str
    queued_at: float
    state: CallState = CallState.QUEUED
    agent_id: str | None = None
    user_crt: str | None = None
    screen_pop_id: str | None = None
    offered_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    ended_by: str | None = None
    disposed_at: float | None = None
    disposition_class: str | None = None
    disposition_code: str | None = None
    disposition_note: str | None = None
    held_at: float | None = None
    """When the agent put the call on hold (None: not on hold)."""
    hold_seconds: float = 0.0
    """Seconds the agent had the call on hold, holds that ended; `held_until(now)` counts the
    current one too."""
    offer_token: str | None = None
    """Names the current offer in its ring timer's key (the first leg's CRT id), so a stale
    timer of an earlier offer never cuts a later one short."""
    ringing: dict[str, str] = field(default_factory=dict)
    """A ring-all offer: every agent whose phone rings for the call, with its leg's CRT id.
    `agent_id` and `user_crt` then name one of them until someone answers."""
    crm_params: dict[str, Any] = field(default_factory=dict)
    """What the CRM passed with a click-to-dial (customerId, record URL, ...), echoed in the
    call's screen pop."""
    legs: list[Leg] = field(default_factory=list)
    """Every party the call connected, in the order they joined, ended ones included."""
    transfers: list[Transfer] = field(default_factory=list)
    transferred_from: str | None = None
    """The call this one continues after a queue, user or campaign transfer."""
    tpv: bool = False
    """A third-party verifier was conferenced in."""

    @property
    def on_hold(self) -> bool:
        return self.held_at is not None

    def put_on_hold(self, now: float) -> None:
        self.held_at = now

    def end_hold(self, now: float) -> None:
        """The hold (if any) is over: its seconds are counted."""
        if self.held_at is not None:
            self.hold_seconds += max(now - self.held_at, 0.0)
        self.held_at = None

    def held_until(self, now: float) -> float:
        """Seconds on hold in all, the current hold up to `now` included."""
        current = max(now - self.held_at, 0.0) if self.held_at is not None else 0.0
        return self.hold_seconds + current

    def report_changes_to(self, changed: set[str]) -> None:
        """From now on every change of this call's own fields adds its id to `changed` (its
        legs and transfers are changed with the call `touch`ed)."""
        object.__setattr__(self, "_changed", changed)
        changed.add(self.call_id)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        changed: set[str] | None = self.__dict__.get("_changed")
        if changed is not None:
            changed.add(self.call_id)

    def dialled_ahead(self) -> bool:
        """Placed by its campaign's predictive dialer: not a transfer's continuation of such a
        call (which reached an agent already, and is routed like any call)."""
        return self.call_type is CallType.PREDICTIVE and self.transferred_from is None

    def awaits_first_agent(self) -> bool:
        """Dialled ahead, answered by a person, and no agent on it yet: the 2-second rule runs."""
        return (
            self.dialled_ahead()
            and self.answered_at is None
            and self.state
            in (
                CallState.QUEUED,
                CallState.OFFERED,
            )
        )

    def in_flight(self) -> bool:
        """A predictive dial no agent is on yet: ringing the customer, or answered and waiting
        for an agent (it needs one as much as a ringing one does)."""
        return self.state is CallState.RINGING or (
            self.state is CallState.QUEUED and self.awaits_first_agent()
        )

    def ring_seconds(self) -> float:
        """A dialled call's ring time: from the dial (`queued_at`) to the customer's answer
        (its leg's), or 0 if they have not answered."""
        customer = self.leg(self.customer_crt)
        answered = customer.answered_at if customer is not None else None
        return 0.0 if answered is None else max(0.0, answered - self.queued_at)

    def leg(self, leg_id: str) -> Leg | None:
        return next((leg for leg in self.legs if leg.leg_id == leg_id), None)
