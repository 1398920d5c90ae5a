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


Instruction = OfferToAgent | EndCall | CancelOffer | StartTimer | CancelTimer
