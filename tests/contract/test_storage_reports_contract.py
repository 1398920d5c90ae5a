"""The report store's contract, every driver: call records page by page, a campaign's calls
summed per interval, agents' state changes and answered calls, and the purge of old rows —
each checked against figures worked out by hand from calls stored as the floor stores them
(through the event log)."""

from __future__ import annotations

import dataclasses

from agentbar.domain.model.call import Call, CallType
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.events import AgentLoggedIn, AgentStateChanged
from agentbar.domain.model.handoffs import Transfer, TransferKind, TransferState
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose
from agentbar.ports import Envelope, Storage
from agentbar.ports.reports import (
    AgentCallSums,
    CallQuery,
    CallRecord,
    IntervalSums,
    LegRecord,
    StateChange,
    TransferRecord,
)
from tests.contract.storage_drivers import a_campaign

T0 = 1_800_000_000.0
"""Where the reports' ranges start; every time below is a whole or half second from it, so
each figure is exact."""

HOUR = 3600.0


def a_call(
    campaign_id: str,
    call_id: str,
    queued: float,
    *,
    call_type: CallType = CallType.INBOUND,
    agent: str | None = None,
    answered: float | None = None,
    ended: float | None = None,
    disposed: float | None = None,
    code: str | None = None,
    hold: float = 0.0,
    transferred_from: str | None = None,
) -> Call:
    """A call queued `queued` seconds after T0; answered, ended and disposed that many seconds
    after it was queued."""
    queued_at = T0 + queued

    def after(seconds: float | None) -> float | None:
        return None if seconds is None else queued_at + seconds

    return Call(
        call_id,
        call_type,
        campaign_id,
        "+14085551212",
        f"crt-{call_id}",
        queued_at,
        agent_id=agent,
        answered_at=after(answered),
        ended_at=after(ended),
        disposed_at=after(disposed),
        disposition_code=code,
        hold_seconds=hold,
        transferred_from=transferred_from,
    )


def with_parts(call: Call) -> Call:
    """The call with a customer's and an agent's leg, and a blind transfer."""
    call.legs = [
        Leg(f"{call.call_id}-c", LegKind.CUSTOMER, call.phone, LegPurpose.CALL, call.queued_at),
        Leg(f"{call.call_id}-u", LegKind.AGENT, "a1", LegPurpose.CALL, call.queued_at),
    ]
    call.transfers = [
        Transfer(f"{call.call_id}-x", TransferKind.PHONE, "+15550000", "a1", call.queued_at)
    ]
    return call


def ids(records: list[CallRecord]) -> list[str]:
    return [record.call_id for record in records]


async def everything(storage: Storage) -> list[CallRecord]:
    return list(await storage.reports.call_records(CallQuery(T0 - HOUR, T0 + HOUR, limit=1000)))


# -- call records ------------------------------------------------------------------------------


async def test_a_call_record_holds_the_call_its_legs_and_its_transfers(storage: Storage) -> None:
    campaign_id = a_campaign(storage)
    call = a_call(campaign_id, "c1", 10, agent="a1", answered=5, ended=65, disposed=70, hold=12.5)
    call.offered_at, call.ended_by, call.screen_pop_id = T0 + 12, "customer", "pop-1"
    call.disposition_class, call.disposition_code = "Resolved", "Sale"
    customer = Leg("crt-c1", LegKind.CUSTOMER, "+14085551212", LegPurpose.CALL, T0 + 10)
    agent = Leg("crt-u1", LegKind.AGENT, "a1", LegPurpose.CALL, T0 + 12)
    conferenced = Leg("leg-3", LegKind.USER, "a2", LegPurpose.CONFERENCE, T0 + 30)
    customer.answer(T0 + 10)
    agent.answer(T0 + 15)
    conferenced.answer(T0 + 32)
    conferenced.end(T0 + 50, "hangup")
    call.legs = [customer, agent, conferenced]
    consult = Transfer("x1", TransferKind.INCALL, "+15550001", "a1", T0 + 40, leg_id="leg-4")
    consult.state, consult.finished_at = TransferState.CANCELLED, T0 + 45
    call.transfers = [consult]
    await storage.events.record([], [call])
    assert await storage.events.set_record_for_screen_pop("pop-1", "a1", "rec-1")

    assert await everything(storage) == [
        CallRecord(
            call_id="c1",
            call_type="inbound",
            campaign_id=campaign_id,
            phone="+14085551212",
            agent_id="a1",
            queued_at=T0 + 10,
            offered_at=T0 + 12,
            answered_at=T0 + 15,
            ended_at=T0 + 75,
            ended_by="customer",
            disposed_at=T0 + 80,
            disposition_class="Resolved",
            disposition_code="Sale",
            record_id="rec-1",
            transferred_from=None,
            hold_seconds=12.5,
            legs=(
                LegRecord(
                    "crt-c1", "customer", "+14085551212", "call", T0 + 10, T0 + 10, None, None
                ),
                LegRecord("crt-u1", "agent", "a1", "call", T0 + 12, T0 + 15, None, None),
                LegRecord("leg-3", "user", "a2", "conference", T0 + 30, T0 + 32, T0 + 50, "hangup"),
            ),
            transfers=(
                TransferRecord(
                    "x1", "incall", "+15550001", "a1", "cancelled", None, T0 + 40, T0 + 45
                ),
            ),
        )
    ]


