"""The planning simulator: one outbound campaign's day, on the real domain (the same Center,
floor, dialer and pacer the server runs) and the simulated network, on a virtual clock — no
sockets, no storage, no sleeping. A planner sizes a campaign with it before it starts
(`agentbar dialer-sim`); the benchmark compares progressive and predictive dialing with it.

The simulated agents have auto-call on all day, and the list never runs short: each lead is
dialled once, and fresh ones are added as it empties. A call that reached them is wrapped up for a
time drawn from the wrap-up distribution, then disposed; a dial nobody answered (progressive
dialing rings the agent first) is disposed at once, as dialers do on their own.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agentbar.clock import VirtualClock
from agentbar.domain.center import Center, Outcome
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentProfile, AgentState, Extension
from agentbar.domain.model.campaign import (
    ANY_HOUR,
    Campaign,
    CampaignKind,
    DialMode,
    DispositionClass,
    DispositionPlan,
)
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.instructions import CancelTimer, Instruction, StartTimer
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.drivers.telephony.simulator_scripts import CustomerMix
from agentbar.ports import Cancellable

Mode = Literal["progressive", "predictive"]
CAMPAIGN_ID = "plan"
START = 1_800_000_000.0
"""The virtual day starts here (any instant: the campaign dials at any hour)."""
SAMPLE_SECONDS = 60.0
LEAD_BATCH = 500
PLAN = DispositionPlan(
    (
        DispositionClass("Contacted", ("Sale", "No Sale")),
        DispositionClass("Not contacted", ("No Contact",)),
    )
)
MESSAGE = "This was the planning campaign; we will not call again today."


@dataclass(frozen=True)
class PlanSettings:
    mode: Mode
    agents: int
    hours: float
    answer_rate: float
    """Share of dials a person answers."""
    machine_rate: float
    talk_mean: float
    wrap_mean: float
    seed: int = 1
    abandon_limit: float = 0.03
    abandon_window: str = "30d"
    busy_rate: float = 0.1
    """Share of dials that find the line busy (capped by what answer and machine rates leave);
    the rest are not answered."""
    setup_seconds: tuple[float, float] = (2.0, 4.0)
    """Seconds from the dial until the phone rings or is found busy (post-dial delay)."""
    ring_seconds: tuple[float, float] = (2.0, 11.0)
    """Seconds a phone rings before a person or a machine answers, drawn uniformly: with the
    setup, every answer comes within the legal minimum ring of 15 s."""
    detect_seconds: tuple[float, float] = (2.0, 4.0)
    """Seconds answering-machine detection listens to a machine before it hangs up."""
    min_ring_seconds: int = 15
    """The campaign's minimum ring: a dial nobody answered is given up after it."""
    amd_false_positive: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in ("progressive", "predictive"):
            raise ValueError(f"unknown mode {self.mode!r}: use progressive or predictive")
        if self.agents < 1:
            raise ValueError("agents must be 1 or more")
        if not 0.0 < self.hours <= 24.0 * 31:
            raise ValueError("hours must be more than 0 and at most 744")
        for name in ("answer_rate", "machine_rate", "busy_rate", "amd_false_positive"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name.replace('_', '-')} must be from 0 to 1, not {value}")
        if self.answer_rate + self.machine_rate > 1.0:
            raise ValueError("answer-rate and machine-rate together must not exceed 1")
        if self.talk_mean <= 0.0 or self.wrap_mean < 0.0:
            raise ValueError("talk-mean must be more than 0 and wrap-mean 0 or more")
        if not 15 <= self.min_ring_seconds <= 120:
            raise ValueError("min-ring must be from 15 (the legal minimum) to 120 seconds")

    def campaign(self) -> dict[str, Any]:
        """The planned campaign's dialer settings, as `Campaign` (and the catalog) take them."""
        return {
            "dial_mode": DialMode(self.mode),
            "abandon_limit": self.abandon_limit,
            "abandon_window": self.abandon_window,
            "min_ring_seconds": self.min_ring_seconds,
            "calling_hours": ANY_HOUR,
            "abandon_message": MESSAGE,
            # Each lead is dialled once: the day is about pacing, and a list kept full of fresh
            # leads never leaves agents idle for want of one due (retries would wait hours).
            "max_attempts": 1,
        }

    def network(self, clock: VirtualClock, new_id: Callable[[str], str]) -> Simulator:
        """The simulated network these customers are drawn in, from the plan's seed."""
        return Simulator(
            clock,
            new_id,
            customers=self.customers(),
            seed=self.seed,
            no_answer_after=float(self.min_ring_seconds),
        )

    def customers(self) -> CustomerMix:
        rest = 1.0 - self.answer_rate - self.machine_rate
        busy = min(self.busy_rate, rest)
        return CustomerMix(
            busy=busy,
            no_answer=rest - busy,
            answer_after=self.ring_seconds,
            setup=self.setup_seconds,
            detect=self.detect_seconds,
            machine=self.machine_rate,
            talk_mean=self.talk_mean,
            amd_false_positive=self.amd_false_positive,
        )


