"""The report page in real Chromium, in a browser whose local day is New York's: the token is
asked for once and kept across the supervisor's pages; a day and a campaign give the interval
report and the agents' report as tables and charts, and both download as CSV files that hold
the same rows. Its screenshot goes to docs/img/reports.png (linked from README.md)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.supervisor_pages import (
    WatchedPage,
    enter_token,
    finish_call,
    ready_agent,
    require_charts,
)
from tests.support.servers import AgentbarServer

pytestmark = pytest.mark.browser

IMG = Path(__file__).parents[2] / "docs" / "img"
ZONE = "America/New_York"

INTERVAL_COLUMNS = [
    "start",
    "offered",
    "answered",
    "abandoned",
    "shortAbandoned",
    "answeredWithinThreshold",
    "serviceLevel",
    "asaSeconds",
    "ahtSeconds",
    "maxWaitSeconds",
    "averageWaiting",
]


def downloaded_csv(page: Page, button: str) -> tuple[str, list[dict[str, str]], list[str]]:
    """Press `button` and read the file it saves: its name, its rows and its header."""
    with page.expect_download() as download:
        page.get_by_test_id(button).click()
    path = download.value.path()
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    rows = list(reader)
    return download.value.suggested_filename, rows, list(reader.fieldnames or [])


def test_the_report_page_shows_a_day_and_downloads_it_as_csv(
    browser: Browser, server: AgentbarServer
) -> None:
    require_charts()
    with ready_agent(server) as toolbar:
        call_id = server.place_call("+14085551212")
        toolbar.wait_event("call.connected", callId=call_id)
        day = datetime.now(ZoneInfo(ZONE)).date().isoformat()  # the call's day in New York
        finish_call(server, toolbar, call_id)

    context = browser.new_context(viewport={"width": 1200, "height": 900}, timezone_id=ZONE)
    try:
        watched = WatchedPage(context)
        reports = watched.page
        reports.goto(f"{server.base_url}/supervisor/reports")
        enter_token(reports)
        status = reports.get_by_test_id("report-status")
        expect(status).to_have_attribute("data-state", "ready")

        reports.get_by_test_id("report-day").fill(day)
        reports.get_by_test_id("report-campaign").select_option("Inbound Support")
        reports.get_by_test_id("report-interval").select_option("60")
        expect(status).to_have_text(f"Inbound Support on {day}, 60-minute intervals.")
        assert f"day={day}" in reports.url

        # a New York day of hours (no clock change in it), and the one call in its totals
        rows = reports.get_by_test_id("interval-row")
        expect(rows).to_have_count(24)
        expect(rows.first.get_by_test_id("interval-start")).to_have_text("00:00")
        total = reports.get_by_test_id("interval-total-row")
        expect(total.get_by_test_id("interval-total-offered")).to_have_text("1")
        expect(total.get_by_test_id("interval-total-answered")).to_have_text("1")
        expect(total.get_by_test_id("interval-total-service-level")).to_have_text("100%")
        expect(reports.get_by_test_id("intervals-note")).to_have_text(
            "service level: answered within 20 s"
        )
        interval_chart = reports.get_by_test_id("interval-chart")
        expect(interval_chart.locator("canvas")).to_have_count(1)
        expect(interval_chart).to_have_attribute("data-points", "24")

        agent = reports.locator('[data-testid="agent-report-row"][data-agent-id="agent1"]')
        expect(agent.get_by_test_id("agent-report-name")).to_have_text("Agent 1 (agent1)")
        expect(agent.get_by_test_id("agent-report-calls")).to_have_text("1")
        expect(agent.get_by_test_id("agent-report-dispositions")).to_have_text("Sale 1")
        occupancy_chart = reports.get_by_test_id("occupancy-chart")
        expect(occupancy_chart.locator("canvas")).to_have_count(1)
        expect(occupancy_chart).not_to_have_attribute("data-points", "0")
        reports.get_by_test_id("report-day").blur()
        reports.screenshot(path=IMG / "reports.png", full_page=True)

        name, intervals, header = downloaded_csv(reports, "interval-csv")
        assert name == f"intervals-inbound-support-{day}-60min.csv"
        assert header == INTERVAL_COLUMNS
        assert len(intervals) == 24
        starts = [row["start"] for row in intervals]
        assert starts == [r.get_attribute("data-start") for r in rows.all()]
        assert sum(int(row["offered"]) for row in intervals) == 1
        assert sum(int(row["answered"]) for row in intervals) == 1

        name, agents, header = downloaded_csv(reports, "agent-csv")
        assert name == f"agents-{day}.csv"
        assert header[:2] == ["agentId", "name"]
        [row] = [row for row in agents if row["agentId"] == "agent1"]
        assert row["callsHandled"] == "1"
        assert row["dispositions"] == "Sale=1"

        # the token is kept across the supervisor's pages, both ways
        reports.get_by_test_id("floor-link").click()
        expect(reports.get_by_test_id("connection")).to_have_text("live")
        reports.get_by_test_id("reports-link").click()
        expect(status).to_have_attribute("data-state", "ready")
        expect(reports.get_by_test_id("token-form")).to_be_hidden()
        assert watched.problems == []
    finally:
        context.close()
