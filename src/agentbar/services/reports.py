"""The reports: call records (CDRs) page by page or streamed whole, a campaign's figures per
interval, and each agent's time and calls, with the measures docs/reports.md defines.

Every input is checked before storage is read, and each refusal is its own error: a range
that is empty or too long, a time without a zone, an unknown campaign, an interval other than
15, 30 or 60 minutes, a start before what the retention keeps, a cursor this service did not
give out."""

from __future__ import annotations

import asyncio
import binascii
import math
from base64 import b64decode, urlsafe_b64encode
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from agentbar.domain.model.campaign import Campaign
from agentbar.domain.model.errors import DomainError, UnknownCampaign
from agentbar.ports import Catalog, Clock
from agentbar.ports.reports import AgentCallSums, CallQuery, CallRecord, ReportStore, StateChange
from agentbar.services.report_measures import (
    IntervalRow,
    Outcome,
    StateInterval,
    StateTimes,
    average,
    call_agents,
    interval_row,
    occupancy,
    outcome,
    state_intervals,
    state_times,
    talk_seconds,
    wait_seconds,
    wrap_seconds,
)

__all__ = [
    "AgentRow",
    "BadCursor",
    "BadInterval",
    "BadLimit",
    "BadRange",
    "BadTime",
    "BeyondRetention",
    "CallReport",
    "IntervalReport",
    "IntervalRow",
    "ReportRefused",
    "Reports",
    "UnknownCampaign",
    "iso_time",
    "parse_time",
]

DAY = 86_400
MAX_REPORT_DAYS = 31
"""The longest range of an interval or agent report (call records are paged: any range)."""
INTERVAL_MINUTES = (15, 30, 60)
PAGE_LIMIT = 1000
STREAM_PAGE = 500
"""Calls read at a time for an export: what one export holds in memory at once."""


class ReportRefused(DomainError):
    """The report's input is not valid; nothing was read."""

    code = "report_refused"


class BadTime(ReportRefused):
    code = "bad_time"


class BadRange(ReportRefused):
    code = "bad_range"


class BadInterval(ReportRefused):
    code = "bad_interval"


class BadLimit(ReportRefused):
    code = "bad_limit"


class BadCursor(ReportRefused):
    code = "bad_cursor"


class BeyondRetention(ReportRefused):
    code = "beyond_retention"


def parse_time(text: str, name: str) -> float:
    """An ISO 8601 date and time with its zone, as seconds since the epoch."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadTime(
            f"'{name}' is not a date and time: write ISO 8601 with a zone, "
            "e.g. 2026-12-05T09:00:00Z or 2026-12-05T10:00:00+01:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadTime(f"'{name}' has no zone: end it with Z or an offset such as +01:00")
    try:
        at = moment.timestamp()
        datetime.fromtimestamp(at, UTC)  # it is written back in UTC: answers, file names
    except (OverflowError, ValueError, OSError):
        raise BadTime(f"'{name}' is out of range") from None
    return at


def iso_time(at: float) -> str:
    """Seconds since the epoch in ISO 8601, UTC, to the millisecond."""
    text = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def encode_cursor(queued_at: float, call_id: str) -> str:
    """Where the next page starts: opaque to clients, so its form may change."""
    return urlsafe_b64encode(f"{queued_at!r} {call_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        at, call_id = raw.decode().split(" ", 1)
        queued_at = float(at)
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise BadCursor("the cursor is not one this server gave: pass `next` as it came") from None
    if not math.isfinite(queued_at) or not call_id:
        raise BadCursor("the cursor is not one this server gave: pass `next` as it came")
    return queued_at, call_id


@dataclass(frozen=True)
class CallReport:
    """A stored call with its measures."""

    record: CallRecord
    campaign: str | None
    """The campaign's name."""
    agents: tuple[str, ...]
    wait_seconds: float | None
    talk_seconds: float | None
    hold_seconds: float
    wrap_seconds: float | None
    outcome: Outcome