@dataclass
class Sample:
    """The campaign once a minute: for the plot of a day."""

    at: float
    dial_level: float
    calls_in_flight: int
    window_abandon_rate: float
    mode: str


@dataclass
class PlanResult:
    settings: PlanSettings
    dialed: int = 0
    answered: int = 0
    machines: int = 0
    abandoned: int = 0
    taken_for_machines: int = 0
    messages_played: int = 0
    seconds_in: dict[str, float] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    decisions: list[tuple[float, int]] = field(default_factory=list)
    """(seconds into the day, calls placed) of every move that placed calls."""
    dial_times: list[float] = field(default_factory=list)
    """Seconds into the day of every dial, in order: the pacing's trace."""

    def summary(self) -> dict[str, Any]:
        agent_hours = self.settings.agents * self.settings.hours
        talk = self.seconds_in.get(AgentState.ON_CALL.value, 0.0)
        wrap = self.seconds_in.get(AgentState.WRAP_UP.value, 0.0)
        idle = (AgentState.READY, AgentState.RESERVED, AgentState.DIALING)
        waiting = sum(self.seconds_in.get(state.value, 0.0) for state in idle)
        logged_in = sum(self.seconds_in.values())
        # A person detection took for a machine answered live and was hung up on: a regulator
        # counts the call as answered and abandoned.
        answered = self.answered + self.taken_for_machines
        abandoned = self.abandoned + self.taken_for_machines
        return {
            "mode": self.settings.mode,
            "agents": self.settings.agents,
            "hours": self.settings.hours,
            "talkMinutesPerAgentHour": round(talk / 60.0 / agent_hours, 2),
            "occupancy": round((talk + wrap) / logged_in, 4) if logged_in else 0.0,
            "abandonRate": round(abandoned / answered, 4) if answered else 0.0,
            "maxWindowAbandonRate": round(
                max((s.window_abandon_rate for s in self.samples), default=0.0), 4
            ),
            "dialed": self.dialed,
            "answered": answered,
            "machines": self.machines,
            "abandoned": abandoned,
            "takenForMachines": self.taken_for_machines,
            "messagesPlayed": self.messages_played,
            "waitSecondsPerAgentHour": round(waiting / agent_hours, 1),
        }


