"""How the simulated network's parties behave: agent phones, customers, IVRs, and a random mix
of customers. The simulator (simulator.py) plays these scripts out on its clock."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field


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
    """Seconds from the dial until they pick up; None: they never do (no answer)."""
    busy: bool = False
    busy_after: float = 0.0
    """Seconds from the dial until the network reports the line busy."""
    hang_up_after: float | None = None
    """Seconds of talking after which they hang up; None: they wait for the agent."""
    machine: bool = False
    """An answering machine picks up: answering-machine detection hangs up on it (a dial
    placed by the predictive dialer reports DialFailed 'machine')."""
    taken_for_machine: bool = False
    """A person picks up and answering-machine detection takes them for a machine and hangs
    up: the dialer sees a machine, the regulator an abandoned call."""
    detect_after: float = 0.0
    """Seconds answering-machine detection listens to a machine's greeting before it hangs up."""
    ivr_keys: str = ""
    """The keys they press when an IVR asks them for digits (simulator_keys.py); none: the
    IVR's collection times out."""


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
    setup: tuple[float, float] = (0.0, 0.0)
    """Seconds from the dial until the phone rings or the line is found busy (the network's
    post-dial delay), drawn uniformly."""
    detect: tuple[float, float] = (0.0, 0.0)
    """Seconds answering-machine detection listens to a machine before hanging up."""
    talk: tuple[float, float] | None = None
    """Seconds they talk before hanging up themselves, drawn uniformly; None: they wait for
    the agent (unless `talk_mean` is given)."""
    machine: float = 0.0
    """Chance an answering machine picks up."""
    talk_mean: float | None = None
    """Mean seconds of talk, drawn from an exponential distribution (instead of `talk`)."""
    amd_false_positive: float = 0.0
    """Chance answering-machine detection takes a person who answers for a machine."""

    def draw(self, rng: random.Random) -> CustomerScript:
        roll = rng.random()
        setup = rng.uniform(*self.setup)
        if roll < self.busy:
            return CustomerScript(busy=True, busy_after=setup)
        if roll < self.busy + self.no_answer:
            return CustomerScript(answer_after=None)
        ring = setup + rng.uniform(*self.answer_after)
        if roll < self.busy + self.no_answer + self.machine:
            detect = rng.uniform(*self.detect)
            return CustomerScript(answer_after=ring, machine=True, detect_after=detect)
        if self.talk_mean is not None:
            talk: float | None = rng.expovariate(1.0 / self.talk_mean)
        else:
            talk = rng.uniform(*self.talk) if self.talk is not None else None
        mistaken = self.amd_false_positive > 0.0 and rng.random() < self.amd_false_positive
        return CustomerScript(answer_after=ring, hang_up_after=talk, taken_for_machine=mistaken)


KEPT_MESSAGES = 1000
"""The played messages a sandbox keeps (the latest): its memory stays bounded."""


@dataclass
class DialerRecord:
    """What the simulated network saw of predictive dialing, as a regulator would count it."""

    messages_played: deque[tuple[str, str]] = field(
        default_factory=lambda: deque(maxlen=KEPT_MESSAGES)
    )
    """(call, message) of the latest abandoned calls that heard the campaign's message."""
    played: int = 0
    """How many abandoned calls heard the message, in all."""
    """(call, message) for every abandoned call that heard the campaign's message."""
    machines: int = 0
    """Answering machines that picked up (and were hung up on by detection)."""
    taken_for_machines: int = 0
    """People detection took for machines and hung up on: abandoned calls to a regulator."""
