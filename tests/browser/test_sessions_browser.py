"""Sessions and presence in real Chromium, CRM and agentbar on different origins: breaks and
auto-call from the toolbar, a supervisor's logout, a force login from a second browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.crm import handler_calls, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser


def logged_in(page: Page, crm: PageServer, path: str = "/crm/contacts") -> None:
    page.goto(crm.url(path))
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
    assert wait_for_handler(page, "loginHandler")[0] == "success"
    wait_for_handler(page, "selectExtensionHandler")


def test_break_auto_call_and_a_supervisor_logout_reach_the_crm(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    logged_in(page, crm)
    toolbar = page.frame_locator("#ameyoIframe")

    # auto-call is offered only in an outbound campaign
    toolbar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
    wait_for_handler(page, "selectCampaignHandler")
    expect(toolbar.get_by_test_id("auto-call")).to_be_hidden()
    toolbar.get_by_test_id("campaign-select").select_option(label="Outbound Sales")
    assert wait_for_handler(page, "selectCampaignHandler", 2)[0].startswith("Outbound Sales(")
    toolbar.get_by_test_id("auto-call").check()
    assert wait_for_handler(page, "autoCallOnHandler")[0] == "success"
    toolbar.get_by_test_id("auto-call").uncheck()
    assert wait_for_handler(page, "autoCallOffHandler")[0] == "success"

    # a break with a configured reason, chosen in the toolbar
    reasons = toolbar.get_by_test_id("break-reason").locator("option").all_inner_texts()
    assert reasons == ["Training (productive)", "Snacks", "Lunch", "Unavailable"]
    toolbar.get_by_test_id("break-reason").select_option("Lunch")
    toolbar.get_by_test_id("break").click()
    assert wait_for_handler(page, "breakHandler")[0] == "Lunch"
    expect(toolbar.get_by_test_id("status")).to_have_text("on break")

    # a supervisor ends the session from the admin API
    with server.admin() as admin:
        assert admin.post("/api/v1/agents/agent1/logout").status_code == 204
    assert wait_for_handler(page, "logoutHandler")[0] == "supervisor logout"
    assert wait_for_handler(page, "loginStatusHandler", 3)[0] == "logged out"
    expect(toolbar.get_by_test_id("login-username")).to_be_visible()
    [session] = server.query("SELECT end_reason FROM sessions")
    assert session["end_reason"] == "supervisor logout"


def test_a_force_login_from_another_browser_moves_the_agent_there(
    page: Page, browser: Browser, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    logged_in(page, crm)
    page.frame_locator("#ameyoIframe").get_by_test_id("campaign-select").select_option(
        label="Inbound Support"
    )
    campaign = wait_for_handler(page, "selectCampaignHandler")[0]

    other = browser.new_context()
    try:
        second = other.new_page()
        second.set_default_timeout(10_000)
        second.goto(crm.url("/crm/home"))
        wait_for_handler(second, "loginStatusHandler")
        second.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
        assert wait_for_handler(second, "loginHandler")[0] == "force login required"

        second.evaluate("ameyo.integration.doForceLogin()")
        assert wait_for_handler(second, "loginHandler", 2)[0] == "success"
        assert wait_for_handler(second, "forceLoginHandler")[0] == "forceLoginRequired"
        # the agent arrives as it was: its campaign is announced to the new page
        assert wait_for_handler(second, "selectCampaignHandler")[0] == campaign
        second_toolbar = second.frame_locator("#ameyoIframe")
        expect(second_toolbar.get_by_test_id("status")).to_have_text("not ready")

        assert wait_for_handler(page, "logoutHandler")[0] == "force login"
        expect(page.frame_locator("#ameyoIframe").get_by_test_id("login-username")).to_be_visible()
        assert handler_calls(second, "logoutHandler") == []
    finally:
        other.close()
    sessions = server.query("SELECT end_reason FROM sessions ORDER BY created_at")
    assert [s["end_reason"] for s in sessions] == ["force login", None]