class _Day:
    """One simulated day: the Center and the Simulator on one virtual clock."""

    def __init__(self, settings: PlanSettings) -> None:
        self.settings = settings
        self.clock = VirtualClock(START)
        counter = itertools.count(1)
        self.new_id: Callable[[str], str] = lambda kind: f"{kind}-{next(counter)}"
        self.rng = random.Random(settings.seed)
        self.center = Center(self.new_id)
        self.center.configure([self._campaign()], ())
        self.network = settings.network(self.clock, self.new_id)
        self.network.attach(self._later_signal)
        self.timers: dict[str, Cancellable] = {}
        self.result = PlanResult(settings)
        self.state_since: dict[str, tuple[str, float]] = {}
        self.leads = itertools.count(1)

    def _campaign(self) -> Campaign:
        return Campaign(
            CAMPAIGN_ID, "Planning", CampaignKind.OUTBOUND, PLAN, **self.settings.campaign()
        )

    # -- running -------------------------------------------------------------------------

    def run(self) -> PlanResult:
        self._add_leads()
        for n in range(1, self.settings.agents + 1):
            self._log_in(f"agent-{n}", f"{1000 + n}")
        self._every(SAMPLE_SECONDS, self._sample)
        self.clock.advance(self.settings.hours * 3600.0)
        end = self.clock.now()
        for agent_id, (state, since) in self.state_since.items():
            self._count(state, end - since)
            self.state_since[agent_id] = (state, end)
        record = self.network.dialer_record
        self.result.machines += record.machines
        self.result.taken_for_machines = record.taken_for_machines
        self.result.messages_played = record.played
        return self.result

    def _log_in(self, agent_id: str, phone: str) -> None:
        profile = AgentProfile(agent_id, agent_id, frozenset({CAMPAIGN_ID}))
        for command in (
            cmd.LogIn(profile),
            cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)),
            cmd.SelectCampaign(agent_id, CAMPAIGN_ID),
            cmd.SetAutoCall(agent_id, True),
            cmd.GoReady(agent_id),
        ):
            self._apply(self.center.handle(command, self.clock.now()))

    def _add_leads(self) -> None:
        batch = tuple(
            Lead(f"lead-{n}", CAMPAIGN_ID, f"+1202{n:07d}")
            for n in itertools.islice(self.leads, LEAD_BATCH)
        )
        self._apply(self.center.handle(cmd.AddLeads(batch), self.clock.now()))

    def _every(self, seconds: float, action: Callable[[], None]) -> None:
        def tick() -> None:
            action()
            self.clock.call_later(seconds, tick)

        self.clock.call_later(seconds, tick)

    def _sample(self) -> None:
        if self.center.leads.waiting(CAMPAIGN_ID) < 4 * self.settings.agents:
            self._add_leads()
        dialer = self.center.dialers.get(CAMPAIGN_ID)
        if dialer is None:
            return
        view = dialer.view(self.settings.abandon_limit, self.clock.now())
        self.result.samples.append(
            Sample(
                self.clock.now() - START,
                view.dial_level,
                view.calls_in_flight,
                view.abandon_rate,
                view.mode,
            )
        )

    # -- the Center's side ---------------------------------------------------------------

    def _later_signal(self, signal: cmd.Signal) -> None:
        """The network's reports reach the Center one at a time, as the runtime's queue
        would deliver them, never from inside another move."""
        self.clock.call_later(0.0, lambda: self._signal(signal))

    def _signal(self, signal: cmd.Signal) -> None:
        try:
            outcome = self.center.signal(signal, self.clock.now())
        except DomainError:
            return  # a late report (an offer withdrawn, a call already over): the runtime logs it
        self._apply(outcome)

    def _apply(self, outcome: Outcome) -> None:
        now = self.clock.now()
        placed = 0
        for event in outcome.events:
            if isinstance(event, ev.AgentStateChanged):
                self._state_changed(event.agent_id, event.state, now)
            elif isinstance(event, ev.CustomerDialled | ev.CallDialing):
                self.result.dialed += 1
                self.result.dial_times.append(now - START)
                placed += 1
            elif isinstance(event, ev.CallConnected):
                self.result.answered += 1
            elif isinstance(event, ev.DialerAbandoned):
                self.result.answered += 1
                self.result.abandoned += 1
        if placed:
            self.result.decisions.append((now - START, placed))
        for instruction in outcome.instructions:
            self._carry_out(instruction)

    def _carry_out(self, instruction: Instruction) -> None:
        if isinstance(instruction, StartTimer):
            self._cancel(instruction.key)
            key = instruction.key
            self.timers[key] = self.clock.call_later(instruction.delay, lambda: self._fire(key))
        elif isinstance(instruction, CancelTimer):
            self._cancel(instruction.key)
        else:
            _run_now(self.network.execute(instruction))

    def _cancel(self, key: str) -> None:
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def _fire(self, key: str) -> None:
        self.timers.pop(key, None)
        self._signal(cmd.TimerFired(key))

    # -- the simulated agents ------------------------------------------------------------

    def _state_changed(self, agent_id: str, state: str, now: float) -> None:
        previous = self.state_since.get(agent_id)
        if previous is not None:
            self._count(previous[0], now - previous[1])
        self.state_since[agent_id] = (state, now)
        if state == AgentState.WRAP_UP.value:
            agent = self.center.agent(agent_id)
            call = self.center.calls.get(agent.call_id or "")
            reached = call is not None and call.answered_at is not None
            mean = self.settings.wrap_mean
            wrap = self.rng.expovariate(1.0 / mean) if reached and mean > 0 else 0.0
            code = "Sale" if reached else "No Contact"
            self.clock.call_later(wrap, lambda: self._dispose(agent_id, code))

    def _dispose(self, agent_id: str, code: str) -> None:
        try:
            outcome = self.center.handle(cmd.Dispose(agent_id, code), self.clock.now())
        except DomainError:
            return
        self._apply(outcome)

    def _count(self, state: str, seconds: float) -> None:
        self.result.seconds_in[state] = self.result.seconds_in.get(state, 0.0) + seconds


def _run_now(step: Any) -> None:
    """Run a driver's `execute` to its end: the simulator's never waits on anything."""
    try:
        step.send(None)
    except StopIteration:
        return
    step.close()
    raise RuntimeError("the simulated network waited on something: it must not")


def simulate(settings: PlanSettings) -> PlanResult:
    """Run one campaign's day and return what happened."""
    return _Day(settings).run()
