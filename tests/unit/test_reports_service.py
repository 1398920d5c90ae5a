"""The reports service over a stored-calls stand-in: each bad input refused with its own error
before storage is read, every interval a row, pages that follow each other through the cursor,
an export read a page at a time; and the retention's purge, batch by batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from agentbar.clock import VirtualClock
from agentbar.domain.model.campaign import Campaign, CampaignKind, DispositionPlan
from agentbar.ports import AgentSummary, Catalog
from agentbar.ports.reports import (
    AgentCallSums,
    CallQuery,
    CallRecord,
    IntervalSums,
    StateChange,
)
from agentbar.services.report_measures import Outcome
from agentbar.services.reports import (
    BadCursor,
    BadInterval,
    BadLimit,
    BadRange,
    BadTime,
    BeyondRetention,
    Reports,
    UnknownCampaign,
    decode_cursor,
    encode_cursor,
    iso_time,
    parse_time,
)
from agentbar.services.retention import Retention

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC).timestamp()
NINE = datetime(2026, 12, 5, 9, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0
DAY = 86_400.0
SUPPORT = Campaign(
    "1", "Support", CampaignKind.INBOUND, DispositionPlan(()), short_abandon_seconds=10
)
SALES = Campaign("2", "Sales", CampaignKind.OUTBOUND, DispositionPlan(()))


def stored_call(n: int, queued_at: float, campaign_id: str = "1", **changes: Any) -> CallRecord:
    call = CallRecord(
        call_id=f"c{n:03d}",
        call_type="inbound",
        campaign_id=campaign_id,
        phone="+14085551212",
        agent_id=None,
        queued_at=queued_at,
        offered_at=None,
        answered_at=None,
        ended_at=queued_at + 8.0,
        ended_by="customer",
        disposed_at=None,
        disposition_class=None,
        disposition_code=None,
        record_id=None,
        transferred_from=None,
        hold_seconds=0.0,
    )
    return replace(call, **changes)


@dataclass
class StoredReports:
    """The ReportStore's contract over lists, noting what it was asked."""

    calls: list[CallRecord] = field(default_factory=list)
    sums: list[IntervalSums] = field(default_factory=list)
    changes: list[StateChange] = field(default_factory=list)
    agent_sums: list[AgentCallSums] = field(default_factory=list)
    asked: list[tuple[str, Any]] = field(default_factory=list)
    purgeable: int = 0

    async def call_records(self, query: CallQuery) -> Sequence[CallRecord]:
        self.asked.append(("call_records", query))
        found = sorted(
            (
                c
                for c in self.calls
                if query.start <= c.queued_at < query.end
                and query.campaign_id in (None, c.campaign_id)
                and query.agent_id in (None, c.agent_id)
                and (query.after is None or (c.queued_at, c.call_id) > query.after)
            ),
            key=lambda c: (c.queued_at, c.call_id),
        )
        return found[: query.limit]

    async def interval_sums(self, *args: Any) -> Sequence[IntervalSums]:
        self.asked.append(("interval_sums", args))
        return self.sums

    async def state_changes(self, start: float, end: float) -> Sequence[StateChange]:
        self.asked.append(("state_changes", (start, end)))
        return self.changes

    async def agent_call_sums(self, start: float, end: float) -> Sequence[AgentCallSums]:
        self.asked.append(("agent_call_sums", (start, end)))
        return self.agent_sums

    async def purge_before(self, cutoff: float, batch: int) -> int:
        self.asked.append(("purge_before", (cutoff, batch)))
        deleted = min(batch, self.purgeable)
        self.purgeable -= deleted
        return deleted


class StandInCatalog:
    async def campaigns(self) -> Sequence[Campaign]:
        return [SUPPORT, SALES]

    async def agent_summaries(self) -> list[AgentSummary]:
        return [
            AgentSummary("a1", "Zoë", None, "any", []),
            AgentSummary("a2", "alice", None, "any", []),
        ]


def reports_over(store: StoredReports, retention_days: int | None = None) -> Reports:
    return Reports(store, cast(Catalog, StandInCatalog()), VirtualClock(NOW), retention_days)


# -- input ---------------------------------------------------------------------------------


def test_times_need_a_zone_and_must_be_dates() -> None:
    assert parse_time("2026-12-05T09:00:00Z", "from") == NINE
    assert parse_time("2026-12-05T10:00:00+01:00", "from") == NINE
    with pytest.raises(BadTime, match="'from' has no zone"):
        parse_time("2026-12-05T09:00:00", "from")
    with pytest.raises(BadTime, match="'to' has no zone"):
        parse_time("2026-12-05", "to")
    with pytest.raises(BadTime, match="'to' is not a date and time"):
        parse_time("yesterday", "to")
    with pytest.raises(BadTime, match="out of range"):
        parse_time("0001-01-01T00:00:00+14:00", "from")
    assert iso_time(NINE) == "2026-12-05T09:00:00.000Z"


