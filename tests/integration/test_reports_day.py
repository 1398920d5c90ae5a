"""A half hour of a contact center with known answers: five calls through the simulator, on a
virtual clock, stored in SQLite like any day — chosen waits, a short abandon and an abandon, a
hold, a transfer — then every figure of the interval report, the agent report and the call
records checked against numbers worked out by hand (below, next to each call).

08:00:00  a1 and a2 log in (not ready). C1 queues.
08:00:10  a1 goes ready: C1 answered after 10 s (within the 20 s service level).
08:01:00  a1 holds C1; 08:01:30 resumes (30 s on hold).
08:03:00  C1's customer hangs up (170 s after answering: 140 s talk + 30 s hold).
08:03:20  a1 disposes C1 (20 s wrap-up; handled 190 s) and takes a break, Lunch.
08:05:00  C2 queues; 08:05:03 hangs up: a short abandon (3 s < 5 s).
08:06:00  C3 queues; 08:06:40 hangs up: an abandon (40 s).
08:10:00  C4 queues; 08:10:30 a2 goes ready: answered after 30 s (not within 20 s).
08:12:00  a2 transfers C4 to a phone (90 s talk); 08:12:10 disposes it (10 s wrap; handled 100 s)
          and logs out. C4's customer talks on with that phone until 08:13:20.
08:15:00  C5 queues; 08:15:20 a1 back from Lunch, ready: answered after exactly 20 s (within).
08:17:20  C5's customer hangs up (120 s talk); 08:17:30 a1 disposes it (10 s wrap; handled 130 s).

Interval 08:00-08:15: offered 4, answered 2 (C1, C4), abandoned 1 (C3), short 1 (C2), within 1
(C1): service level 100 x 1 / (4 - 1) = 33.3; ASA (10 + 30) / 2 = 20; AHT (190 + 100) / 2 = 145;
longest wait 40. Interval 08:15-08:30: offered 1, answered 1, within 1: 100; ASA 20; AHT 130;
longest wait 20.

a1 over 08:00-08:30 (1,800 s logged in): not ready 10, handling 170 + 120 = 290, wrap-up 20 + 10
= 30, Lunch 720 (08:03:20-08:15:20), ready 750 (08:17:30-08:30); occupancy 100 x (290 + 30) /
(1,800 - 720) = 29.6; 2 calls, talk 260, hold 30, wrap 30, AHT (190 + 130) / 2 = 160.
a2 (logged in 08:00:00-08:12:10, 730 s): not ready 630, handling 90, wrap-up 10; occupancy
100 x 100 / 730 = 13.7; 1 call, talk 90, hold 0, wrap 10, AHT 100.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentbar.auth.passwords import Passwords
from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, Extension
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.handoffs import TransferKind
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.services.audit import Audit
from agentbar.services.provisioning import Provisioning
from agentbar.services.report_measures import IntervalRow, StateInterval
from agentbar.services.reports import Reports
from agentbar.services.runtime import Runtime

EIGHT = 1_800_000_000.0
"""08:00:00 UTC (2027-01-15), the virtual clock's start."""
CAMPAIGN = "Inbound Support"
SERVICE_LEVEL_FIRST_QUARTER = 100 * 1 / (4 - 1)


@dataclass
class Day:
    storage: SqlDatabase
    calls: dict[str, str]
    """C1..C5 -> call id."""
    clock: VirtualClock

    @property
    def reports(self) -> Reports:
        return Reports(self.storage.reports, self.storage.catalog, self.clock)


class Floor:
    def __init__(self, storage: SqlDatabase) -> None:
        self.clock = VirtualClock(EIGHT)
        counter = itertools.count(1)
        self.center = Center(lambda kind: f"{kind}-{next(counter)}")
        self.simulator = Simulator(self.clock, self.center.new_id)
        self.runtime = Runtime(
            self.center, storage.events, MemoryBus(), self.simulator, self.clock, storage.floor
        )
        passwords = Passwords(memory_kib=8, time_cost=1)
        audit = Audit(storage.audit, self.clock)
        self.provisioning = Provisioning(storage.catalog, storage, passwords, self.runtime, audit)
        self.campaign_id = ""

    async def settle(self) -> None:
        """Everything due now has happened (a phone answering at once) and is stored."""
        await self.runtime.caught_up()
        while (due := self.clock.next_due()) is not None and due <= self.clock.now():
            self.clock.advance(0)
            await self.runtime.caught_up()

    async def at(self, seconds: float) -> None:
        """Time moves on to 08:00 + `seconds`, each thing falling due on the way happening at
        its own time."""
        await self.settle()
        target = EIGHT + seconds
        while (due := self.clock.next_due()) is not None and due <= target:
            self.clock.advance(due - self.clock.now())
            await self.settle()
        self.clock.advance(target - self.clock.now())
        await self.settle()

    async def do(self, command: cmd.Command) -> None:
        await self.runtime.command(command)
        await self.settle()

    async def call(self, phone: str) -> str:
        call_id = self.simulator.place_inbound_call(phone, self.campaign_id)
        await self.settle()
        return call_id

    async def hang_up(self, call_id: str) -> None:
        self.simulator.hang_up_customer(call_id)
        await self.settle()


