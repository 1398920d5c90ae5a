"""What the contact center asks of telephony; the driver reports back with signals."""

from __future__ import annotations

from dataclasses import dataclass

from agentbar.domain.model.legs import LegKind


@dataclass(frozen=True)
class OfferToAgent:
    """Ring the agent's extension; when it answers, bridge it to the customer."""

    call_id: str
    user_crt: str
    extension_phone: str


@dataclass(frozen=True)
class EndCall:
    """Hang up every leg of the call."""

    call_id: str


@dataclass(frozen=True)
class DialOut:
    """Third-party call control: ring the agent's extension, then the customer, then bridge."""

    call_id: str
    user_crt: str
    extension_phone: str
    customer_crt: str
    phone: str


@dataclass(frozen=True)
class DialCustomer:
    """Predictive: ring the customer alone (no agent yet). Report CustomerAnswered when a person
    answers; DialFailed with `busy`, `failed` or `machine` (answering-machine detection, which
    hangs up) otherwise. The contact center gives up an unanswered call itself (EndCall) after
    the campaign's minimum ring time."""

    call_id: str
    customer_crt: str
    phone: str


@dataclass(frozen=True)
class PlayAbandonMessage:
    """Predictive: no agent reached the answered call in time. Play `message` (naming the
    seller) to the customer, then hang up. The call is over for the contact center already."""

    call_id: str
    message: str


@dataclass(frozen=True)
class HoldCall:
    call_id: str


@dataclass(frozen=True)
class ResumeCall:
    call_id: str


@dataclass(frozen=True)
class CancelOffer:
    """Stop ringing the agent's leg: the offer timed out or went to someone else."""

    call_id: str
    user_crt: str


@dataclass(frozen=True)
class TransferCall:
    """Blind transfer: drop the agent's leg and bridge the customer to a new leg ringing
    `address` (a number, or an IVR's name when `kind` is IVR). Report LegAnswered / LegEnded
    for it, and CallEnded when the customer's side is over."""

    call_id: str
    leg_id: str
    kind: LegKind
    address: str


@dataclass(frozen=True)
class Requeue:
    """Drop the agent's leg; the customer waits (music on hold) and from now on the line is
    known as `new_call_id`, which the contact center offers to agents like any call. If the
    customer already hung up, report CallEnded under the old name: the center ends the new
    call with it."""

    call_id: str
    new_call_id: str


@dataclass(frozen=True)
class ConsultCall:
    """Hold the customer and ring `address` on a new leg bridged to the agent alone."""

    call_id: str
    leg_id: str
    address: str


@dataclass(frozen=True)
class CompleteConsult:
    """Bridge the held customer to the consult leg and drop the agent's leg."""

    call_id: str
    leg_id: str


@dataclass(frozen=True)
class AddLeg:
    """Conference: ring `address` on a new leg that joins the call's bridge when answered.
    `kind` says who answers there: an external number, an agent's extension, an IVR."""

    call_id: str
    leg_id: str
    kind: LegKind
    address: str


@dataclass(frozen=True)
class HangUpLeg:
    """Hang up one leg (ringing or connected); the rest of the call goes on."""

    call_id: str
    leg_id: str


@dataclass(frozen=True)
class StartTimer:
    """Report TimerFired(key) after `delay` seconds unless cancelled (a new start replaces)."""

    key: str
    delay: float


@dataclass(frozen=True)
class CancelTimer:
    key: str


Instruction = (
    OfferToAgent
    | DialOut
    | DialCustomer
    | PlayAbandonMessage
    | EndCall
    | HoldCall
    | ResumeCall
    | CancelOffer
    | TransferCall
    | Requeue
    | ConsultCall
    | CompleteConsult
    | AddLeg
    | HangUpLeg
    | StartTimer
    | CancelTimer
)
