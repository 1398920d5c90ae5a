"""The toolbar on another *site*, not only another origin, with third-party cookies blocked.

The other browser tests put the CRM and agentbar on two ports of 127.0.0.1: two origins, but
one site, so the browser's third-party rules never apply. Here the CRM is `crm.test` (mapped to
127.0.0.1 by the browser's resolver), agentbar stays on 127.0.0.1, and Chromium blocks
third-party cookies, and with them storage in third-party frames: the toolbar must log in and
take a call without either, and tell the agent what a refresh will cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from examples.services.ports import free_port
from tests.browser.conftest import CRM_HOST, RESOLVE_CRM_HOST, fresh_page, launch_chromium
from tests.browser.crm import log_in_to_campaign, wait_for_handler
from tests.support.sample_crm import SampleCrm, sample_crm
from tests.support.servers import AgentbarServer, agentbar_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def strict_browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(
        playwright_session,
        RESOLVE_CRM_HOST,
        "--test-third-party-cookie-phaseout",
    )
    yield browser
    browser.close()


@pytest.fixture
def strict_page(strict_browser: Browser) -> Iterator[Page]:
    yield from fresh_page(strict_browser)


def cookie_kept(page: Page, frame_url_part: str | None = None) -> str:
    """Set a cookie from script in the page (or its frame whose URL has `frame_url_part`) and
    read back what the document sees."""
    script = "() => { document.cookie = 'probe=1; path=/'; return document.cookie; }"
    if frame_url_part is None:
        return str(page.evaluate(script))
    [frame] = [f for f in page.frames if frame_url_part in f.url]
    return str(frame.evaluate(script))


def test_the_toolbar_works_cross_site_with_third_party_cookies_blocked(
    strict_page: Page, cross_site: tuple[str, AgentbarServer]
) -> None:
    page = strict_page
    crm_url, server = cross_site
    page.goto(crm_url)
    wait_for_handler(page, "loginStatusHandler")

    # The browser really refuses the toolbar a cookie in the CRM's page, while agentbar's own
    # pages keep one: the blocking is the third-party rule, not cookies being off.
    assert cookie_kept(page, "/ameyowebaccess/toolbar") == ""
    first_party = page.context.new_page()
    first_party.goto(f"{server.base_url}/healthz")
    assert cookie_kept(first_party) == "probe=1"
    first_party.close()

    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    call_id = server.place_call("+14085550199")
    phone, params, _ = wait_for_handler(page, "showCrm")
    assert (phone, params["callId"]) == ("+14085550199", call_id)

    # Nothing could be stored: the agent was told, and after a refresh logs in again; a force
    # login takes the session over with the call still on.
    expect(toolbar.get_by_test_id("storage-notice")).to_contain_text("a refresh will log you out")
    page.reload()
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"
    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
    assert wait_for_handler(page, "loginHandler")[0] == "force login required"
    toolbar.get_by_test_id("force-login").click()
    assert wait_for_handler(page, "loginHandler", 2)[0] == "success"
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")
    server.customer_hangs_up(call_id)
    assert wait_for_handler(page, "hangupHandler")[1]["callId"] == call_id
    sessions = server.query("SELECT end_reason FROM sessions ORDER BY created_at")
    assert [row["end_reason"] for row in sessions] == ["force login", None]


@pytest.fixture
def sample_crm_cross_site(tmp_path: Path) -> Iterator[tuple[SampleCrm, str, AgentbarServer]]:
    """The sample CRM on crm.test (its SSO endpoint reached server to server on 127.0.0.1),
    agentbar on 127.0.0.1."""
    port = free_port()
    crm_origin = f"http://{CRM_HOST}:{port}"
    with (
        agentbar_server(
            tmp_path / "agentbar",
            [crm_origin],
            {"AGENTBAR_CRM_SSO_URL": f"http://127.0.0.1:{port}/sso"},
        ) as server,
        sample_crm(port, server.base_url, tmp_path / "crm.db") as crm,
    ):
        yield crm, crm_origin, server


def test_a_crm_with_single_sign_on_keeps_its_toolbar_session_across_a_refresh_cross_site(
    strict_page: Page, sample_crm_cross_site: tuple[SampleCrm, str, AgentbarServer]
) -> None:
    """With nothing kept in the toolbar, the CRM's own session carries it over a refresh: the
    CRM logs its toolbar in again and agentbar continues the agent's session, call and all."""
    page = strict_page
    crm, crm_origin, server = sample_crm_cross_site
    toolbar = page.frame_locator("#ameyoIframe")
    page.goto(f"{crm_origin}/leads")
    page.get_by_test_id("crm-login-user").fill("agent1")
    page.get_by_test_id("crm-login-password").fill("agent1")
    page.get_by_test_id("crm-login-submit").click()
    expect(page.get_by_test_id("crm-toolbar-session")).to_have_text("logged in")
    toolbar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
    toolbar.get_by_test_id("ready").click()
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    call_id = server.place_call("+14155550101")  # a seeded contact's number
    expect(page.get_by_test_id("crm-presence")).to_have_text("on call")

    page.reload()
    expect(page.get_by_test_id("crm-toolbar-session")).to_have_text("logged in")
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")
    expect(toolbar.locator("#call-phone")).to_have_text("+14155550101")
    sessions = server.query("SELECT end_reason, crm_session_id FROM sessions ORDER BY created_at")
    assert [row["end_reason"] for row in sessions] == ["crm session continued", None]
    assert len({row["crm_session_id"] for row in sessions}) == 1
    [crm_session] = crm.query("SELECT ended_at FROM sessions")
    assert crm_session["ended_at"] is None  # the CRM was not told to log out
    server.customer_hangs_up(call_id)
    expect(page.get_by_test_id("crm-wrapup")).to_be_visible()
