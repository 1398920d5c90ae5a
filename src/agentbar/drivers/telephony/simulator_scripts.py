"""How the simulated network's parties behave: agent phones, customers, IVRs, and a random mix
of customers. The simulator (simulator.py) plays these scripts out on its clock."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class PhoneScript:
    """How a simulated agent phone treats an offered call."""

    answer_after: float | None = 0.0
    """Seconds of ringing before it auto-answers; None: it rings until the offer is cancelled."""
    busy: bool = False
    """It refuses every call at once."""


@dataclass(frozen=True)
class CustomerScript:
    """How a simulated customer treats an outbound call to their number."""

    answer_after: float | None = 0.0
    """Seconds of ringing before they pick up; None: they never do (no answer)."""
    busy: bool = False
    hang_up_after: float | None = None
    """Seconds of talking after which they hang up; None: they wait for the agent."""


@dataclass(frozen=True)
class IvrScript:
    """How a simulated IVR treats a call sent or conferenced to it."""

    answer_after: float = 0.0
    hang_up_after: float | None = None
    """Seconds after answering that it hangs up (a survey that ends); None: it never does."""


@dataclass(frozen=True)
class CustomerMix:
    """Customers drawn at random, reproducibly from the simulator's seed: each outbound call to
    a number with no script of its own draws how that customer behaves."""

    busy: float = 0.0
    """Chance the line is busy."""
    no_answer: float = 0.0
    """Chance nobody picks up."""
    answer_after: tuple[float, float] = (1.0, 6.0)
    """Seconds of ringing before they pick up, drawn uniformly from this range."""
    talk: tuple[float, float] | None = None
    """Seconds they talk before hanging up themselves; None: they wait for the agent."""

    def draw(self, rng: random.Random) -> CustomerScript:
        roll = rng.random()
        if roll < self.busy:
            return CustomerScript(busy=True)
        if roll < self.busy + self.no_answer:
            return CustomerScript(answer_after=None)
        talk = rng.uniform(*self.talk) if self.talk is not None else None
        return CustomerScript(answer_after=rng.uniform(*self.answer_after), hang_up_after=talk)