async def test_each_bad_input_has_its_own_error_and_reads_nothing() -> None:
    store = StoredReports()
    reports = reports_over(store, retention_days=30)
    with pytest.raises(BadRange, match="'from' must be before 'to'"):
        await reports.call_page(NINE, NINE)
    with pytest.raises(BadRange, match="at most 31 days"):
        await reports.intervals("Support", NOW - 32 * DAY, NOW, 60)
    with pytest.raises(BadRange, match="at most 31 days"):
        await reports.agents(NOW - 31.5 * DAY, NOW)
    with pytest.raises(BadInterval, match="interval must be 15, 30 or 60"):
        await reports.intervals("Support", NINE, NOW, 20)
    with pytest.raises(UnknownCampaign, match="no campaign named 'Billing'"):
        await reports.intervals("Billing", NINE, NOW, 60)
    with pytest.raises(UnknownCampaign):
        await reports.call_page(NINE, NOW, campaign="Billing")
    with pytest.raises(BeyondRetention, match="older than 30 days are purged") as refused:
        await reports.call_page(NOW - 31 * DAY, NOW)
    assert iso_time(NOW - 30 * DAY) in refused.value.message
    with pytest.raises(BadCursor):
        await reports.call_page(NINE, NOW, cursor="not a cursor")
    with pytest.raises(BadLimit):
        await reports.call_page(NINE, NOW, limit=1001)
    assert store.asked == []


async def test_a_range_of_31_days_within_the_retention_is_taken() -> None:
    reports = reports_over(StoredReports(), retention_days=31)
    report = await reports.intervals("support", NOW - 31 * DAY, NOW, 60)
    assert len(report.rows) == 31 * 24


@pytest.mark.parametrize(
    "cursor", ["", "@@@@", encode_cursor(float("nan"), "c1"), "MTIzLjQ", "MTIzLjQg"]
)
def test_a_cursor_not_given_out_is_refused(cursor: str) -> None:
    with pytest.raises(BadCursor, match="pass `next` as it came"):
        decode_cursor(cursor)


def test_a_cursor_round_trips_exactly() -> None:
    at = NINE + 0.1 + 1e-9
    assert decode_cursor(encode_cursor(at, "call 7")) == (at, "call 7")


# -- call records --------------------------------------------------------------------------


