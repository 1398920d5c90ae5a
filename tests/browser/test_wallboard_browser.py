"""The wallboard on the supervisor page in real Chromium: simulated calls are answered, wait
and are abandoned, and the tile of Inbound Support follows live — calls waiting and the
longest wait (turning amber, then red, at the campaign's thresholds), the agents by state,
and today's service level, ASA and abandon rate from the interval report. Its screenshot
goes to docs/img/wallboard.png (linked from README.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

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

REPORTED = 15_000
"""Milliseconds a figure from the interval report may take: read again at least every 10 s."""

WAITED = 10_000
"""Milliseconds to see a wait of a few seconds happen (expect's own default is 5 s)."""

RECORD_WAIT_LEVELS = """
(() => {
  const figure = document.querySelector('[data-testid="wallboard-longest-wait"]');
  window.__waitLevels = [figure.dataset.level];
  new MutationObserver(() => {
    if (window.__waitLevels.at(-1) !== figure.dataset.level) {
      window.__waitLevels.push(figure.dataset.level);
    }
  }).observe(figure, { attributes: true, attributeFilter: ["data-level"] });
})();
"""


def test_the_wallboard_follows_calls_waiting_answered_and_abandoned(
    browser: Browser, server: AgentbarServer
) -> None:
    require_charts()
    with server.admin() as admin:
        # Thresholds a test can cross in seconds: service level within 3 s, a wait amber past
        # 2 s and red past 4 s, a hang-up within 1 s a short abandon.
        view = admin.get("/api/v1/campaigns/Inbound Support").json()
        body = {k: v for k, v in view.items() if k not in ("id", "name")} | {
            "serviceLevelSeconds": 3,
            "shortAbandonSeconds": 1,
            "wallboard": {
                "serviceLevelWarning": 80,
                "serviceLevelAlarm": 60,
                "waitWarningSeconds": 2,
                "waitAlarmSeconds": 4,
            },
        }
        admin.put("/api/v1/campaigns/Inbound Support", json=body).raise_for_status()

    context = browser.new_context(viewport={"width": 1100, "height": 800})
    try:
        watched = WatchedPage(context)
        supervisor = watched.page
        supervisor.goto(f"{server.base_url}/supervisor")
        enter_token(supervisor)
        expect(supervisor.get_by_test_id("connection")).to_have_text("live")
        tile = supervisor.locator('[data-testid="wallboard-tile"][data-campaign="Inbound Support"]')
        # one tile per inbound campaign: Outbound Sales has none
        expect(supervisor.get_by_test_id("wallboard-tile")).to_have_count(1)
        waiting = tile.get_by_test_id("wallboard-waiting")
        longest = tile.get_by_test_id("wallboard-longest-wait")
        level = tile.get_by_test_id("wallboard-service-level")
        abandon_rate = tile.get_by_test_id("wallboard-abandon-rate")
        expect(waiting).to_have_text("0")
        expect(longest).to_have_text("—")
        expect(level).to_have_text("—")
        expect(abandon_rate).to_have_text("—")
        expect(tile.get_by_test_id("wallboard-agents-ready")).to_have_text("0")
        expect(supervisor.get_by_test_id("wallboard")).to_have_attribute(
            "data-reads", re.compile(r"\d")
        )

        with ready_agent(server) as toolbar:
            expect(tile.get_by_test_id("wallboard-agents-ready")).to_have_text("1")

            # answered at once: within the service level
            first = server.place_call("+14085551212")
            toolbar.wait_event("call.connected", callId=first)
            expect(tile.get_by_test_id("wallboard-agents-on-call")).to_have_text("1")
            expect(tile.get_by_test_id("wallboard-agents-ready")).to_have_text("0")
            expect(tile.get_by_test_id("wallboard-answered")).to_have_text("1", timeout=REPORTED)
            expect(level).to_have_text("100%")
            expect(level).to_have_attribute("data-level", "ok")
            expect(tile.get_by_test_id("wallboard-asa")).to_have_text("0:00")

            # the agent is busy: the next call waits, amber past 2 s, red past 4 s ...
            supervisor.evaluate(RECORD_WAIT_LEVELS)
            abandoned = server.place_call("+14085550001")
            expect(waiting).to_have_text("1")
            expect(longest).to_have_attribute("data-level", "alarm", timeout=WAITED)
            expect(longest).to_have_text(re.compile(r"^0:0[5-9]$"), timeout=WAITED)
            assert supervisor.evaluate("window.__waitLevels") == ["none", "ok", "warning", "alarm"]
            # ... and its caller hangs up: abandoned (not short), one of two calls
            server.customer_hangs_up(abandoned)
            expect(waiting).to_have_text("0")
            expect(longest).to_have_text("—")
            expect(tile.get_by_test_id("wallboard-abandoned")).to_have_text("1", timeout=REPORTED)
            expect(abandon_rate).to_have_text("50%")
            expect(level).to_have_text("50%")
            expect(level).to_have_attribute("data-level", "alarm")

            # a third call waits past the 3 s of the service level, then is answered
            late = server.place_call("+14085550002")
            expect(waiting).to_have_text("1")
            expect(longest).to_have_text(re.compile(r"^0:0[4-9]$"), timeout=WAITED)
            finish_call(server, toolbar, first)
            toolbar.wait_event("call.connected", callId=late)
            expect(waiting).to_have_text("0")
            expect(tile.get_by_test_id("wallboard-answered")).to_have_text("2", timeout=REPORTED)
            expect(tile.get_by_test_id("wallboard-offered")).to_have_text("3")
            expect(level).to_have_text("33.3%")
            expect(abandon_rate).to_have_text("33.3%")
            expect(tile.get_by_test_id("wallboard-asa")).to_have_text(re.compile(r"^0:0[2-5]$"))

            # the charts: calls waiting sampled every 5 s, service level per 15 minutes
            waiting_chart = tile.get_by_test_id("wallboard-waiting-chart")
            expect(waiting_chart.locator("canvas")).to_have_count(1)
            supervisor.wait_for_function(
                """() => Number(document.querySelector(
                    '[data-testid="wallboard-waiting-chart"]').dataset.points) >= 3"""
            )
            level_chart = tile.get_by_test_id("wallboard-service-level-chart")
            expect(level_chart.locator("canvas")).to_have_count(1)
            expect(level_chart).not_to_have_attribute("data-points", "0")
            supervisor.get_by_test_id("wallboard").screenshot(path=IMG / "wallboard.png")
            finish_call(server, toolbar, late)
        assert watched.problems == []
    finally:
        context.close()
