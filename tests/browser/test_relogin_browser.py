"""A CRM that logs out and straight back in, in real Chromium (CRM and agentbar on different
origins): a shared workstation, a CRM's "switch agent" button. The toolbar's socket closes
after a logout and reconnects; a login made meanwhile waits for it instead of failing with
"not connected to agentbar". Empty credentials are refused before anything is sent."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.browser.crm import handler_calls, log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser

PASSWORD = "AUTH_TYPE_PASSWORD"

# In the toolbar's frame: `window.__offline = true` sends new sockets to a path that refuses
# them (the network is down), and `window.__sockets` holds the sockets made.
OFFLINE_SWITCH = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__offline = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__offline ? String(url).replace("/socket", "/no-socket") : url, protocols);
      window.__sockets.push(this);
    }
  };
})();
"""


class SentFrames:
    """The commands the toolbar sent, each with the number of the socket it went on (the
    page's sockets counted from 1 in the order they opened)."""

    def __init__(self, page: Page) -> None:
        self.sent: list[tuple[int, str]] = []
        self.sockets = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        self.sockets += 1
        number = self.sockets
        socket.on("framesent", lambda payload: self._sent(number, payload))

    def _sent(self, socket: int, payload: str | bytes) -> None:
        self.sent.append((socket, json.loads(payload)["cmd"]))

    def logins(self) -> int:
        return [cmd for _, cmd in self.sent].count("auth.login")

    def after(self, count: int) -> list[tuple[int, str]]:
        """What was sent after the first `count` frames."""
        return self.sent[count:]


@pytest.fixture
def frames(page: Page) -> SentFrames:
    return SentFrames(page)


def logged_in_as(page: Page, agent_name: str, logins: int) -> None:
    """`loginHandler` said success for the `logins`th time, and the toolbar shows the agent."""
    assert wait_for_handler(page, "loginHandler", logins)[0] == "success"
    toolbar = page.frame_locator("#ameyoIframe")
    expect(toolbar.locator("#agent-name")).to_have_text(agent_name)
    expect(toolbar.get_by_test_id("login-username")).to_be_hidden()


def toolbar_has_read_its_messages(page: Page) -> None:
    """Wait until the toolbar has read every message the CRM page sent it so far: it reads them
    in order, and answers a method it does not know at once, without its socket."""
    page.evaluate(
        "document.getElementById('ameyoIframe').contentWindow.postMessage("
        "  JSON.stringify({method: 'probe', requestMethodId: 'probe_1'}), ameyoBaseUrl)"
    )
    page.wait_for_function("window.__rawMessages.some(m => String(m.data).includes('probe_1'))")


def start_as_agent1(page: Page, crm: PageServer) -> None:
    page.goto(crm.url("/crm/contacts"))
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate(f"ameyo.integration.doLogin('agent1', 'agent1', '{PASSWORD}')")
    logged_in_as(page, "Agent 1", 1)


def test_a_login_right_after_a_logout_waits_for_the_socket_and_is_served(
    page: Page, frames: SentFrames, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.clock.install(time=time.time())
    start_as_agent1(page, crm)
    # Time stands still in the page from here on: no timer fires, the reconnect backoff's
    # neither, so each login below is served only because the toolbar reconnects at once
    # after a logout (and the login waited for that socket).
    page.clock.pause_at(time.time() + 1)

    # "switch agent": log out and in as another agent in the same breath; the login waits
    # for the next socket rather than going out on the one the server closes after the logout
    before = len(frames.sent)
    page.evaluate(
        f"ameyo.integration.doLogout();ameyo.integration.doLogin('agent2', 'agent2', '{PASSWORD}')"
    )
    logged_in_as(page, "Agent 2", 2)
    assert wait_for_handler(page, "logoutHandler")[0] == "success"
    assert frames.after(before)[:2] == [(1, "auth.logout"), (2, "auth.login")]

    # the same agent again, logging in as soon as logoutHandler has said success
    page.evaluate("ameyo.integration.doLogout()")
    assert wait_for_handler(page, "logoutHandler", 2)[0] == "success"
    page.evaluate(f"ameyo.integration.doLogin('agent2', 'agent2', '{PASSWORD}')")
    logged_in_as(page, "Agent 2", 3)

    # back to the first agent, from within the CRM's logoutHandler itself
    page.evaluate(
        "ameyo.integration.registerCustomFunction('logoutHandler', {logoutHandler: function () {"
        f"  ameyo.integration.doLogin('agent1', 'agent1', '{PASSWORD}');"
        "}});"
        "ameyo.integration.doLogout()"
    )
    logged_in_as(page, "Agent 1", 4)

    assert [call[0] for call in handler_calls(page, "loginHandler")] == ["success"] * 4
    sessions = server.query("SELECT agent_id, end_reason FROM sessions ORDER BY created_at")
    assert [(s["agent_id"], s["end_reason"]) for s in sessions] == [
        ("agent1", "agent logout"),
        ("agent2", "agent logout"),
        ("agent2", "agent logout"),
        ("agent1", None),
    ]


def test_empty_credentials_are_refused_before_anything_is_sent(
    page: Page, frames: SentFrames, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"
    toolbar = page.frame_locator("#ameyoIframe")

    empty = [("agent1", ""), ("agent1", "   "), ("", "agent1"), ("  ", "agent1")]
    for attempt, (username, password) in enumerate(empty, start=1):
        page.evaluate(
            "([user, secret, policy]) => ameyo.integration.doLogin(user, secret, policy)",
            [username, password, PASSWORD],
        )
        refusal = wait_for_handler(page, "loginHandler", attempt)[0]
        assert refusal == "username or password empty", (username, password)
        expect(toolbar.get_by_test_id("error")).to_have_text("username or password empty")

    # nothing went to the server: no login frame, no login attempt in the audit log
    assert frames.logins() == 0
    assert server.query("SELECT action FROM audit_log WHERE action LIKE '%login%'") == []
    # and a real login after them goes through as usual
    page.evaluate(f"ameyo.integration.doLogin('agent1', 'agent1', '{PASSWORD}')")
    logged_in_as(page, "Agent 1", len(empty) + 1)
    assert frames.logins() == 1


def test_a_request_made_while_the_socket_is_down_goes_out_after_the_resume(
    page: Page, frames: SentFrames, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, _ = crm_and_agentbar
    page.context.add_init_script(OFFLINE_SWITCH)
    page.clock.install(time=time.time())
    page.goto(crm.url("/crm/contacts"))
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    frame = next(f for f in page.frames if "toolbar-crm.htm" in f.url)

    # the connection drops; time stands still, so the toolbar's reconnect waits its backoff
    page.clock.pause_at(time.time() + 1)
    frame.evaluate("window.__offline = true; window.__sockets.at(-1).close()")
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "reconnecting")
    before = len(frames.sent)
    page.evaluate("ameyo.integration.getDispositionCodes()")
    toolbar_has_read_its_messages(page)
    frame.evaluate("window.__offline = false")
    assert frames.after(before) == []  # it waits: nothing sent, nothing failed
    assert handler_calls(page, "handleFailedDispositionNotifyGeneric") == []

    page.clock.run_for(300)  # the first backoff step: the socket opens again
    codes = wait_for_handler(page, "handleDispositionCodes")[0]
    assert codes[0]["dispositionClass"] == "Resolved"
    # on the new socket, the session is resumed first, then the request that waited goes out
    [(socket, first), (same_socket, then)] = frames.after(before)
    assert (first, then) == ("auth.resume", "disposition.list")
    assert same_socket == socket
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "online")
