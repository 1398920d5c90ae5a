"""A predictive campaign in real Chromium: the CRM page with the toolbar on one origin, agentbar
on another. The demo's outbound campaign is set to predictive through the admin API; the agent
works it with auto-call on, the toolbar saying how the campaign dials; a lead added is dialled
ahead of the agent, answered by its (simulated) customer and popped in the CRM as `predictive`;
the supervisor page, beside it, follows the campaign's dialer live."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.crm import log_in_to_campaign, wait_for_handler
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, PageServer

pytestmark = pytest.mark.browser

CAMPAIGN = "Outbound Sales"
MESSAGE = "Sorry we missed you: this was Acme Sales, 0800 555 0100."


def make_predictive(server: AgentbarServer) -> None:
    """The demo's outbound campaign, as it is, but dialled predictively."""
    with server.admin() as admin:
        current = admin.get(f"/api/v1/campaigns/{CAMPAIGN}")
        current.raise_for_status()
        settings = {k: v for k, v in current.json().items() if k not in ("id", "name")}
        settings.update(dialMode="predictive", abandonMessage=MESSAGE)
        admin.put(f"/api/v1/campaigns/{CAMPAIGN}", json=settings).raise_for_status()


def test_a_predictive_call_pops_as_predictive_and_the_supervisor_sees_the_dialer(
    page: Page, browser: Browser, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    make_predictive(server)
    with ExitStack() as stack:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        stack.callback(context.close)
        supervisor = context.new_page()
        supervisor.set_default_timeout(10_000)
        problems: list[str] = []
        supervisor.on("pageerror", lambda error: problems.append(str(error)))
        supervisor.goto(f"{server.base_url}/supervisor")
        supervisor.get_by_label("AGENTBAR_ADMIN_TOKEN").fill(ADMIN_TOKEN)
        supervisor.get_by_test_id("token-submit").click()
        expect(supervisor.get_by_test_id("connection")).to_have_text("live")

        # Only the predictive campaign has a dialer row, and it has not dialled yet.
        dialer = supervisor.locator(f'[data-testid="dialer-row"][data-campaign="{CAMPAIGN}"]')
        expect(supervisor.get_by_test_id("dialer-row")).to_have_count(1)
        expect(dialer.get_by_test_id("dialer-mode")).to_have_text("not dialled yet")
        expect(dialer.get_by_test_id("dialer-abandon-rate")).to_have_text("— of 3% over 30d")

        # The agent works the campaign from the CRM page; the toolbar says how it dials.
        page.goto(crm.url("/crm/leads"))
        log_in_to_campaign(page, "agent2", CAMPAIGN)
        toolbar = page.frame_locator("#ameyoIframe")
        mode = toolbar.get_by_test_id("dial-mode")
        expect(mode).to_have_text("Predictive dialing · auto-call off")
        toolbar.get_by_test_id("auto-call").check()
        wait_for_handler(page, "autoCallOnHandler")
        expect(mode).to_have_text("Predictive dialing · auto-call on")
        toolbar.get_by_test_id("ready").click()
        wait_for_handler(page, "readyHandler")

        # A lead is dialled ahead of the agent; its customer answers and the CRM pops it.
        with server.admin() as admin:
            added = admin.post(
                f"/api/v1/campaigns/{CAMPAIGN}/leads",
                json={"leads": [{"phone": "+14155550101", "name": "Ada"}]},
            )
        added.raise_for_status()
        [lead_id] = added.json()["leadIds"]
        phone, params, _ = wait_for_handler(page, "showCrm")
        assert (phone, params["callType"], params["leadId"]) == (
            "+14155550101",
            "predictive",
            lead_id,
        )
        assert params["campaignName"] == CAMPAIGN
        expect(toolbar.get_by_test_id("status")).to_have_text("on call")

        # The supervisor sees the call and the dialer's figures move, no reload.
        call = supervisor.locator(f'[data-testid="call-row"][data-call-id="{params["callId"]}"]')
        expect(call.get_by_test_id("call-type")).to_have_text("predictive")
        expect(dialer.get_by_test_id("dialer-live-answered")).to_have_text("1")
        expect(dialer.get_by_test_id("dialer-abandoned")).to_have_text("0")
        expect(dialer.get_by_test_id("dialer-in-flight")).to_have_text("0")
        expect(dialer.get_by_test_id("dialer-abandon-rate")).to_have_text("0.0% of 3% over 30d")
        # Under 100 dials measured, the pacer dials progressively and says so.
        expect(dialer.get_by_test_id("dialer-mode")).to_have_text("progressive")
        expect(dialer.get_by_test_id("dialer-reason")).to_have_text(
            "measuring the campaign: 0 of 100 dials"
        )
        expect(dialer.get_by_test_id("dialer-level")).to_have_text("1.00")
        assert problems == []
