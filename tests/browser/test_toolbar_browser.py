"""The toolbar as an agent works a day in it, in real Chromium with the CRM page and agentbar
on different origins: a refresh mid-call, a dropped socket, two tabs, the new controls.
Screenshots of each view at 200x400 go to docs/img/ (linked from docs/toolbar.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, FrameLocator, Page, expect

from tests.browser.crm import handler_calls, log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser

IMG = Path(__file__).parents[2] / "docs" / "img"

# Wraps the page's WebSocket so a test can drop the toolbar's socket and keep it down (while
# window.__offline, new sockets ask agentbar for a path it refuses), and see the frames the
# toolbar sent.
SOCKET_SPY = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__sent = [];
  window.__offline = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__offline ? String(url).replace("/socket", "/no-socket") : url, protocols);
      window.__sockets.push(this);
    }
    send(data) {
      window.__sent.push(String(data));
      super.send(data);
    }
  };
})();
"""


def toolbar_frame(page: Page) -> Frame:
    return next(f for f in page.frames if "toolbar-crm.htm" in f.url)


def snap(page: Page, name: str) -> None:
    page.locator("#ameyoIframe").screenshot(path=IMG / f"{name}.png")


def ready_in_inbound(page: Page, crm: PageServer) -> FrameLocator:
    page.goto(crm.url("/crm/contacts"))
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    return toolbar


def test_a_refresh_mid_call_resumes_the_call_without_a_second_screen_pop(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    toolbar = ready_in_inbound(page, crm)
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "online")
    snap(page, "agent-ready")
    call_id = server.place_call("+14085551212")
    wait_for_handler(page, "showCrm")
    expect(toolbar.get_by_test_id("call-timer")).to_have_text("0:01")  # it counts
    snap(page, "call")

    page.reload()
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged in"
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")
    expect(toolbar.get_by_test_id("hangup")).to_be_visible()
    expect(toolbar.get_by_test_id("call-timer")).to_be_visible()
    # The session rests on no cookie at all (the token is in the iframe's own storage), so
    # blocking third-party cookies cannot end it.
    assert page.context.cookies() == []
    # The call goes on in the reloaded page: its hangup arrives there, and by then any
    # second pop would have arrived too.
    server.customer_hangs_up(call_id)
    assert wait_for_handler(page, "hangupHandler")[1]["callId"] == call_id
    assert handler_calls(page, "showCrm") == []
    expect(toolbar.get_by_test_id("status")).to_have_text("wrap-up")

    # The disposition class narrows the codes offered; "All classes" offers every one.
    codes = toolbar.get_by_test_id("disposition-code").locator("option")
    expect(codes).to_have_text(["Sale", "Info Given", "Callback", "Escalated"])
    toolbar.get_by_test_id("disposition-class").select_option("Follow Up")
    expect(codes).to_have_text(["Callback", "Escalated"])
    snap(page, "wrap-up")
    toolbar.get_by_test_id("dispose").click()
    wait_for_handler(page, "handleDisposeCallByDispositionCode")
    assert handler_calls(page, "handleDisposeCallByDispositionCode")[0][0] == "success"
    [row] = server.query("SELECT disposition_code FROM calls WHERE call_id = ?", call_id)
    assert row["disposition_code"] == "Callback"


def test_a_dropped_socket_resumes_and_fires_the_missed_hangup_once(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.context.add_init_script(SOCKET_SPY)
    toolbar = ready_in_inbound(page, crm)
    call_id = server.place_call("+14085551212")
    wait_for_handler(page, "showCrm")
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")

    frame = toolbar_frame(page)
    frame.evaluate("window.__offline = true; window.__sockets.at(-1).close()")
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "reconnecting")
    snap(page, "reconnecting")
    server.customer_hangs_up(call_id)
    # The hangup happens while the toolbar is away: wait until the server has stored it.
    while not server.query("SELECT 1 FROM events WHERE kind = 'call.ended'"):
        page.wait_for_timeout(50)
    assert handler_calls(page, "hangupHandler") == []

    frame.evaluate("window.__offline = false")
    status, crt = wait_for_handler(page, "hangupHandler")
    assert (status, crt["callId"]) == ("success", call_id)
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "online")
    expect(toolbar.get_by_test_id("status")).to_have_text("wrap-up")
    resumes = frame.evaluate("window.__sent.map(JSON.parse).filter(f => f.cmd === 'auth.resume')")
    assert resumes[-1]["lastSeq"] > 0

    # Later events still flow, and nothing was handled twice.
    page.evaluate("ameyo.integration.disposeCallByDisposition('Sale')")
    wait_for_handler(page, "handleDisposeCallByDispositionCode")
    wait_for_handler(page, "readyHandler", 2)
    assert len(handler_calls(page, "hangupHandler")) == 1
    assert len(handler_calls(page, "showCrm")) == 1


