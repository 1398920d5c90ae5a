"""The measures of the reports, as docs/reports.md defines them: a call's wait, talk, hold,
wrap-up and outcome; an interval's service level, ASA and AHT; an agent's time in each state
and occupancy. Pure functions of the stored records and sums: no clock, no storage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import OUTBOUND_TYPES
from agentbar.domain.model.handoffs import TransferState
from agentbar.domain.model.legs import LegKind
from agentbar.ports.reports import CallRecord, IntervalSums, StateChange

HANDLING_STATES = frozenset({AgentState.ON_CALL, AgentState.DIALING, AgentState.CONFERENCING})
"""An agent in one of these is busy with a call (wrap-up is counted on its own)."""

NO_REASON = "unspecified"
"""The key of break time taken without a reason."""


class Outcome(StrEnum):
    IN_PROGRESS = "in_progress"
    TRANSFERRED = "transferred"
    ANSWERED = "answered"
    FAILED_DIAL = "failed_dial"
    SHORT_ABANDON = "short_abandon"
    ABANDONED = "abandoned"


# -- a call --------------------------------------------------------------------------------


def wait_seconds(call: CallRecord) -> float | None:
    """From queued to answered (or to its end, unanswered); None while it still waits."""
    until = call.answered_at if call.answered_at is not None else call.ended_at
    return None if until is None else max(until - call.queued_at, 0.0)


def talk_seconds(call: CallRecord) -> float | None:
    """From answered to ended, less the time on hold; None unless answered and ended."""
    if call.answered_at is None or call.ended_at is None:
        return None
    return max(call.ended_at - call.answered_at - call.hold_seconds, 0.0)


def hold_seconds(call: CallRecord) -> float:
    return call.hold_seconds


def wrap_seconds(call: CallRecord) -> float | None:
    """From ended to disposed; None unless disposed."""
    if call.disposed_at is None or call.ended_at is None:
        return None
    return max(call.disposed_at - call.ended_at, 0.0)


def outcome(call: CallRecord, short_abandon_seconds: float) -> Outcome:
    if call.ended_at is None:
        return Outcome.IN_PROGRESS
    if any(t.state == TransferState.COMPLETED for t in call.transfers):
        return Outcome.TRANSFERRED
    if call.answered_at is not None:
        return Outcome.ANSWERED
    # A call transferred into a queue waited there like an inbound caller, whatever its type.
    if call.call_type in OUTBOUND_TYPES and call.transferred_from is None:
        return Outcome.FAILED_DIAL
    waited = call.ended_at - call.queued_at
    return Outcome.SHORT_ABANDON if waited < short_abandon_seconds else Outcome.ABANDONED


def call_agents(call: CallRecord) -> tuple[str, ...]:
    """Every agent on the call: its own, then those of its agent and user legs, once each."""
    agents = [call.agent_id] if call.agent_id else []
    agents += [leg.party for leg in call.legs if leg.kind in (LegKind.AGENT, LegKind.USER)]
    return tuple(dict.fromkeys(agents))


# -- an interval ---------------------------------------------------------------------------


def service_level(answered_within: int, answered: int, abandoned: int) -> float | None:
    """Percent answered within the threshold of the calls whose wait is over: answered or
    abandoned (short abandons left out, calls still waiting not yet counted); None with none."""
    counted = answered + abandoned
    return 100.0 * answered_within / counted if counted > 0 else None


def average(total: float, count: int) -> float | None:
    """ASA (answered waits / answered) and AHT (handle time / handled); None for no call."""
    return total / count if count > 0 else None


# -- an agent ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # a day's report makes one per state change
class StateInterval:
    state: str
    reason: str | None
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class StateTimes:
    """Seconds an agent spent in each kind of state."""

    logged_in: float = 0.0
    ready: float = 0.0
    not_ready: float = 0.0
    on_break: float = 0.0
    breaks: tuple[tuple[str, float], ...] = ()
    """(reason, seconds), by reason."""
    handling: float = 0.0
    wrap_up: float = 0.0


def state_intervals(
    changes: Sequence[StateChange], start: float, end: float
) -> list[StateInterval]:
    """One agent's changes (in time order, the first maybe before `start`) as the spans of
    each state, clipped to [start, end). Before its first change the agent's state is not
    known, so it counts as nothing."""
    spans = []
    for index, change in enumerate(changes):
        following = changes[index + 1].at if index + 1 < len(changes) else end
        begin, finish = max(change.at, start), min(following, end)
        if finish > begin:
            spans.append(StateInterval(change.state, change.reason, begin, finish))
    return spans


def state_times(spans: Sequence[StateInterval]) -> StateTimes:
    totals: defaultdict[str, float] = defaultdict(float)
    breaks: defaultdict[str, float] = defaultdict(float)
    for span in spans:
        totals[span.state] += span.seconds
        if span.state == AgentState.BREAK:
            breaks[span.reason or NO_REASON] += span.seconds
    return StateTimes(
        logged_in=sum(s for state, s in totals.items() if state != AgentState.LOGGED_OUT),
        ready=totals[AgentState.READY],
        not_ready=totals[AgentState.NOT_READY],
        on_break=totals[AgentState.BREAK],
        breaks=tuple(sorted(breaks.items())),
        handling=sum(totals[state] for state in HANDLING_STATES),
        wrap_up=totals[AgentState.WRAP_UP],
    )


def occupancy(times: StateTimes) -> float | None:
    """Percent of the time logged in, breaks left out, spent on calls and their wrap-up;
    None when there was no such time."""
    available = times.logged_in - times.on_break
    # Sums of the same spans taken in another order may differ by a rounding error.
    return 100.0 * (times.handling + times.wrap_up) / available if available > 1e-6 else None


# -- a campaign's interval -------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalRow:
    """One interval of a campaign's report; an interval without calls has zeros and Nones."""

    start: float
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within: int = 0
    service_level: float | None = None
    asa_seconds: float | None = None
    aht_seconds: float | None = None
    max_wait_seconds: float = 0.0
    average_waiting: float = 0.0
    """Calls waiting, on average over the interval: the waits of its calls over its length
    (Little's law; a wait is counted in the interval its call queued in)."""


def interval_row(start: float, sums: IntervalSums | None, seconds: float) -> IntervalRow:
    """The interval starting at `start`, `seconds` long, from its calls' sums (None: none)."""
    if sums is None:
        return IntervalRow(start)
    return IntervalRow(
        start=start,
        offered=sums.offered,
        answered=sums.answered,
        abandoned=sums.abandoned,
        short_abandoned=sums.short_abandoned,
        answered_within=sums.answered_within,
        service_level=service_level(sums.answered_within, sums.answered, sums.abandoned),
        asa_seconds=average(sums.answered_wait_seconds, sums.answered),
        aht_seconds=average(sums.handle_seconds, sums.handled),
        max_wait_seconds=sums.max_wait_seconds,
        average_waiting=sums.wait_seconds / seconds if seconds > 0 else 0.0,
    )
