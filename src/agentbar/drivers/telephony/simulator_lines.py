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

    def forget_offer(self, user_crt: str) -> None:
        """An offer is over: if it was the line's agent leg, another ringing one takes over."""
        if self.agent_leg == user_crt:
            other = next(iter(self.offers.items()), None)
            self.agent_leg, self.agent_phone = (other[0], other[1][0]) if other else (None, None)

    def stop_offers(self) -> None:
        for _, pending in self.offers.values():
            if pending is not None:
                pending.cancel()
        self.offers.clear()

    def silence(self) -> None:
        """Cancel all the line still has due: hang-ups, ringing, offers, its legs' timers."""
        for timer in self.pending:
            timer.cancel()
        if self.ringing is not None:
            self.ringing.cancel()
        self.stop_offers()
        for leg in self.legs.values():
            leg.cancel()


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