def test_two_tabs_pop_each_call_once_and_the_agent_can_take_over(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    first = ready_in_inbound(page, crm)
    second_page = page.context.new_page()
    second_page.set_default_timeout(10_000)
    second_page.goto(crm.url("/crm/home"))
    assert wait_for_handler(second_page, "loginStatusHandler")[0] == "logged in"
    second = second_page.frame_locator("#ameyoIframe")
    expect(second.get_by_test_id("take-over")).to_be_visible()
    expect(first.get_by_test_id("take-over")).to_be_hidden()
    snap(second_page, "other-tab")

    call_id = server.place_call("+14085551212")
    assert wait_for_handler(page, "showCrm")[1]["callId"] == call_id
    server.customer_hangs_up(call_id)
    wait_for_handler(page, "hangupHandler")
    page.evaluate("ameyo.integration.disposeCallByDisposition('Sale')")
    wait_for_handler(page, "handleDisposeCallByDispositionCode")
    wait_for_handler(page, "readyHandler", 2)

    second.get_by_test_id("take-over").click()
    expect(second.get_by_test_id("ready")).to_be_visible()
    expect(first.get_by_test_id("take-over")).to_be_visible()
    next_call = server.place_call("+14085551313")
    assert wait_for_handler(second_page, "showCrm")[1]["callId"] == next_call
    server.customer_hangs_up(next_call)
    wait_for_handler(second_page, "hangupHandler")
    # Each call popped in exactly one tab: the one leading at the time.
    assert [args[1]["callId"] for args in handler_calls(page, "showCrm")] == [call_id]
    assert [args[1]["callId"] for args in handler_calls(second_page, "showCrm")] == [next_call]
    assert len(handler_calls(page, "hangupHandler")) == 1


def test_a_force_login_is_offered_in_place_and_takes_the_session_over(
    page: Page, browser: Browser, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    ready_in_inbound(page, crm)
    other = browser.new_context()
    try:
        second = other.new_page()
        second.set_default_timeout(10_000)
        second.goto(crm.url("/crm/home"))
        wait_for_handler(second, "loginStatusHandler")
        toolbar = second.frame_locator("#ameyoIframe")
        expect(toolbar.get_by_test_id("force-login")).to_be_hidden()
        snap(second, "login")
        toolbar.get_by_test_id("login-username").fill("agent1")
        toolbar.get_by_test_id("login-password").fill("agent1")
        toolbar.get_by_test_id("login-submit").click()
        assert wait_for_handler(second, "loginHandler")[0] == "force login required"
        expect(toolbar.get_by_test_id("error")).to_have_text("force login required")
        expect(toolbar.get_by_test_id("force-login")).to_be_visible()
        snap(second, "force-login")

        toolbar.get_by_test_id("force-login").click()
        assert wait_for_handler(second, "loginHandler", 2)[0] == "success"
        expect(toolbar.get_by_test_id("force-login")).to_be_hidden()
        expect(toolbar.get_by_test_id("status")).to_have_text("ready")
        assert wait_for_handler(page, "logoutHandler")[0] == "force login"
    finally:
        other.close()
    sessions = server.query("SELECT end_reason FROM sessions ORDER BY created_at")
    assert [row["end_reason"] for row in sessions] == ["force login", None]


def test_keyboard_only_login_ready_call_hangup_and_dispose(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"
    frame = toolbar_frame(page)
    keyboard = page.keyboard

    def focused() -> str:
        testid: str = frame.evaluate(
            "document.hasFocus() ? document.activeElement?.dataset?.testid ?? '' : ''"
        )
        return testid

    def tab_to(testid: str) -> None:
        for _ in range(30):
            if focused() == testid:
                return
            keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {testid}; focus is on {focused()!r}")

    tab_to("login-username")  # from the CRM page into the toolbar
    keyboard.type("agent1")
    keyboard.press("Tab")
    keyboard.type("agent1")
    keyboard.press("Enter")
    assert wait_for_handler(page, "loginHandler")[0] == "success"
    wait_for_handler(page, "selectExtensionHandler")
    # Focus is visible (an outline), not only present.
    assert frame.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    tab_to("campaign-select")
    keyboard.press("I")  # type-ahead: Inbound Support
    assert wait_for_handler(page, "selectCampaignHandler")[0].startswith("Inbound Support(")
    tab_to("ready")
    keyboard.press("Enter")
    wait_for_handler(page, "readyHandler")

    call_id = server.place_call("+14085551212")
    wait_for_handler(page, "showCrm")  # answered: the call panel is up
    tab_to("hangup")
    keyboard.press("Enter")
    assert wait_for_handler(page, "hangupHandler")[1]["callId"] == call_id

    tab_to("disposition-note")
    keyboard.type("oops")
    keyboard.press("Escape")  # Escape clears the field being typed in
    assert frame.evaluate("document.activeElement.value") == ""
    tab_to("disposition-code")
    keyboard.press("E")  # type-ahead: Escalated
    tab_to("dispose")
    keyboard.press("Enter")
    assert wait_for_handler(page, "handleDisposeCallByDispositionCode")[0] == "success"
    [row] = server.query("SELECT disposition_code FROM calls WHERE call_id = ?", call_id)
    assert row["disposition_code"] == "Escalated"
