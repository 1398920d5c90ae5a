"""The ReportStore port on SQL: call records page by page, and the sums the reports are made
of, worked out by the database (one aggregate query each) rather than by reading every row
into Python. The same statements run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ColumnCollection

from agentbar.domain.model.call import CallType
from agentbar.domain.model.events import AgentStateChanged
from agentbar.domain.model.legs import LegKind
from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads
from agentbar.ports.reports import (
    AgentCallSums,
    CallQuery,
    CallRecord,
    IntervalSums,
    LegRecord,
    StateChange,
    TransferRecord,
)

_ABANDONABLE = CallType.INBOUND.value
"""The call type whose unanswered end is an abandon (as is a transferred-in call's); an
unanswered outbound call is a failed dial."""


def _campaign_key(campaign_id: str) -> int | None:
    """The campaign's key in the tables; None for an id no campaign can have."""
    return int(campaign_id) if campaign_id.isascii() and campaign_id.isdigit() else None


class SqlReportStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    # -- call records --------------------------------------------------------------------------

    @reads
    def call_records(self, query: CallQuery) -> Sequence[CallRecord]:
        c = t.calls.c
        where: list[ColumnElement[bool]] = [c.queued_at >= query.start, c.queued_at < query.end]
        if query.campaign_id is not None:
            key = _campaign_key(query.campaign_id)
            if key is None:
                return []
            where.append(c.campaign_id == key)
        if query.agent_id is not None:
            # Per call in the range, its legs found by their primary key: no scan of every leg.
            conferenced_in = exists().where(
                t.call_legs.c.call_id == c.call_id,
                t.call_legs.c.kind == LegKind.USER.value,
                t.call_legs.c.party == query.agent_id,
            )
            where.append(or_(c.agent_id == query.agent_id, conferenced_in))
        if query.after is not None:
            queued_at, call_id = query.after
            # The first bound alone lets the index start at the cursor, not at the range's
            # start: a late page reads its own rows, not every page's before it.
            where.append(c.queued_at >= queued_at)
            where.append(
                or_(c.queued_at > queued_at, and_(c.queued_at == queued_at, c.call_id > call_id))
            )
        page = select(t.calls).where(*where).order_by(c.queued_at, c.call_id).limit(query.limit)
        with self._db.read() as connection:
            rows = connection.execute(page).mappings().all()
            call_ids = [row["call_id"] for row in rows]
            legs = _legs_of(connection, call_ids) if call_ids else {}
            transfers = _transfers_of(connection, call_ids) if call_ids else {}
        return [
            _record_of(row, legs.get(row["call_id"], ()), transfers.get(row["call_id"], ()))
            for row in rows
        ]

    # -- a campaign's intervals ----------------------------------------------------------------

    @reads
    def interval_sums(
        self,
        campaign_id: str,
        start: float,
        end: float,
        interval_seconds: int,
        service_level_seconds: float,
        short_abandon_seconds: float,
    ) -> Sequence[IntervalSums]:
        key = _campaign_key(campaign_id)
        if key is None:
            return []
        c = t.calls.c
        offset = (c.queued_at - float(start)) / float(interval_seconds)
        # The calls with their interval's number, summed per number below: grouping the
        # outer query by a plain column keeps PostgreSQL from comparing two copies of an
        # expression with bound parameters in it.
        numbered = (
            select(
                self._floor(offset).label("bucket"),
                c.call_type,
                c.transferred_from,
                c.queued_at,
                c.answered_at,
                c.ended_at,
                c.disposed_at,
            )
            .where(c.campaign_id == key, c.queued_at >= start, c.queued_at < end)
            .subquery("numbered")
        )
        n = numbered.c
        sums = (
            select(
                n.bucket,
                func.count().label("offered"),
                *_interval_columns(n, service_level_seconds, short_abandon_seconds),
            )
            .group_by(n.bucket)
            .order_by(n.bucket)
        )
        with self._db.read() as connection:
            rows = connection.execute(sums).mappings().all()
        return [
            IntervalSums(
                start=start + int(row["bucket"]) * interval_seconds,
                offered=int(row["offered"]),
                answered=int(row["answered"]),
                answered_within=int(row["answered_within"]),
                abandoned=int(row["abandoned"]),
                short_abandoned=int(row["short_abandoned"]),
                answered_wait_seconds=float(row["answered_wait_seconds"]),
                wait_seconds=float(row["wait_seconds"]),
                handled=int(row["handled"]),
                handle_seconds=float(row["handle_seconds"]),
                max_wait_seconds=float(row["max_wait_seconds"]),
            )
            for row in rows
        ]

    def _floor(self, offset: ColumnElement[Any]) -> ColumnElement[Any]:
        """The whole part of a non-negative number: PostgreSQL rounds a cast to an integer, and
        SQLite has FLOOR only when built with its math functions; its cast truncates, which
        for a number never below 0 is the floor."""
        if self._db.engine.dialect.name == "postgresql":
            return func.floor(offset)
        return cast(offset, Integer)

    # -- agents --------------------------------------------------------------------------------

    def _data_field(self, key: str) -> ColumnElement[Any]:
        """A field of an event's stored JSON, read by the database: a day's report reads
        ~100,000 changes, and decoding each in Python cost more than the query."""
        data = t.events.c.data
        extracted: ColumnElement[Any]
        if self._db.engine.dialect.name == "postgresql":
            extracted = cast(data, JSON)[key].as_string()
        else:
            extracted = cast(func.json_extract(data, f"$.{key}"), String)
        return extracted

    @reads
    def state_changes(self, start: float, end: float) -> Sequence[StateChange]:
        e = t.events.c
        state_changed = e.kind == AgentStateChanged.kind
        columns = (e.agent_id, e.at, self._data_field("state"), self._data_field("reason"))
        during = (
            select(*columns)
            .where(state_changed, e.at >= start, e.at < end, e.agent_id.is_not(None))
            .order_by(e.at, e.seq)
        )
        with self._db.read() as connection:
            in_range = [StateChange(*row) for row in connection.execute(during)]
            # Each agent's last change before the range, one index seek each (kind, agent,
            # at): the latest, and of several at one instant the last made (greatest seq).
            # Reading every earlier change instead would cost the whole log before the day.
            agents = set(connection.execute(select(t.agents.c.agent_id)).scalars())
            agents |= {change.agent_id for change in in_range}
            before: list[tuple[float, int, StateChange]] = []
            for agent_id in sorted(agents):
                last = (
                    select(e.seq, *columns)
                    .where(state_changed, e.agent_id == agent_id, e.at < start)
                    .order_by(e.at.desc(), e.seq.desc())
                    .limit(1)
                )
                for seq, *row in connection.execute(last):
                    before.append((row[1], seq, StateChange(*row)))
        return [change for *_, change in sorted(before, key=lambda b: b[:2])] + in_range

    @reads
    def agent_call_sums(self, start: float, end: float) -> Sequence[AgentCallSums]:
        c = t.calls.c
        answered_in_range = (
            c.queued_at >= start,
            c.queued_at < end,
            c.answered_at.is_not(None),
            c.agent_id.is_not(None),
        )
        ended = c.ended_at.is_not(None)
        disposed = and_(ended, c.disposed_at.is_not(None))
        sums = (
            select(
                c.agent_id,
                func.count().label("handled"),
                func.sum(case((ended, c.ended_at - c.answered_at - c.hold_seconds), else_=0.0)),
                func.sum(c.hold_seconds),
                func.sum(case((disposed, c.disposed_at - c.ended_at), else_=0.0)),
            )
            .where(*answered_in_range)
            .group_by(c.agent_id)
            .order_by(c.agent_id)
        )
        codes = (
            select(c.agent_id, c.disposition_code, func.count())
            .where(*answered_in_range, c.disposition_code.is_not(None))
            .group_by(c.agent_id, c.disposition_code)
            .order_by(c.agent_id, c.disposition_code)
        )
        with self._db.read() as connection:
            totals = connection.execute(sums).all()
            counted = connection.execute(codes).all()
        dispositions: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for agent_id, code, calls in counted:
            dispositions[agent_id].append((code, int(calls)))
        return [
            AgentCallSums(
                agent_id=agent_id,
                handled=int(handled),
                talk_seconds=float(talk),
                hold_seconds=float(hold),
                wrap_seconds=float(wrap),
                dispositions=tuple(dispositions[agent_id]),
            )
            for agent_id, handled, talk, hold, wrap in totals
        ]

    # -- retention -----------------------------------------------------------------------------

    async def purge_before(self, cutoff: float, batch: int) -> int:
        # Two transactions, each its own turn to write: the floor's writes go on between.
        calls = await self._db.writing(self._purge_calls, cutoff, batch)
        events = await self._db.writing(self._purge_events, cutoff, batch)
        return calls + events

    def _purge_calls(self, cutoff: float, batch: int) -> int:
        c = t.calls.c
        # Oldest first by queued_at alone, which its index gives in order. A call still on the
        # live floor (a wrap-up with no time-out, say) is kept whatever its age: the floor
        # restored after a restart must find its record.
        live = select(t.floor_calls.c.call_id)
        oldest = (
            select(c.call_id)
            .where(c.queued_at < cutoff, c.call_id.not_in(live))
            .order_by(c.queued_at)
            .limit(batch)
        )
        deleted = 0
        with self._db.write() as connection:
            call_ids = list(connection.execute(oldest).scalars())
            if not call_ids:
                return 0
            for table in (t.call_legs, t.call_transfers, t.calls):  # the rows calls refer to first
                deleted += connection.execute(
                    delete(table).where(table.c.call_id.in_(call_ids))
                ).rowcount
        return deleted

    def _purge_events(self, cutoff: float, batch: int) -> int:
        e = t.events.c
        # By seq, the primary key: the log's oldest events come first, so the scan stops
        # after `batch` of them instead of reading every event for their times.
        # The newest event is never deleted: the log numbers the next one after it, and a
        # webhook's or a socket's cursor must never see a number again.
        newest = select(func.max(e.seq)).scalar_subquery()
        oldest = select(e.seq).where(e.at < cutoff, e.seq < newest).order_by(e.seq).limit(batch)
        with self._db.write() as connection:
            seqs = list(connection.execute(oldest).scalars())
            if not seqs:
                return 0
            return int(connection.execute(delete(t.events).where(e.seq.in_(seqs))).rowcount)


def _interval_columns(
    n: ColumnCollection[str, Any], service_level_seconds: float, short_abandon_seconds: float
) -> list[ColumnElement[Any]]:
    """An interval's sums but its count, over `n`: the calls with their interval's number.
    The thresholds go in as bound parameters."""
    answered = n.answered_at.is_not(None)
    answered_wait = n.answered_at - n.queued_at
    unanswered_wait = n.ended_at - n.queued_at
    abandon = and_(
        n.answered_at.is_(None),
        n.ended_at.is_not(None),
        or_(n.call_type == _ABANDONABLE, n.transferred_from.is_not(None)),
    )
    handled = and_(answered, n.ended_at.is_not(None), n.disposed_at.is_not(None))

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    return [
        count(answered).label("answered"),
        count(and_(answered, answered_wait <= service_level_seconds)).label("answered_within"),
        count(and_(abandon, unanswered_wait >= short_abandon_seconds)).label("abandoned"),
        count(and_(abandon, unanswered_wait < short_abandon_seconds)).label("short_abandoned"),
        func.sum(case((answered, answered_wait), else_=0.0)).label("answered_wait_seconds"),
        func.sum(
            case((answered, answered_wait), (n.ended_at.is_not(None), unanswered_wait), else_=0.0)
        ).label("wait_seconds"),
        count(handled).label("handled"),
        func.sum(case((handled, n.disposed_at - n.answered_at), else_=0.0)).label("handle_seconds"),
        func.coalesce(func.max(func.coalesce(n.answered_at, n.ended_at) - n.queued_at), 0.0).label(
            "max_wait_seconds"
        ),
    ]


def _legs_of(connection: Connection, call_ids: list[str]) -> dict[str, list[LegRecord]]:
    legs = t.call_legs.c
    found: dict[str, list[LegRecord]] = defaultdict(list)
    rows = connection.execute(
        select(t.call_legs).where(legs.call_id.in_(call_ids)).order_by(legs.call_id, legs.position)
    )
    for r in rows:
        found[r.call_id].append(
            LegRecord(
                r.leg_id,
                r.kind,
                r.party,
                r.purpose,
                r.started_at,
                r.answered_at,
                r.ended_at,
                r.end_reason,
            )
        )
    return found


def _transfers_of(connection: Connection, call_ids: list[str]) -> dict[str, list[TransferRecord]]:
    transfers = t.call_transfers.c
    found: dict[str, list[TransferRecord]] = defaultdict(list)
    rows = connection.execute(
        select(t.call_transfers)
        .where(transfers.call_id.in_(call_ids))
        .order_by(transfers.call_id, transfers.requested_at, transfers.transfer_id)
    )
    for r in rows:
        found[r.call_id].append(
            TransferRecord(
                r.transfer_id,
                r.kind,
                r.target,
                r.agent_id,
                r.state,
                r.new_call_id,
                r.requested_at,
                r.finished_at,
            )
        )
    return found


def _record_of(
    row: RowMapping, legs: Sequence[LegRecord], transfers: Sequence[TransferRecord]
) -> CallRecord:
    return CallRecord(
        call_id=row["call_id"],
        call_type=row["call_type"],
        campaign_id=str(row["campaign_id"]),
        phone=row["phone"],
        agent_id=row["agent_id"],
        queued_at=row["queued_at"],
        offered_at=row["offered_at"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
        disposed_at=row["disposed_at"],
        disposition_class=row["disposition_class"],
        disposition_code=row["disposition_code"],
        record_id=row["record_id"],
        transferred_from=row["transferred_from"],
        hold_seconds=row["hold_seconds"],
        legs=tuple(legs),
        transfers=tuple(transfers),
    )