async def run_the_day(tmp_path: Path) -> Day:
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'day.db'}")
    storage.migrate()
    catalog = storage.catalog
    for agent_id in ("a1", "a2"):
        catalog.upsert_agent(agent_id, agent_id.upper(), None)
    catalog.upsert_extension("SIP 1001", "1001")
    catalog.upsert_extension("SIP 1002", "1002")
    catalog.upsert_campaign(CAMPAIGN, CampaignKind.INBOUND, DEMO_PLAN, ("a1", "a2"))
    catalog.upsert_break_reason("Lunch", False, 0)
    floor = Floor(storage)
    await floor.provisioning.reload()
    await floor.runtime.start()
    campaign = floor.center.campaign_named(CAMPAIGN)
    assert campaign is not None
    cid = floor.campaign_id = campaign.campaign_id
    calls: dict[str, str] = {}
    try:
        for agent_id, phone in (("a1", "1001"), ("a2", "1002")):
            await floor.do(cmd.LogIn(AgentProfile(agent_id, agent_id.upper(), frozenset({cid}))))
            await floor.do(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)))
            await floor.do(cmd.SelectCampaign(agent_id, cid))
        calls["C1"] = await floor.call("+14085550001")
        await floor.at(10)
        await floor.do(cmd.GoReady("a1"))
        await floor.at(60)
        await floor.do(cmd.Hold("a1"))
        await floor.at(90)
        await floor.do(cmd.Resume("a1"))
        await floor.at(180)
        await floor.hang_up(calls["C1"])
        await floor.at(200)
        await floor.do(cmd.Dispose("a1", "Sale"))
        await floor.do(cmd.TakeBreak("a1", "Lunch"))
        await floor.at(300)
        calls["C2"] = await floor.call("+14085550002")
        await floor.at(303)
        await floor.hang_up(calls["C2"])
        await floor.at(360)
        calls["C3"] = await floor.call("+14085550003")
        await floor.at(400)
        await floor.hang_up(calls["C3"])
        await floor.at(600)
        calls["C4"] = await floor.call("+14085550004")
        await floor.at(630)
        await floor.do(cmd.GoReady("a2"))
        await floor.at(720)
        await floor.do(cmd.Transfer("a2", TransferKind.PHONE, "+14155550100"))
        await floor.at(730)
        await floor.do(cmd.Dispose("a2", "Escalated"))
        await floor.do(cmd.LogOut("a2", "logout"))
        await floor.at(800)
        await floor.hang_up(calls["C4"])
        await floor.at(900)
        calls["C5"] = await floor.call("+14085550005")
        await floor.at(920)
        await floor.do(cmd.GoReady("a1"))
        await floor.at(1040)
        await floor.hang_up(calls["C5"])
        await floor.at(1050)
        await floor.do(cmd.Dispose("a1", "Info Given"))
        await floor.at(1800)
    finally:
        await floor.runtime.stop()
    return Day(storage, calls, floor.clock)


@pytest.fixture
async def day(tmp_path: Path) -> AsyncIterator[Day]:
    made = await run_the_day(tmp_path)
    try:
        yield made
    finally:
        made.storage.close()


async def test_the_interval_report_holds_the_figures_worked_out_by_hand(day: Day) -> None:
    report = await day.reports.intervals("inbound support", EIGHT, EIGHT + 1800, 15)
    assert report.rows == [
        IntervalRow(
            start=EIGHT,
            offered=4,
            answered=2,
            abandoned=1,
            short_abandoned=1,
            answered_within=1,
            service_level=SERVICE_LEVEL_FIRST_QUARTER,
            asa_seconds=20.0,
            aht_seconds=145.0,
            max_wait_seconds=40.0,
            average_waiting=(10 + 3 + 40 + 30) / 900,
        ),
        IntervalRow(
            start=EIGHT + 900,
            offered=1,
            answered=1,
            answered_within=1,
            service_level=100.0,
            asa_seconds=20.0,
            aht_seconds=130.0,
            max_wait_seconds=20.0,
            average_waiting=20 / 900,
        ),
    ]
    # Half-hour rows hold the same calls: one row with every figure summed.
    [half_hour] = (await day.reports.intervals("Inbound Support", EIGHT, EIGHT + 1800, 30)).rows
    assert (half_hour.offered, half_hour.answered_within, half_hour.max_wait_seconds) == (5, 2, 40)
    assert half_hour.service_level == pytest.approx(100 * 2 / 4)
    assert half_hour.asa_seconds == pytest.approx(20.0)
    assert half_hour.aht_seconds == pytest.approx((190 + 100 + 130) / 3)


