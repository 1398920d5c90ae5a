"""What the reports read of the stored calls and events: call records page by page, a
campaign's calls summed per interval, the agents' state changes and handled calls; and the
purge of what is older than the retention. Times are Unix seconds; a range is [start, end).

The sums are taken where the calls are (the database), so a report over a million stored
calls reads an index, not a million rows. The measures (service level, ASA, AHT, occupancy)
are worked out from these sums by `services/reports.py`, defined in docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CallQuery:
    start: float
    end: float
    campaign_id: str | None = None
    agent_id: str | None = None
    """Calls the agent handled (the call's agent, or a party conferenced in)."""
    after: tuple[float, str] | None = None
    """The cursor: only calls after this (queued_at, call_id), in that order."""
    limit: int = 100


@dataclass(frozen=True)
class LegRecord:
    leg_id: str
    kind: str
    party: str
    purpose: str
    started_at: float
    answered_at: float | None
    ended_at: float | None
    end_reason: str | None


@dataclass(frozen=True)
class TransferRecord:
    transfer_id: str
    kind: str
    target: str
    agent_id: str
    state: str
    new_call_id: str | None
    requested_at: float
    finished_at: float | None


@dataclass(frozen=True)
class CallRecord:
    """One stored call as it was recorded: the call record (CDR) before its measures."""

    call_id: str
    call_type: str
    campaign_id: str
    phone: str
    agent_id: str | None
    queued_at: float
    offered_at: float | None
    answered_at: float | None
    ended_at: float | None
    ended_by: str | None
    disposed_at: float | None
    disposition_class: str | None
    disposition_code: str | None
    record_id: str | None
    transferred_from: str | None
    hold_seconds: float
    legs: tuple[LegRecord, ...] = ()
    transfers: tuple[TransferRecord, ...] = ()


@dataclass(frozen=True)
class IntervalSums:
    """A campaign's calls queued in one interval, counted and summed (thresholds as asked).
    `start` is the interval's start; intervals with no call are not returned."""

    start: float
    offered: int
    answered: int
    answered_within: int
    """Answered with a wait of at most the service-level threshold."""
    abandoned: int
    """Ended unanswered after waiting at least the short-abandon threshold."""
    short_abandoned: int
    """Ended unanswered after waiting less than the short-abandon threshold."""
    answered_wait_seconds: float
    """The waits of the answered calls, summed (for ASA)."""
    wait_seconds: float
    """Every wait that is over (answered or abandoned, short ones included), summed: over the
    interval's length, the number of calls waiting on average."""
    handled: int
    """Answered calls whose handling is over (ended and disposed): AHT's count."""
    handle_seconds: float
    """Their talk + hold + wrap-up seconds, summed (disposed_at - answered_at)."""
    max_wait_seconds: float


@dataclass(frozen=True)
class StateChange:
    agent_id: str
    at: float
    state: str
    reason: str | None


@dataclass(frozen=True)
class AgentCallSums:
    """The calls an agent handled (answered, queued in the range), summed."""

    agent_id: str
    handled: int
    talk_seconds: float
    """ended - answered - hold, summed."""
    hold_seconds: float
    wrap_seconds: float
    """disposed - ended, summed (disposed calls)."""
    dispositions: tuple[tuple[str, int], ...]
    """(disposition code, calls) for the disposed ones."""


class ReportStore(Protocol):
    async def call_records(self, query: CallQuery) -> Sequence[CallRecord]:
        """Calls queued in the range, in (queued_at, call_id) order, after the cursor, at most
        `limit`, each with its legs and transfers."""
        ...

    async def interval_sums(
        self,
        campaign_id: str,
        start: float,
        end: float,
        interval_seconds: int,
        service_level_seconds: float,
        short_abandon_seconds: float,
    ) -> Sequence[IntervalSums]:
        """The campaign's calls queued in the range, bucketed by `start + k·interval`."""
        ...

    async def state_changes(self, start: float, end: float) -> Sequence[StateChange]:
        """Every agent's state changes in the range, in time order, preceded by the last
        change before `start` (the state it was in when the range began) of each provisioned
        agent and each agent with a change in the range."""
        ...

    async def agent_call_sums(self, start: float, end: float) -> Sequence[AgentCallSums]:
        """Per agent, the calls queued in the range that they answered."""
        ...

    async def purge_before(self, cutoff: float, batch: int) -> int:
        """Delete up to `batch` calls queued before `cutoff` (with their legs and transfers;
        never one still on the live floor) and up to `batch` events before it (never the
        newest, which numbers the next); the number of rows deleted (0: nothing older is
        left). Each batch is one short transaction, so the floor's writes go on between."""
        ...
