"""The reports benchmark: a month of calls (1,000,000 by default) written straight into a
migrated SQLite database, then the reports read through agentbar's own report service, each
timed as the median of several runs: a day's interval report for one campaign, the same over
the whole month, a page of call records, a day's agent report, and a retention purge batch.

The calls are made up reproducibly (a seeded generator): three inbound campaigns, 60 agents,
exponential waits, 7% abandons (a third of them short), holds on a fifth of the calls, and each
agent's state changes around every call it handles, as the floor would have stored them.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.model.campaign import CampaignKind
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.services.reports import Reports

DAY = 86_400.0
START = 1_780_000_000.0 - 1_780_000_000.0 % DAY
"""Midnight (UTC) of the first generated day."""
CAMPAIGNS = ("Inbound Support", "Inbound Sales", "Inbound Billing")


@dataclass(frozen=True)
class ReportsPlan:
    calls: int
    days: int
    agents: int = 60
    runs: int = 5
    """Timed runs of each report (the median is quoted)."""
    seed: int = 7


FULL_REPORTS = ReportsPlan(calls=1_000_000, days=30)
QUICK_REPORTS = ReportsPlan(calls=20_000, days=2, runs=3)


Rows = list[tuple[Any, ...]]


def _calls(
    plan: ReportsPlan, campaign_ids: list[int]
) -> Iterator[tuple[dict[str, Any], Rows, Rows]]:
    """(call row, its legs, its agent's state-change events) for each generated call, in time
    order."""
    rng = random.Random(plan.seed)
    span = plan.days * DAY
    gap = span / plan.calls
    free_at = [0.0] * plan.agents
    seq = 0
    for n in range(plan.calls):
        queued = START + n * gap + rng.random() * gap
        campaign = campaign_ids[n % len(campaign_ids)]
        call_id = f"call-{n}"
        wait = rng.expovariate(1 / 15.0)
        row: dict[str, Any] = {
            "call_id": call_id,
            "call_type": "inbound",
            "campaign_id": campaign,
            "phone": f"+1415555{n % 10000:04d}",
            "customer_crt": f"cust-{n}",
            "queued_at": queued,
            "tpv": False,
            "hold_seconds": 0.0,
        }
        events: Rows = []
        legs: Rows = [(call_id, f"cust-{n}", 0, "customer", row["phone"], "call", "ended", queued)]
        if rng.random() < 0.07:
            wait = rng.uniform(0.5, 4.0) if rng.random() < 0.33 else wait
            row |= {"state": "ended", "ended_at": queued + wait, "ended_by": "customer"}
        else:
            agent = min(range(plan.agents), key=free_at.__getitem__)
            answered = queued + wait
            talk = rng.expovariate(1 / 180.0)
            hold = rng.uniform(5, 60) if rng.random() < 0.2 else 0.0
            ended = answered + talk + hold
            disposed = ended + rng.uniform(3, 30)
            free_at[agent] = disposed
            agent_id = f"agent{agent + 1}"
            row |= {
                "state": "disposed",
                "agent_id": agent_id,
                "user_crt": f"crt-{n}",
                "offered_at": answered - 1.0,
                "answered_at": answered,
                "ended_at": ended,
                "ended_by": "customer",
                "disposed_at": disposed,
                "disposition_class": "Resolved",
                "disposition_code": rng.choice(("Sale", "Info Given", "Escalated")),
                "hold_seconds": hold,
            }
            legs.append((call_id, f"crt-{n}", 1, "agent", agent_id, "call", "ended", answered))
            for at, state in ((answered, "on_call"), (ended, "wrap_up"), (disposed, "ready")):
                seq += 1
                data = json.dumps({"agentId": agent_id, "state": state, "reason": None})
                events.append((seq, "agent.state_changed", at, agent_id, None, data))
        yield row, legs, events


def generate(path: Path, plan: ReportsPlan) -> dict[str, Any]:
    """The month of calls in a fresh database at `path`; how long writing them took."""
    started = time.monotonic()
    storage = SqlDatabase(f"sqlite:///{path}")
    storage.migrate()
    agents = [f"agent{n}" for n in range(1, plan.agents + 1)]
    for agent_id in agents:
        storage.catalog.upsert_agent(agent_id, agent_id.title(), None)  # nobody logs in
    for name in CAMPAIGNS:
        storage.catalog.upsert_campaign(name, CampaignKind.INBOUND, DEMO_PLAN, agents)
    names = {c.name: c.campaign_id for c in asyncio.run(storage.catalog.campaigns())}
    campaign_ids = [int(names[name]) for name in CAMPAIGNS]
    storage.close()
    columns = [
        "call_id",
        "call_type",
        "campaign_id",
        "phone",
        "state",
        "agent_id",
        "user_crt",
        "customer_crt",
        "queued_at",
        "offered_at",
        "answered_at",
        "ended_at",
        "ended_by",
        "disposed_at",
        "disposition_class",
        "disposition_code",
        "tpv",
        "hold_seconds",
    ]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA synchronous=OFF")
        batch: list[tuple[Any, ...]] = []
        legs: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for call, its_legs, its_events in _calls(plan, campaign_ids):
            batch.append(tuple(call.get(c) for c in columns))
            legs += its_legs
            events += its_events
            if len(batch) >= 20_000:
                _flush(db, columns, batch, legs, events)
        _flush(db, columns, batch, legs, events)
    return {"calls": plan.calls, "days": plan.days, "write_s": time.monotonic() - started}


def _flush(
    db: sqlite3.Connection,
    columns: list[str],
    calls: list[tuple[Any, ...]],
    legs: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
) -> None:
    marks = ", ".join("?" for _ in columns)
    db.executemany(f"INSERT INTO calls ({', '.join(columns)}) VALUES ({marks})", calls)
    db.executemany(
        "INSERT INTO call_legs (call_id, leg_id, position, kind, party, purpose, state, "
        "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        legs,
    )
    db.executemany(
        "INSERT INTO events (seq, kind, at, agent_id, call_id, data) VALUES (?, ?, ?, ?, ?, ?)",
        events,
    )
    db.commit()
    calls.clear()
    legs.clear()
    events.clear()


async def _median(runs: int, read: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await read()
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "max_s": max(times)}


async def _time_reports(path: Path, plan: ReportsPlan) -> dict[str, Any]:
    storage = SqlDatabase(f"sqlite:///{path}")
    try:
        reports = Reports(storage.reports, storage.catalog, VirtualClock(START + plan.days * DAY))
        day = START + (plan.days // 2) * DAY
        month_end = START + plan.days * DAY
        name = CAMPAIGNS[0]
        timed = {
            "interval_day": await _median(
                plan.runs, lambda: reports.intervals(name, day, day + DAY, 15)
            ),
            "interval_month": await _median(
                plan.runs, lambda: reports.intervals(name, START, month_end, 60)
            ),
            "calls_page": await _median(
                plan.runs, lambda: reports.call_page(day, day + DAY, None, None, None, 100)
            ),
            "agents_day": await _median(plan.runs, lambda: reports.agents(day, day + DAY)),
        }
        purge_started = time.perf_counter()
        deleted = await storage.reports.purge_before(START + DAY, 1_000)
        timed["purge_batch"] = {"median_s": time.perf_counter() - purge_started, "rows": deleted}
        return timed
    finally:
        storage.close()


def run_reports(plan: ReportsPlan) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agentbar-reports-") as scratch:
        path = Path(scratch) / "reports.db"
        print(f"bench: writing {plan.calls:,} calls", file=sys.stderr, flush=True)
        written = generate(path, plan)
        print("bench: timing the reports", file=sys.stderr, flush=True)
        timed = asyncio.run(_time_reports(path, plan))
    return {**written, "runs": plan.runs, "timed": timed}
