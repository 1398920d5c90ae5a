"""What the contact center asks of telephony; the driver reports back with signals."""

from __future__ import annotations

from dataclasses import dataclass


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
    | EndCall
    | HoldCall
    | ResumeCall
    | CancelOffer
    | StartTimer
    | CancelTimer
)