async def test_pages_follow_each_other_through_the_cursor_to_the_last() -> None:
    # Two calls at the same instant: the call id orders them.
    store = StoredReports(
        [stored_call(n, NINE + (n // 2) * 60.0) for n in range(7)]
        + [stored_call(99, NINE - 1.0), stored_call(98, NINE + 60, campaign_id="2")]
    )
    reports = reports_over(store)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        page, cursor = await reports.call_page(NINE, NOW, "SUPPORT", cursor=cursor, limit=3)
        seen += [c.record.call_id for c in page]
        if cursor is None:
            break
    assert seen == [f"c{n:03d}" for n in range(7)]
    assert cursor is None
    assert [q.limit for name, q in store.asked] == [4, 4, 4]  # one more than asked: no 4th


async def test_a_page_carries_each_calls_measures_by_its_campaigns_thresholds() -> None:
    answered = stored_call(
        1, NINE, agent_id="a1", answered_at=NINE + 12, ended_at=NINE + 100, disposed_at=NINE + 110
    )
    store = StoredReports([answered, stored_call(2, NINE + 1), stored_call(3, NINE + 2, "2")])
    page, following = await reports_over(store).call_page(NINE, NOW)
    assert following is None
    first, abandoned, dialled = page
    assert (first.campaign, first.agents, first.outcome) == ("Support", ("a1",), Outcome.ANSWERED)
    assert (first.wait_seconds, first.talk_seconds, first.wrap_seconds) == (12.0, 88.0, 10.0)
    # Support's short abandon is 10 s: the 8 s caller is a short abandon.
    assert abandoned.outcome is Outcome.SHORT_ABANDON
    # Sales's campaign is outbound, but the call's type says how it came.
    assert (dialled.campaign, dialled.outcome) == ("Sales", Outcome.ABANDONED)


async def test_the_stream_reads_every_page_of_the_range() -> None:
    store = StoredReports([stored_call(n, NINE + n) for n in range(1200)])
    calls = await reports_over(store).call_stream(NINE, NOW, agent_id=None)
    ids = [c.record.call_id async for c in calls]
    assert ids == [f"c{n:03d}" for n in range(1200)]
    queries = [q for name, q in store.asked]
    assert [q.limit for q in queries] == [500, 500, 500]
    assert queries[1].after == (NINE + 499, "c499")


async def test_the_stream_checks_its_input_before_reading() -> None:
    store = StoredReports()
    with pytest.raises(UnknownCampaign):
        await reports_over(store).call_stream(NINE, NOW, campaign="Nobody")
    assert store.asked == []


# -- intervals -----------------------------------------------------------------------------


async def test_every_interval_is_a_row_those_without_calls_empty() -> None:
    sums = IntervalSums(NINE + 30 * 60, 4, 3, 2, 1, 0, 30.0, 45.0, 2, 400.0, 25.0)
    store = StoredReports(sums=[sums])
    report = await reports_over(store).intervals(" support ", NINE, NINE + 2 * HOUR, 30)
    assert report.campaign is SUPPORT
    assert [r.start for r in report.rows] == [NINE + k * 1800 for k in range(4)]
    assert [r.offered for r in report.rows] == [0, 4, 0, 0]
    assert (report.rows[1].service_level, report.rows[1].asa_seconds) == (50.0, 10.0)
    assert report.rows[0].service_level is None
    # The campaign's own thresholds are what the sums are counted by.
    assert store.asked == [("interval_sums", ("1", NINE, NINE + 2 * HOUR, 1800, 20, 10))]


async def test_a_range_not_a_whole_number_of_intervals_ends_with_a_part_of_one() -> None:
    report = await reports_over(StoredReports()).intervals("Sales", NINE, NINE + 70 * 60, 15)
    assert len(report.rows) == 5


# -- agents --------------------------------------------------------------------------------


async def test_agent_rows_by_name_with_their_time_and_calls_up_to_now() -> None:
    store = StoredReports(
        changes=[
            StateChange("a1", NINE - HOUR, "ready", None),
            StateChange("a1", NINE + HOUR, "on_call", None),
            StateChange("a1", NINE + HOUR + 300, "wrap_up", None),
            StateChange("a1", NINE + HOUR + 360, "break", "Lunch"),
            StateChange("a3", NINE - HOUR, "logged_out", "logout"),
        ],
        agent_sums=[AgentCallSums("a2", 2, 100.0, 20.0, 30.0, (("Sale", 2),))],
    )
    # The range goes to midnight, but it is noon: the last state counts up to now.
    rows = await reports_over(store).agents(NINE, NINE + 15 * HOUR)
    assert [(r.agent_id, r.name) for r in rows] == [("a3", "a3"), ("a2", "alice"), ("a1", "Zoë")]
    unknown, alice, zoe = rows
    assert unknown.times.logged_in == 0.0
    assert (alice.calls_handled, alice.aht_seconds, alice.dispositions) == (2, 75.0, (("Sale", 2),))
    assert (alice.intervals, alice.occupancy) == ([], None)
    assert zoe.times.ready == HOUR
    assert zoe.times.breaks == (("Lunch", 2 * HOUR - 360),)
    assert zoe.times.logged_in == 3 * HOUR
    # (300 + 60) / (3 h - the break)
    assert zoe.occupancy == pytest.approx(100 * 360 / (HOUR + 360))
    assert zoe.intervals[-1].end == NOW


# -- retention -----------------------------------------------------------------------------


async def test_the_purge_deletes_a_batch_at_a_time_until_nothing_is_left() -> None:
    store = StoredReports(purgeable=2500)
    counted: list[int] = []
    retention = Retention(store, VirtualClock(NOW), 90, purged=counted.append, batch=1000)
    assert await retention.purge() == 2500
    assert counted == [1000, 1000, 500]
    cutoff = NOW - 90 * DAY
    assert store.asked == [("purge_before", (cutoff, 1000))] * 4
    assert await retention.purge() == 0


async def test_the_purge_lets_other_work_run_between_batches() -> None:
    store = StoredReports(purgeable=3000)
    ran_between: list[int] = []

    async def other_work() -> None:
        for _ in range(3):
            ran_between.append(store.purgeable)
            await asyncio.sleep(0)

    retention = Retention(store, VirtualClock(NOW), 90, batch=1000)
    await asyncio.gather(retention.purge(), other_work())
    # Each batch is followed by a turn of the other task (all at once, it would see 0 thrice).
    assert ran_between == [2000, 1000, 0]


async def test_the_retention_purges_at_start_and_stops() -> None:
    store = StoredReports(purgeable=10)
    purged = asyncio.Event()
    retention = Retention(store, VirtualClock(NOW), 1, purged=lambda rows: purged.set())
    retention.start()
    await asyncio.wait_for(purged.wait(), 5)
    await retention.stop()
    assert store.purgeable == 0