@dataclass(frozen=True)
class IntervalReport:
    campaign: Campaign
    interval_minutes: int
    rows: list[IntervalRow]


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    name: str
    times: StateTimes
    occupancy: float | None
    calls_handled: int
    talk_seconds: float
    hold_seconds: float
    wrap_seconds: float
    aht_seconds: float | None
    dispositions: tuple[tuple[str, int], ...]
    intervals: list[StateInterval]


class Reports:
    def __init__(
        self,
        store: ReportStore,
        catalog: Catalog,
        clock: Clock,
        retention_days: int | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self.retention_days = retention_days

    # -- call records ---------------------------------------------------------------------

    async def call_page(
        self,
        start: float,
        end: float,
        campaign: str | None = None,
        agent_id: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[CallReport], str | None]:
        """The calls queued in [start, end), oldest first, at most `limit`, after the cursor;
        and the cursor of the next page (None after the last)."""
        if not 1 <= limit <= PAGE_LIMIT:
            raise BadLimit(f"limit must be 1 to {PAGE_LIMIT}")
        query, campaigns = await self._call_query(start, end, campaign, agent_id)
        after = decode_cursor(cursor) if cursor else None
        # One more than asked: whether a next page exists is known without asking again.
        records = await self._store.call_records(replace(query, after=after, limit=limit + 1))
        page = records[:limit]
        last = page[-1] if page else None
        following = (
            encode_cursor(last.queued_at, last.call_id)
            if last is not None and len(records) > limit
            else None
        )
        return [_report(record, campaigns) for record in page], following

    async def call_stream(
        self, start: float, end: float, campaign: str | None = None, agent_id: str | None = None
    ) -> AsyncIterator[CallReport]:
        """Every call queued in [start, end), oldest first, read a page at a time. The input
        is checked here, before the first call is read (`async for c in await ...`)."""
        query, campaigns = await self._call_query(start, end, campaign, agent_id)
        return self._every_page(replace(query, limit=STREAM_PAGE), campaigns)

    async def _every_page(
        self, query: CallQuery, campaigns: dict[str, Campaign]
    ) -> AsyncIterator[CallReport]:
        while True:
            records = await self._store.call_records(query)
            for record in records:
                yield _report(record, campaigns)
            if len(records) < query.limit:
                return
            query = replace(query, after=(records[-1].queued_at, records[-1].call_id))

    async def _call_query(
        self, start: float, end: float, campaign: str | None, agent_id: str | None
    ) -> tuple[CallQuery, dict[str, Campaign]]:
        self._check_range(start, end, bounded=False)
        campaigns = await self._catalog.campaigns()
        campaign_id = _named(campaigns, campaign).campaign_id if campaign else None
        query = CallQuery(start, end, campaign_id=campaign_id, agent_id=agent_id or None)
        return query, {c.campaign_id: c for c in campaigns}

    # -- a campaign's intervals -----------------------------------------------------------

    async def intervals(
        self, campaign: str, start: float, end: float, minutes: int
    ) -> IntervalReport:
        """Every interval of `minutes` from `start` up to `end`, one row each."""
        if minutes not in INTERVAL_MINUTES:
            raise BadInterval("interval must be 15, 30 or 60 (minutes)")
        self._check_range(start, end, bounded=True)
        found = _named(await self._catalog.campaigns(), campaign)
        step = minutes * 60
        sums = await self._store.interval_sums(
            found.campaign_id,
            start,
            end,
            step,
            found.service_level_seconds,
            found.short_abandon_seconds,
        )
        by_index = {round((s.start - start) / step): s for s in sums}
        count = math.ceil((end - start) / step)
        rows = [
            # The last interval of a range that is not a whole number of them is shorter.
            interval_row(start + k * step, by_index.get(k), min(step, end - start - k * step))
            for k in range(count)
        ]
        return IntervalReport(found, minutes, rows)

    # -- agents ---------------------------------------------------------------------------

    async def agents(self, start: float, end: float) -> list[AgentRow]:
        """A row for each agent with a state or a call in [start, end), by name."""
        self._check_range(start, end, bounded=True)
        # What has not happened yet is not counted: a range ending later stops at now.
        until = min(end, self._clock.now())
        changes: defaultdict[str, list[StateChange]] = defaultdict(list)
        for change in await self._store.state_changes(start, end):
            changes[change.agent_id].append(change)
        sums = {s.agent_id: s for s in await self._store.agent_call_sums(start, end)}
        names = {a.agent_id: a.name for a in await self._catalog.agent_summaries()}

        def name(agent_id: str) -> str:
            return names.get(agent_id) or agent_id

        agent_ids = sorted(set(changes) | set(sums), key=lambda a: (name(a).casefold(), a))

        def rows() -> list[AgentRow]:
            return [
                _agent_row(
                    agent_id,
                    name(agent_id),
                    state_intervals(changes[agent_id], start, until),
                    sums.get(agent_id),
                )
                for agent_id in agent_ids
            ]

        # A day of a large floor is ~100,000 state changes: worked through off the event
        # loop, so the floor's own work goes on meanwhile.
        return await asyncio.to_thread(rows)

    # -- checks ---------------------------------------------------------------------------

    def oldest_kept(self) -> float | None:
        """The earliest time the retention keeps; None when everything is kept."""
        if self.retention_days is None:
            return None
        return self._clock.now() - self.retention_days * DAY

    def _check_range(self, start: float, end: float, *, bounded: bool) -> None:
        if not start < end:
            raise BadRange("'from' must be before 'to'")
        if bounded and end - start > MAX_REPORT_DAYS * DAY:
            raise BadRange(
                f"a report covers at most {MAX_REPORT_DAYS} days from 'from' to 'to': "
                "ask for a shorter range, or for several"
            )
        oldest = self.oldest_kept()
        if oldest is not None and start < oldest:
            raise BeyondRetention(
                f"records older than {self.retention_days} days are purged: "
                f"'from' must be on or after {iso_time(oldest)}"
            )


def _named(campaigns: Sequence[Campaign], name: str) -> Campaign:
    wanted = name.strip().casefold()
    found = next((c for c in campaigns if c.name.casefold() == wanted), None)
    if found is None:
        raise UnknownCampaign(f"no campaign named '{name}'")
    return found


def _report(record: CallRecord, campaigns: dict[str, Campaign]) -> CallReport:
    campaign = campaigns.get(record.campaign_id)
    # Campaigns are never deleted; were one gone, its calls are measured by the defaults.
    short_abandon = campaign.short_abandon_seconds if campaign else Campaign.short_abandon_seconds
    return CallReport(
        record=record,
        campaign=campaign.name if campaign else None,
        agents=call_agents(record),
        wait_seconds=wait_seconds(record),
        talk_seconds=talk_seconds(record),
        hold_seconds=record.hold_seconds,
        wrap_seconds=wrap_seconds(record),
        outcome=outcome(record, short_abandon),
    )


def _agent_row(
    agent_id: str, name: str, spans: list[StateInterval], calls: AgentCallSums | None
) -> AgentRow:
    times = state_times(spans)
    handled = calls.handled if calls else 0
    talk = calls.talk_seconds if calls else 0.0
    hold = calls.hold_seconds if calls else 0.0
    wrap = calls.wrap_seconds if calls else 0.0
    return AgentRow(
        agent_id=agent_id,
        name=name,
        times=times,
        occupancy=occupancy(times),
        calls_handled=handled,
        talk_seconds=talk,
        hold_seconds=hold,
        wrap_seconds=wrap,
        aht_seconds=average(talk + hold + wrap, handled),
        dispositions=calls.dispositions if calls else (),
        intervals=spans,
    )
