"""The ReportStore port in memory: the stored calls and events read, summed and purged in
Python, row by row, as the SQL driver's queries do in the database (same contract suite:
tests/contract/test_storage_reports_contract.py)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from agentbar.domain.model.call import Call, CallType
from agentbar.domain.model.events import AgentStateChanged
from agentbar.domain.model.legs import LegKind
from agentbar.ports import Envelope
from agentbar.ports.reports import (
    AgentCallSums,
    CallQuery,
    CallRecord,
    IntervalSums,
    LegRecord,
    StateChange,
    TransferRecord,
)
from tests.support.memory_tables import CallParts, Tables


def _wait(call: Call) -> float | None:
    settled = call.answered_at if call.answered_at is not None else call.ended_at
    return None if settled is None else settled - call.queued_at


def _abandon_wait(call: Call) -> float | None:
    """How long an abandoned call waited; None for any other call (an unanswered outbound
    call is a failed dial)."""
    abandonable = call.call_type is CallType.INBOUND or call.transferred_from is not None
    if not abandonable or call.answered_at is not None or call.ended_at is None:
        return None
    return call.ended_at - call.queued_at


def _handled(call: Call) -> bool:
    return (
        call.answered_at is not None and call.ended_at is not None and call.disposed_at is not None
    )


def _interval_of(
    start: float,
    calls: list[Call],
    service_level_seconds: float,
    short_abandon_seconds: float,
) -> IntervalSums:
    answered = [c for c in calls if c.answered_at is not None]
    answered_waits = [c.answered_at - c.queued_at for c in answered if c.answered_at is not None]
    abandon_waits = [w for w in map(_abandon_wait, calls) if w is not None]
    handled = [c for c in calls if _handled(c)]
    waits = [w for w in map(_wait, calls) if w is not None]
    return IntervalSums(
        start=start,
        offered=len(calls),
        answered=len(answered),
        answered_within=sum(1 for w in answered_waits if w <= service_level_seconds),
        abandoned=sum(1 for w in abandon_waits if w >= short_abandon_seconds),
        short_abandoned=sum(1 for w in abandon_waits if w < short_abandon_seconds),
        answered_wait_seconds=sum(answered_waits, 0.0),
        wait_seconds=sum(waits, 0.0),
        handled=len(handled),
        handle_seconds=sum(
            (
                c.disposed_at - c.answered_at
                for c in handled
                if c.disposed_at is not None and c.answered_at is not None
            ),
            0.0,
        ),
        max_wait_seconds=max(waits, default=0.0),
    )


def _state_change(envelope: Envelope) -> StateChange:
    assert envelope.agent_id is not None
    reason = envelope.data.get("reason")
    return StateChange(envelope.agent_id, envelope.at, envelope.data["state"], reason)


class MemoryReportStore:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _calls(self) -> list[Call]:
        return [call for call, _ in self._t.calls.values()]

    def _parts(self, call_id: str) -> CallParts:
        return self._t.call_parts.get(call_id) or CallParts(0.0, [], [])

    async def call_records(self, query: CallQuery) -> Sequence[CallRecord]:
        def wanted(call: Call) -> bool:
            if not query.start <= call.queued_at < query.end:
                return False
            if query.campaign_id is not None and call.campaign_id != query.campaign_id:
                return False
            if query.after is not None and (call.queued_at, call.call_id) <= query.after:
                return False
            return query.agent_id is None or self._handled_by(call, query.agent_id)

        found = sorted(filter(wanted, self._calls()), key=lambda c: (c.queued_at, c.call_id))
        return [self._record(call) for call in found[: query.limit]]

    def _handled_by(self, call: Call, agent_id: str) -> bool:
        conferenced = any(
            leg.kind is LegKind.USER and leg.party == agent_id
            for leg in self._parts(call.call_id).legs
        )
        return call.agent_id == agent_id or conferenced

    def _record(self, call: Call) -> CallRecord:
        parts = self._parts(call.call_id)
        transfers = sorted(parts.transfers, key=lambda x: (x.requested_at, x.transfer_id))
        return CallRecord(
            call_id=call.call_id,
            call_type=call.call_type.value,
            campaign_id=call.campaign_id,
            phone=call.phone,
            agent_id=call.agent_id,
            queued_at=call.queued_at,
            offered_at=call.offered_at,
            answered_at=call.answered_at,
            ended_at=call.ended_at,
            ended_by=call.ended_by,
            disposed_at=call.disposed_at,
            disposition_class=call.disposition_class,
            disposition_code=call.disposition_code,
            record_id=self._t.calls[call.call_id][1],
            transferred_from=call.transferred_from,
            hold_seconds=parts.hold_seconds,
            legs=tuple(
                LegRecord(
                    leg.leg_id,
                    leg.kind.value,
                    leg.party,
                    leg.purpose.value,
                    leg.started_at,
                    leg.answered_at,
                    leg.ended_at,
                    leg.end_reason,
                )
                for leg in parts.legs
            ),
            transfers=tuple(
                TransferRecord(
                    x.transfer_id,
                    x.kind.value,
                    x.target,
                    x.agent_id,
                    x.state.value,
                    x.new_call_id,
                    x.requested_at,
                    x.finished_at,
                )
                for x in transfers
            ),
        )

    async def interval_sums(
        self,
        campaign_id: str,
        start: float,
        end: float,
        interval_seconds: int,
        service_level_seconds: float,
        short_abandon_seconds: float,
    ) -> Sequence[IntervalSums]:
        buckets: dict[int, list[Call]] = defaultdict(list)
        for call in self._calls():
            if call.campaign_id == campaign_id and start <= call.queued_at < end:
                # The SQL driver's arithmetic: the floor of the offset over the interval.
                buckets[math.floor((call.queued_at - start) / interval_seconds)].append(call)
        return [
            _interval_of(
                start + bucket * interval_seconds,
                buckets[bucket],
                service_level_seconds,
                short_abandon_seconds,
            )
            for bucket in sorted(buckets)
        ]

    async def state_changes(self, start: float, end: float) -> Sequence[StateChange]:
        changes = [
            e
            for _, e in sorted(self._t.events.items())
            if e.kind == AgentStateChanged.kind and e.agent_id is not None
        ]
        last_before: dict[str, Envelope] = {}
        for envelope in changes:  # in seq order: the last one before the range stays
            if envelope.at < start and envelope.agent_id is not None:
                last_before[envelope.agent_id] = envelope
        during = [e for e in changes if start <= e.at < end]
        in_time_order = sorted(last_before.values(), key=lambda e: (e.at, e.seq)) + sorted(
            during, key=lambda e: (e.at, e.seq)
        )
        return [_state_change(e) for e in in_time_order]

    async def agent_call_sums(self, start: float, end: float) -> Sequence[AgentCallSums]:
        per_agent: dict[str, list[Call]] = defaultdict(list)
        for call in self._calls():
            if start <= call.queued_at < end and call.answered_at is not None and call.agent_id:
                per_agent[call.agent_id].append(call)
        sums = []
        for agent_id in sorted(per_agent):
            calls = per_agent[agent_id]
            holds = {c.call_id: self._parts(c.call_id).hold_seconds for c in calls}
            codes = Counter(c.disposition_code for c in calls if c.disposition_code is not None)
            sums.append(
                AgentCallSums(
                    agent_id=agent_id,
                    handled=len(calls),
                    talk_seconds=sum(
                        (
                            c.ended_at - c.answered_at - holds[c.call_id]
                            for c in calls
                            if c.ended_at is not None and c.answered_at is not None
                        ),
                        0.0,
                    ),
                    hold_seconds=sum(holds.values(), 0.0),
                    wrap_seconds=sum(
                        (
                            c.disposed_at - c.ended_at
                            for c in calls
                            if c.disposed_at is not None and c.ended_at is not None
                        ),
                        0.0,
                    ),
                    dispositions=tuple(sorted(codes.items())),
                )
            )
        return sums

    async def purge_before(self, cutoff: float, batch: int) -> int:
        older = sorted(
            (
                c
                for c in self._calls()
                if c.queued_at < cutoff and c.call_id not in self._t.floor_calls
            ),
            key=lambda c: c.queued_at,
        )
        deleted = 0
        for call in older[:batch]:
            parts = self._t.call_parts.pop(call.call_id, None)
            if parts is not None:
                deleted += len(parts.legs) + len(parts.transfers)
            del self._t.calls[call.call_id]
            deleted += 1
        newest = max(self._t.events, default=0)
        old_events = [
            seq for seq, e in sorted(self._t.events.items()) if e.at < cutoff and seq < newest
        ]
        for seq in old_events[:batch]:
            del self._t.events[seq]
        return deleted + len(old_events[:batch])
