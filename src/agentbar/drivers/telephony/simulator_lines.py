"""The simulated network's lines: each call's customer side, the agent phones ringing for it,
and its side legs (simulator.py plays them out)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentbar.domain.model.legs import LegKind
from agentbar.ports import Cancellable


@dataclass
class SimulatedLeg:
    kind: LegKind
    address: str
    answered: bool = False
    timers: list[Cancellable] = field(default_factory=list)

    def cancel(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


@dataclass
class SimulatedCall:
    call_id: str
    phone: str
    customer_crt: str
    agent_leg: str | None = None
    agent_phone: str | None = None
    ringing: Cancellable | None = None
    offers: dict[str, tuple[str, Cancellable | None]] = field(default_factory=dict)
    """Agent phones ringing for the call (one, or several for ring-all): CRT -> (phone,
    the pending answer or refusal)."""
    pending: list[Cancellable] = field(default_factory=list)
    on_hold: bool = False
    legs: dict[str, SimulatedLeg] = field(default_factory=dict)
    customer_with: str | None = None
    """The leg the customer is bridged to once the agent has left the line."""
    former_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LineView:
    """What a test can see of a live line: who talks to whom."""

    call_id: str
    agent_phone: str | None
    on_hold: bool
    customer_with: str | None
    """The address (number, extension, IVR) the customer was handed to, if any."""
    legs: dict[str, tuple[str, bool]]
    """Every side leg: leg id -> (address, answered)."""