async def test_paging_by_cursor_reads_every_call_in_the_range_once(storage: Storage) -> None:
    campaign_id = a_campaign(storage)
    queued = {"c-5": 1, "c-3": 2, "c-1": 2, "c-2": 2, "c-4": 3, "c-0": 0, "c-end": 100, "c-ago": -1}
    await storage.events.record([], [a_call(campaign_id, i, s) for i, s in queued.items()])

    seen: list[str] = []
    after: tuple[float, str] | None = None
    while page := await storage.reports.call_records(CallQuery(T0, T0 + 100, after=after, limit=2)):
        assert len(page) <= 2
        seen += [record.call_id for record in page]
        after = (page[-1].queued_at, page[-1].call_id)
    # [start, end): the call queued at the end is the next range's; ties go by call id.
    assert seen == ["c-0", "c-5", "c-1", "c-2", "c-3", "c-4"]


async def test_call_records_are_filtered_by_campaign_and_by_an_agent_on_them(
    storage: Storage,
) -> None:
    sales, support = a_campaign(storage, "Sales"), a_campaign(storage, "Support")
    conferenced = a_call(sales, "s2", 2, agent="a2")
    conferenced.legs = [Leg("s2-a1", LegKind.USER, "a1", LegPurpose.CONFERENCE, T0 + 3)]
    someone_else_conferenced = a_call(sales, "s3", 3, agent="a2")
    someone_else_conferenced.legs = [Leg("s3-a3", LegKind.USER, "a3", LegPurpose.CONFERENCE, T0)]
    calls = [
        a_call(sales, "s1", 1, agent="a1"),
        conferenced,
        someone_else_conferenced,
        a_call(support, "s4", 4, agent="a1"),
        a_call(sales, "s5", 5),
    ]
    await storage.events.record([], calls)

    async def found(campaign_id: str | None = None, agent_id: str | None = None) -> list[str]:
        query = CallQuery(T0, T0 + HOUR, campaign_id=campaign_id, agent_id=agent_id)
        return ids(list(await storage.reports.call_records(query)))

    assert await found(agent_id="a1") == ["s1", "s2", "s4"]
    assert await found(sales, "a1") == ["s1", "s2"]
    assert await found(sales) == ["s1", "s2", "s3", "s5"]
    assert await found(support) == ["s4"]
    assert await found(agent_id="a9") == []
    assert await found("999") == []
    assert await found("not-a-campaign") == []


# -- a campaign's intervals --------------------------------------------------------------------


