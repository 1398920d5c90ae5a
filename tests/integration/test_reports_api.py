"""The calls and reports API on the real server: calls made through a toolbar come back as
call records with their measures, page by page and as a streamed CSV download; a campaign's
intervals and the agents' report count them; every bad input has its own refusal; and the
retention purges what is older than it keeps."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentbar.domain.model.campaign import CampaignKind, DispositionPlan
from agentbar.ports import Catalog
from tests.conftest import CRM_ORIGIN
from tests.integration.test_admin_api import toolbar_for
from tests.integration.test_operations import metric
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer, agentbar_server

RETENTION_DAYS = 30


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


HOUR_START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
FROM = HOUR_START - timedelta(hours=1)
TO = HOUR_START + timedelta(hours=2)
"""Three hours around the calls the tests make: twelve intervals of 15 minutes."""
RANGE = {"from": iso(FROM), "to": iso(TO)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    with agentbar_server(
        tmp_path_factory.mktemp("reports") / "agentbar",
        [CRM_ORIGIN],
        extra_env={"AGENTBAR_REPORT_RETENTION_DAYS": str(RETENTION_DAYS)},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def calls_made(server: AgentbarServer) -> tuple[str, str]:
    """An answered call, held a moment and disposed 'Sale'; then, the agent on break, a
    caller who hangs up at once (a short abandon)."""
    with toolbar_for(server) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        answered = server.place_call()
        toolbar.wait_event("call.connected", callId=answered)
        toolbar.expect_ok("call.hold")
        time.sleep(0.3)  # on hold for a while: real time is what the call record counts
        toolbar.expect_ok("call.resume")
        server.customer_hangs_up(answered)
        toolbar.expect_ok("disposition.dispose", code="Sale")
        toolbar.wait_event("agent.state_changed", state="ready")
        toolbar.expect_ok("presence.break", reason="Lunch")
        toolbar.wait_event("agent.state_changed", state="break")
        abandoned = server.place_call("+14085550199")
        server.customer_hangs_up(abandoned)
    return answered, abandoned


def get(server: AgentbarServer, path: str, **params: Any) -> Any:
    with server.admin() as admin:
        return admin.get(path, params=params)


# -- call records ----------------------------------------------------------------------------


def test_calls_come_back_with_their_legs_and_measures(
    server: AgentbarServer, calls_made: tuple[str, str]
) -> None:
    answered, abandoned = calls_made
    page = get(server, "/api/v1/calls", **RANGE).json()
    assert page["next"] is None
    first, second = page["calls"]
    assert (first["callId"], second["callId"]) == (answered, abandoned)
    assert first["campaign"] == "Inbound Support"
    assert (first["outcome"], first["agents"], first["agentId"]) == (
        "answered",
        ["agent1"],
        "agent1",
    )
    assert (first["dispositionClass"], first["dispositionCode"]) == ("Resolved", "Sale")
    assert first["holdSeconds"] >= 0.2
    assert first["talkSeconds"] is not None
    assert first["queuedAt"].endswith("Z")
    assert first["legs"]
    assert {leg["kind"] for leg in first["legs"]} >= {"customer", "agent"}
    assert (second["outcome"], second["answeredAt"], second["agents"]) == (
        "short_abandon",
        None,
        [],
    )
    by_agent = get(server, "/api/v1/calls", agent="agent1", **RANGE).json()["calls"]
    assert [c["callId"] for c in by_agent] == [answered]
    by_campaign = get(server, "/api/v1/calls", campaign="outbound sales", **RANGE).json()
    assert by_campaign == {"calls": [], "next": None}


def test_calls_page_through_the_cursor(server: AgentbarServer, calls_made: tuple[str, str]) -> None:
    first = get(server, "/api/v1/calls", limit=1, **RANGE).json()
    assert [c["callId"] for c in first["calls"]] == [calls_made[0]]
    assert first["next"]
    second = get(server, "/api/v1/calls", limit=1, cursor=first["next"], **RANGE).json()
    assert [c["callId"] for c in second["calls"]] == [calls_made[1]]
    assert second["next"] is None


def test_the_calls_download_streams_as_csv(
    server: AgentbarServer, calls_made: tuple[str, str]
) -> None:
    with (
        server.admin() as admin,
        admin.stream(
            "GET", "/api/v1/calls", params=RANGE, headers={"Accept": "text/csv"}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="calls-{FROM:%Y%m%dT%H%M%SZ}-{TO:%Y%m%dT%H%M%SZ}.csv"'
        )
        assert "content-length" not in response.headers  # streamed, not built whole
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["callId"], r["outcome"]) for r in rows] == [
        (calls_made[0], "answered"),
        (calls_made[1], "short_abandon"),
    ]
    assert (rows[0]["agents"], rows[0]["transfers"], rows[0]["phone"]) == (
        "agent1",
        "0",
        "+14085551212",
    )
    assert rows[1]["answeredAt"] == ""
    same = get(server, "/api/v1/calls", format="csv", **RANGE)
    assert same.text == text


# -- reports ---------------------------------------------------------------------------------


def test_every_interval_of_the_campaign_is_a_row(
    server: AgentbarServer, calls_made: tuple[str, str]
) -> None:
    report = get(
        server, "/api/v1/reports/campaigns/inbound support/intervals", interval=15, **RANGE
    ).json()
    assert (report["campaign"], report["interval"]) == ("Inbound Support", 15)
    assert (report["serviceLevelSeconds"], report["shortAbandonSeconds"]) == (20, 5)
    rows = report["rows"]
    assert [r["start"] for r in rows] == [
        (FROM + timedelta(minutes=15 * k)).strftime("%Y-%m-%dT%H:%M:%S.000Z") for k in range(12)
    ]
    busy = [r for r in rows if r["offered"]]
    assert sum(r["offered"] for r in rows) == 2
    assert sum(r["answered"] for r in rows) == 1
    assert sum(r["shortAbandoned"] for r in rows) == 1
    if len(busy) == 1:  # both calls in one interval (unless one fell just past its end)
        assert busy[0]["serviceLevel"] == 100.0
    empty = next(r for r in rows if not r["offered"])
    assert (empty["serviceLevel"], empty["asaSeconds"], empty["ahtSeconds"]) == (None, None, None)
    as_csv = get(
        server,
        "/api/v1/reports/campaigns/Inbound Support/intervals",
        interval=60,
        format="csv",
        **RANGE,
    )
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0][:3] == ["start", "offered", "answered"]
    assert len(table) == 1 + 3


def test_the_agents_report_counts_their_time_and_calls(
    server: AgentbarServer, calls_made: tuple[str, str]
) -> None:
    rows = get(server, "/api/v1/reports/agents", **RANGE).json()["rows"]
    agent = next(r for r in rows if r["agentId"] == "agent1")
    assert agent["name"] == "Agent 1"
    assert (agent["callsHandled"], agent["dispositions"]) == (1, {"Sale": 1})
    assert agent["loggedInSeconds"] > 0
    assert "Lunch" in agent["breaks"]
    assert agent["intervals"][0]["state"] == "not_ready"
    as_csv = get(server, "/api/v1/reports/agents", **RANGE, format="csv")
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    line = next(r for r in table if r["agentId"] == "agent1")
    assert "intervals" not in line
    assert line["breaks"].startswith("Lunch=")
    assert line["dispositions"] == "Sale=1"


# -- refusals --------------------------------------------------------------------------------

LONG_AGO = datetime.now(UTC) - timedelta(days=RETENTION_DAYS + 1)
REFUSALS = [
    ("/api/v1/calls", {"from": RANGE["to"], "to": RANGE["from"]}, 422, "'from' must be before"),
    ("/api/v1/calls", {"from": RANGE["from"], "to": RANGE["from"]}, 422, "'from' must be before"),
    ("/api/v1/calls", {**RANGE, "from": "2026-12-05T09:00:00"}, 422, "'from' has no zone"),
    ("/api/v1/calls", {**RANGE, "to": "next week"}, 422, "'to' is not a date"),
    ("/api/v1/calls", {**RANGE, "campaign": "Billing"}, 404, "no campaign named 'Billing'"),
    ("/api/v1/calls", {**RANGE, "cursor": "bm90IGEgY3Vyc29y"}, 422, "the cursor is not one"),
    ("/api/v1/calls", {"from": iso(LONG_AGO), "to": RANGE["to"]}, 422, "are purged"),
    ("/api/v1/reports/campaigns/Billing/intervals", RANGE, 404, "no campaign named"),
    (
        "/api/v1/reports/campaigns/Inbound Support/intervals",
        {**RANGE, "interval": 20},
        422,
        "15, 30 or 60",
    ),
    (
        "/api/v1/reports/agents",
        {"from": iso(FROM - timedelta(days=29)), "to": iso(TO + timedelta(days=3))},
        422,
        "at most 31 days",
    ),
    (
        "/api/v1/reports/agents",
        {"from": iso(LONG_AGO), "to": iso(LONG_AGO + timedelta(days=1))},
        422,
        "are purged",
    ),
]


@pytest.mark.parametrize(("path", "params", "status", "detail"), REFUSALS)
def test_each_bad_input_has_its_own_refusal(
    server: AgentbarServer, path: str, params: dict[str, Any], status: int, detail: str
) -> None:
    answer = get(server, path, **params)
    assert answer.status_code == status
    assert detail in answer.json()["detail"]


def test_a_limit_out_of_bounds_is_refused(server: AgentbarServer) -> None:
    for limit in (0, 1001):
        assert get(server, "/api/v1/calls", limit=limit, **RANGE).status_code == 422


def test_the_reports_need_the_admin_token(server: AgentbarServer) -> None:
    answer = httpx.get(f"{server.base_url}/api/v1/reports/agents", params=RANGE)
    assert answer.status_code == 401


# -- retention -------------------------------------------------------------------------------


def test_the_retention_purges_older_calls_and_events_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "agentbar"
    old = (datetime.now(UTC) - timedelta(days=3)).timestamp()

    def provision(catalog: Catalog) -> None:
        campaign_id = catalog.upsert_campaign("Old", CampaignKind.INBOUND, DispositionPlan(()), [])
        with closing(sqlite3.connect(data_dir / "agentbar.db")) as db, db:
            db.execute(
                "INSERT INTO calls (call_id, call_type, campaign_id, phone, state, customer_crt,"
                " queued_at, ended_at) VALUES ('old-call', 'inbound', ?, '+14085550100',"
                " 'abandoned', 'crt-old', ?, ?)",
                (int(campaign_id), old, old + 30),
            )
            # Two old events: the newest event is kept whatever its age (it numbers the next).
            db.executemany(
                "INSERT INTO events (seq, kind, at, agent_id, data) VALUES"
                " (?, 'agent.state_changed', ?, 'agent1', '{\"state\": \"ready\"}')",
                [(1, old), (2, old + 1)],
            )

    with agentbar_server(
        data_dir,
        [CRM_ORIGIN],
        extra_env={"AGENTBAR_REPORT_RETENTION_DAYS": "1"},
        provision=provision,
    ) as running:
        running.wait_for_log("report retention: deleted", timeout=10)
        assert running.query("SELECT call_id FROM calls WHERE call_id = 'old-call'") == []
        assert running.query("SELECT seq FROM events WHERE seq = 1") == []
        purged = metric(running.scrape_metrics(), "agentbar_report_rows_purged_total")
        assert purged is not None
        assert purged >= 2