async def test_the_agent_report_holds_the_figures_worked_out_by_hand(day: Day) -> None:
    rows = {row.agent_id: row for row in await day.reports.agents(EIGHT, EIGHT + 1800)}
    a1, a2 = rows["a1"], rows["a2"]
    t = a1.times
    assert (t.logged_in, t.not_ready, t.handling, t.wrap_up) == (1800, 10, 290, 30)
    assert (t.on_break, t.breaks, t.ready) == (720, (("Lunch", 720.0),), 750)
    assert a1.occupancy == pytest.approx(100 * 320 / 1080)
    assert (a1.calls_handled, a1.talk_seconds, a1.hold_seconds, a1.wrap_seconds) == (2, 260, 30, 30)
    assert a1.aht_seconds == pytest.approx(160.0)
    assert sorted(a1.dispositions) == [("Info Given", 1), ("Sale", 1)]
    assert [(i.state, i.reason, i.start - EIGHT, i.end - EIGHT) for i in a1.intervals] == [
        ("not_ready", None, 0, 10),
        ("on_call", None, 10, 180),
        ("wrap_up", None, 180, 200),
        ("break", "Lunch", 200, 920),
        ("on_call", None, 920, 1040),
        ("wrap_up", None, 1040, 1050),
        ("ready", None, 1050, 1800),
    ]
    t = a2.times
    assert (t.logged_in, t.not_ready, t.handling, t.wrap_up, t.ready) == (730, 630, 90, 10, 0)
    assert a2.occupancy == pytest.approx(100 * 100 / 730)
    assert (a2.calls_handled, a2.talk_seconds, a2.hold_seconds, a2.wrap_seconds) == (1, 90, 0, 10)
    assert a2.aht_seconds == pytest.approx(100.0)
    assert a2.dispositions == (("Escalated", 1),)
    assert all(isinstance(i, StateInterval) for i in a2.intervals)


async def test_the_call_records_hold_each_call_as_it_went(day: Day) -> None:
    page, following = await day.reports.call_page(EIGHT, EIGHT + 1800)
    assert following is None
    by_id = {report.record.call_id: report for report in page}
    expected = {
        # call: outcome, wait, talk, hold, wrap, ended by, disposition, agents
        "C1": ("answered", 10, 140, 30, 20, "customer", "Sale", ("a1",)),
        "C2": ("short_abandon", 3, None, 0, None, "customer", None, ()),
        "C3": ("abandoned", 40, None, 0, None, "customer", None, ()),
        "C4": ("transferred", 30, 90, 0, 10, "transfer", "Escalated", ("a2",)),
        "C5": ("answered", 20, 120, 0, 10, "customer", "Info Given", ("a1",)),
    }
    assert [r.record.call_id for r in page] == [day.calls[c] for c in expected]
    for name, (outcome, wait, talk, hold, wrap, ended_by, code, agents) in expected.items():
        report = by_id[day.calls[name]]
        got = (
            report.outcome,
            report.wait_seconds,
            report.talk_seconds,
            report.hold_seconds,
            report.wrap_seconds,
            report.record.ended_by,
            report.record.disposition_code,
            report.agents,
        )
        assert got == (outcome, wait, talk, hold, wrap, ended_by, code, agents), name
    [transfer] = by_id[day.calls["C4"]].record.transfers
    assert (transfer.kind, transfer.target, transfer.state) == (
        "phone",
        "+14155550100",
        "completed",
    )
    # Paged two at a time, the same calls in the same order, none twice.
    seen, cursor = [], None
    while True:
        chunk, cursor = await day.reports.call_page(EIGHT, EIGHT + 1800, cursor=cursor, limit=2)
        seen += [r.record.call_id for r in chunk]
        if cursor is None:
            break
    assert seen == [r.record.call_id for r in page]
    # An agent's calls: a2 had one.
    mine, _ = await day.reports.call_page(EIGHT, EIGHT + 1800, agent_id="a2")
    assert [r.record.call_id for r in mine] == [day.calls["C4"]]