async def test_interval_sums_count_each_calls_outcome_in_its_interval(storage: Storage) -> None:
    campaign_id, other = a_campaign(storage, "Sales"), a_campaign(storage, "Support")
    calls = [
        # 09:00-09:15: answered at the service level exactly, answered a second late (still in
        # wrap-up), a short abandon, an abandon at the short-abandon threshold, one waiting.
        a_call(campaign_id, "i1", 0, agent="a1", answered=20, ended=80, disposed=100),
        a_call(campaign_id, "i2", 100, agent="a1", answered=21, ended=121),
        a_call(campaign_id, "i3", 200, ended=4.5),
        a_call(campaign_id, "i4", 300, ended=5),
        a_call(campaign_id, "i5", 899.5),
        # 09:15-09:30: nothing. 09:30-09:45: an outbound dial nobody answered (not an
        # abandon), a transferred-in call hung up waiting (an abandon), an answered call.
        a_call(campaign_id, "i6", 1800, call_type=CallType.MANUAL, agent="a1", ended=30),
        a_call(campaign_id, "i7", 1850, call_type=CallType.MANUAL, ended=40, transferred_from="i1"),
        a_call(campaign_id, "i8", 2000, agent="a2", answered=10, ended=70, disposed=75),
        # Not in the range, or not the campaign's.
        a_call(campaign_id, "i9", 2700, answered=1),
        a_call(campaign_id, "i10", -1, answered=1),
        a_call(other, "i11", 50, answered=1),
    ]
    await storage.events.record([], calls)

    sums = await storage.reports.interval_sums(campaign_id, T0, T0 + 2700, 900, 20, 5)

    first = IntervalSums(
        start=T0,
        offered=5,
        answered=2,
        answered_within=1,
        abandoned=1,
        short_abandoned=1,
        answered_wait_seconds=20 + 21,
        wait_seconds=20 + 21 + 4.5 + 5,  # i5 still waits: not counted yet
        handled=1,
        handle_seconds=100 - 20,
        max_wait_seconds=21,
    )
    third = IntervalSums(
        start=T0 + 1800,
        offered=3,
        answered=1,
        answered_within=1,
        abandoned=1,
        short_abandoned=0,
        answered_wait_seconds=10,
        wait_seconds=30 + 40 + 10,
        handled=1,
        handle_seconds=75 - 10,
        max_wait_seconds=40,
    )
    assert list(sums) == [first, third]
    # Other thresholds, the same calls: 21 s is within 21, and 4.5 s is no short abandon at 4.
    looser = await storage.reports.interval_sums(campaign_id, T0, T0 + 2700, 900, 21, 4)
    assert list(looser) == [
        dataclasses.replace(first, answered_within=2, abandoned=2, short_abandoned=0),
        third,
    ]
    # Hourly: all of them in one interval.
    [hour] = await storage.reports.interval_sums(campaign_id, T0, T0 + HOUR, 3600, 20, 5)
    assert (hour.start, hour.offered, hour.answered, hour.max_wait_seconds) == (T0, 9, 4, 40)
    assert (
        await storage.reports.interval_sums(campaign_id, T0 + HOUR, T0 + 2 * HOUR, 900, 20, 5) == []
    )


# -- agents ------------------------------------------------------------------------------------


def state_changed(
    seq: int, at: float, agent_id: str, state: str, reason: str | None = None
) -> Envelope:
    payload = AgentStateChanged(agent_id, state, reason).payload()
    return Envelope(seq, AgentStateChanged.kind, T0 + at, agent_id, None, payload)


async def test_state_changes_start_with_each_agents_state_when_the_range_began(
    storage: Storage,
) -> None:
    logged_in = AgentLoggedIn("a1").payload()
    # Provisioned agents are looked up for their state when the range began; a4, not
    # provisioned (any more), is still reported for its changes in the range.
    for agent_id in ("a1", "a2", "a3"):
        storage.catalog.upsert_agent(agent_id, agent_id.upper(), None)
    events = [
        state_changed(1, -600, "a3", "not_ready"),
        state_changed(2, -500, "a3", "logged_out", "logout"),
        state_changed(3, -100, "a1", "not_ready"),
        state_changed(4, -50, "a1", "ready"),
        state_changed(5, -50, "a1", "reserved"),  # the same instant: the later one counts
        state_changed(6, -10, "a2", "break", "Lunch"),
        Envelope(7, AgentLoggedIn.kind, T0 + 5, "a1", None, logged_in),
        state_changed(8, 10, "a1", "on_call"),
        state_changed(9, 20, "a2", "ready"),
        state_changed(10, 30, "a4", "not_ready"),
        state_changed(11, HOUR, "a1", "wrap_up"),
    ]
    await storage.events.record(events, [])

    assert list(await storage.reports.state_changes(T0, T0 + HOUR)) == [
        StateChange("a3", T0 - 500, "logged_out", "logout"),
        StateChange("a1", T0 - 50, "reserved", None),
        StateChange("a2", T0 - 10, "break", "Lunch"),
        StateChange("a1", T0 + 10, "on_call", None),
        StateChange("a2", T0 + 20, "ready", None),
        StateChange("a4", T0 + 30, "not_ready", None),
    ]
    assert list(await storage.reports.state_changes(T0 - 1000, T0 - 550)) == [
        StateChange("a3", T0 - 600, "not_ready", None)
    ]


