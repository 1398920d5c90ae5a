"""The supervisor page in real Chromium, on agentbar's origin, beside a CRM page with the
toolbar on another: an agent logs in, gets ready and takes a call while the page follows live;
a second agent's break shows with its reason; a call waits in the queue; the supervisor logs
the agent out. Its screenshot goes to
docs/img/supervisor.png (linked from docs/operations.md)."""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect

from tests.browser.crm import log_in_to_campaign, wait_for_handler
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, PageServer
from tests.support.toolbar_client import ToolbarClient

pytestmark = pytest.mark.browser

IMG = Path(__file__).parents[2] / "docs" / "img"

# Keeps the page's sockets in reach, so the test can drop one as a network would.
SOCKET_SPY = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      window.__sockets.push(this);
    }
  };
})();
"""

RECORD_CONNECTION_STATES = """
(() => {
  const indicator = document.querySelector('[data-testid="connection"]');
  window.__connectionStates = [];
  new MutationObserver(() => window.__connectionStates.push(indicator.textContent))
    .observe(indicator, { childList: true, characterData: true, subtree: true });
})();
"""


def test_the_supervisor_follows_an_agent_live_and_logs_them_out(
    page: Page, browser: Browser, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    with ExitStack() as stack:
        context = browser.new_context(viewport={"width": 1100, "height": 640})
        stack.callback(context.close)
        supervisor = context.new_page()
        supervisor.set_default_timeout(10_000)
        supervisor.add_init_script(SOCKET_SPY)
        problems: list[str] = []
        supervisor.on("pageerror", lambda error: problems.append(str(error)))

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(message.text)

        supervisor.on("console", console)
        supervisor.goto(f"{server.base_url}/supervisor")

        # a wrong token is refused, and the page asks again
        supervisor.get_by_label("AGENTBAR_ADMIN_TOKEN").fill("not-the-token")
        supervisor.get_by_test_id("token-submit").click()
        expect(supervisor.get_by_test_id("error")).to_have_text("That admin token is not valid.")
        expect(supervisor.get_by_test_id("token-form")).to_be_visible()
        assert supervisor.evaluate("sessionStorage.length") == 0

        supervisor.get_by_label("AGENTBAR_ADMIN_TOKEN").fill(ADMIN_TOKEN)
        supervisor.get_by_test_id("token-submit").click()
        connection = supervisor.get_by_test_id("connection")
        expect(connection).to_have_text("live")
        expect(supervisor.get_by_test_id("agents-empty")).to_be_visible()
        queue = supervisor.locator('[data-testid="queue-row"][data-campaign="Inbound Support"]')
        expect(queue.get_by_test_id("queue-waiting")).to_have_text("0")
        expect(queue.get_by_test_id("queue-longest")).to_have_text("—")

        # the agent logs in from the CRM page: a row appears, no reload
        page.goto(crm.url("/crm/contacts"))
        log_in_to_campaign(page, "agent1", "Inbound Support")
        agent = supervisor.locator('[data-testid="agent-row"][data-agent-id="agent1"]')
        expect(agent.get_by_test_id("agent-name")).to_have_text("Agent 1 (agent1)")
        expect(agent.get_by_test_id("agent-state")).to_have_text("not ready")
        expect(agent.get_by_test_id("agent-campaign")).to_have_text("Inbound Support")
        expect(supervisor.get_by_test_id("agents-empty")).to_be_hidden()

        # a second agent, on a toolbar socket of its own, takes a break: its reason shows
        second = ToolbarClient(server.socket_url, origin=server.base_url)
        stack.callback(second.close)
        second.expect_ok(
            "auth.login",
            username="agent2",
            password="agent2",
            authPolicy="AUTH_TYPE_PASSWORD",
            crmOrigin=crm.origin,
        )
        second.expect_ok("presence.break", reason="Lunch")
        on_break = supervisor.locator('[data-testid="agent-row"][data-agent-id="agent2"]')
        expect(on_break.get_by_test_id("agent-state")).to_have_text("break")
        expect(on_break.get_by_test_id("agent-reason")).to_have_text("Lunch")
        expect(supervisor.get_by_test_id("agents-count")).to_have_text("2")

        toolbar = page.frame_locator("#ameyoIframe")
        toolbar.get_by_test_id("ready").click()
        wait_for_handler(page, "readyHandler")
        expect(agent.get_by_test_id("agent-state")).to_have_text("ready")
        expect(queue.get_by_test_id("queue-ready")).to_have_text("1")

        # a call reaches the agent: the call row and the agent's state change live
        answered = server.place_call("+14085551212")
        wait_for_handler(page, "showCrm")
        call = supervisor.locator(f'[data-testid="call-row"][data-call-id="{answered}"]')
        expect(call.get_by_test_id("call-state")).to_have_text("connected")
        expect(call.get_by_test_id("call-phone")).to_have_text("+14085551212")
        expect(call.get_by_test_id("call-agent")).to_have_text("Agent 1 (agent1)")
        expect(call.get_by_test_id("call-campaign")).to_have_text("Inbound Support")
        expect(agent.get_by_test_id("agent-state")).to_have_text("on call")
        expect(supervisor.get_by_test_id("calls-count")).to_have_text("1")

        # no agent is free: the next call waits, and its wait ticks on the page
        waiting = server.place_call("+14085550000")
        expect(queue.get_by_test_id("queue-waiting")).to_have_text("1")
        expect(queue.get_by_test_id("queue-ready")).to_have_text("0")
        expect(queue.get_by_test_id("queue-longest")).to_have_text(re.compile(r"^0:0[1-9]$"))
        expect(supervisor.locator(f'[data-call-id="{waiting}"]')).to_have_count(0)
        supervisor.screenshot(path=IMG / "supervisor.png")

        # a dropped socket comes back by itself, with the floor as it is
        supervisor.evaluate(RECORD_CONNECTION_STATES)
        supervisor.evaluate("window.__sockets.at(-1).close()")
        # the sockets so far: the wrong token's, the right one's, and the one that came back
        supervisor.wait_for_function("() => window.__sockets.length === 3")
        expect(connection).to_have_text("live")
        assert supervisor.evaluate("window.__connectionStates") == ["reconnecting", "live"]
        expect(agent.get_by_test_id("agent-state")).to_have_text("on call")

        # force-logout, confirmed: the agent's session ends, its toolbar gets logoutHandler
        asked: list[str] = []

        def confirm(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        supervisor.once("dialog", confirm)
        agent.get_by_role("button", name="Log out Agent 1 (agent1)").click()
        assert wait_for_handler(page, "logoutHandler")[0] == "supervisor logout"
        assert asked[0].startswith("Log out Agent 1 (agent1)?")
        expect(supervisor.get_by_test_id("notice")).to_have_text("Agent 1 (agent1) was logged out.")
        expect(agent).to_have_count(0)
        expect(call).to_have_count(0)
        expect(supervisor.get_by_test_id("agents-count")).to_have_text("1")
        expect(queue.get_by_test_id("queue-waiting")).to_have_text("1")  # it still waits

        server.customer_hangs_up(waiting)
        expect(queue.get_by_test_id("queue-waiting")).to_have_text("0")
        expect(queue.get_by_test_id("queue-longest")).to_have_text("—")
        assert problems == []