async def test_agent_call_sums_add_up_the_calls_each_agent_answered(storage: Storage) -> None:
    campaign_id = a_campaign(storage)
    calls = [
        a_call(
            campaign_id,
            "g1",
            0,
            agent="a1",
            answered=5,
            ended=65,
            hold=10,
            disposed=75,
            code="Sale",
        ),
        a_call(campaign_id, "g2", 60, agent="a1", answered=10, ended=40, disposed=50, code="Sale"),
        a_call(campaign_id, "g3", 120, agent="a1", answered=3, hold=4),  # still talking
        a_call(
            campaign_id,
            "g4",
            180,
            call_type=CallType.MANUAL,
            agent="a1",
            ended=20,
            disposed=25,
            code="No Answer",
        ),
        a_call(
            campaign_id,
            "g5",
            0,
            agent="a2",
            answered=2,
            ended=32,
            hold=2.5,
            disposed=40,
            code="Callback",
        ),
        a_call(campaign_id, "g6", 60, agent="a2", answered=2, ended=12, disposed=13, code="Sale"),
        a_call(campaign_id, "g7", 120, agent="a2", answered=1, ended=11),  # in wrap-up
        a_call(campaign_id, "g8", -10, agent="a1", answered=1, ended=2, disposed=3, code="Sale"),
        a_call(campaign_id, "g9", 240),  # waiting, nobody's
    ]
    await storage.events.record([], calls)

    assert list(await storage.reports.agent_call_sums(T0, T0 + HOUR)) == [
        AgentCallSums(
            agent_id="a1",
            handled=3,
            talk_seconds=(65 - 5 - 10) + (40 - 10),
            hold_seconds=10 + 4,
            wrap_seconds=(75 - 65) + (50 - 40),
            dispositions=(("Sale", 2),),
        ),
        AgentCallSums(
            agent_id="a2",
            handled=3,
            talk_seconds=(32 - 2 - 2.5) + (12 - 2) + (11 - 1),
            hold_seconds=2.5,
            wrap_seconds=(40 - 32) + (13 - 12),
            dispositions=(("Callback", 1), ("Sale", 1)),
        ),
    ]
    assert await storage.reports.agent_call_sums(T0 + HOUR, T0 + 2 * HOUR) == []


# -- retention ---------------------------------------------------------------------------------


async def test_the_purge_deletes_the_oldest_rows_a_batch_at_a_time(storage: Storage) -> None:
    campaign_id = a_campaign(storage)
    old = [with_parts(a_call(campaign_id, f"p{n}", n)) for n in range(1, 6)]
    new = [with_parts(a_call(campaign_id, "n1", 100)), with_parts(a_call(campaign_id, "n2", 200))]
    events = [state_changed(n, n, "a1", "ready") for n in range(1, 6)]
    events += [state_changed(6, 100, "a1", "ready"), state_changed(7, 101, "a1", "ready")]
    await storage.events.record(events, [*reversed(old), *new])
    cutoff = T0 + 100

    # Two calls (each with two legs and a transfer) and two events a batch.
    assert await storage.reports.purge_before(cutoff, 2) == 2 * (1 + 2 + 1) + 2
    assert ids(await everything(storage)) == ["p3", "p4", "p5", "n1", "n2"]
    assert [e.seq for e in await storage.events.events_since(0, 100)] == [3, 4, 5, 6, 7]
    assert await storage.reports.purge_before(cutoff, 2) == 2 * (1 + 2 + 1) + 2
    assert await storage.reports.purge_before(cutoff, 2) == 1 * (1 + 2 + 1) + 1
    assert await storage.reports.purge_before(cutoff, 2) == 0

    # What is not older than the cutoff stays whole, the call queued at it included.
    left = await everything(storage)
    assert ids(left) == ["n1", "n2"]
    assert [(len(r.legs), len(r.transfers)) for r in left] == [(2, 1), (2, 1)]
    assert [e.seq for e in await storage.events.events_since(0, 100)] == [6, 7]
    # The purged calls' legs and transfers went with them: a call stored again under the
    # same id has none of them.
    await storage.events.record([], [a_call(campaign_id, "p1", 300)])
    [again] = await storage.reports.call_records(CallQuery(T0 + 300, T0 + 301))
    assert (again.call_id, again.legs, again.transfers) == ("p1", (), ())


async def test_the_purge_keeps_a_call_on_the_live_floor_and_the_newest_event(
    storage: Storage,
) -> None:
    campaign_id = a_campaign(storage)
    stuck, done = a_call(campaign_id, "stuck", 1), a_call(campaign_id, "done", 2)
    events = [state_changed(n, n, "a1", "ready") for n in range(1, 4)]
    await storage.events.record(events, [stuck, done], floor=FloorChanges(calls=[stuck]))
    # Everything is older than the cutoff; the call still in wrap-up on the floor stays, and
    # so does event 3, after which the log numbers the next one.
    assert await storage.reports.purge_before(T0 + 1_000, 100) == 1 + 2
    assert ids(await everything(storage)) == ["stuck"]
    assert [e.seq for e in await storage.events.events_since(0, 100)] == [3]
    assert await storage.events.last_seq() == 3
