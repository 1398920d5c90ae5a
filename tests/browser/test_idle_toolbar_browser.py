"""A toolbar left on its login form, in real Chromium (CRM and agentbar on different origins),
against a server that closes a socket not logged in within its deadline
(AGENTBAR_SOCKET_AUTH_TIMEOUT, here 1 s): the toolbar holds no socket open while logged out,
so it is not closed and reconnected every deadline, never shows "reconnecting", and a login
opens a socket when it needs one. A session logged in by another tab is picked up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.crm import crm_pages, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser

PASSWORD = "AUTH_TYPE_PASSWORD"
AUTH_TIMEOUT_S = 1

# In every frame: what the toolbar's connection dot and status ever said, in `window.__seen`.
WATCH_CONNECTION = """
(() => {
  window.__seen = [];
  document.addEventListener("DOMContentLoaded", () => {
    const dot = document.getElementById("connection");
    const status = document.getElementById("status");
    if (!dot || !status) return;
    const note = () => window.__seen.push(`${dot.dataset.state}|${status.textContent}`);
    note();
    const watch = new MutationObserver(note);
    watch.observe(dot, { attributes: true });
    const text = { attributes: true, childList: true, characterData: true, subtree: true };
    watch.observe(status, text);
  });
})();
"""


@pytest.fixture
def crm_and_strict_agentbar(tmp_path: Path) -> Iterator[tuple[PageServer, AgentbarServer]]:
    """The fixture CRM and agentbar on two origins; agentbar closes unauthenticated sockets
    after AUTH_TIMEOUT_S."""
    base: list[str] = []
    env = {"AGENTBAR_SOCKET_AUTH_TIMEOUT": str(AUTH_TIMEOUT_S)}
    with (
        page_server(crm_pages(lambda: base[0])) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin], extra_env=env) as server,
    ):
        base.append(server.base_url)
        yield crm, server


def count_sockets(page: Page) -> list[str]:
    """The URLs of the sockets the page (and its frames) open from now on."""
    opened: list[str] = []
    page.on("websocket", lambda socket: opened.append(socket.url))
    return opened


def toolbar_seen(page: Page) -> list[str]:
    frame = next(f for f in page.frames if "toolbar-crm.htm" in f.url)
    seen: list[str] = frame.evaluate("window.__seen")
    return seen


@pytest.mark.slow
def test_a_toolbar_on_its_login_form_holds_no_socket_and_a_login_opens_one(
    page: Page, crm_and_strict_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, _ = crm_and_strict_agentbar
    page.context.add_init_script(WATCH_CONNECTION)
    sockets = count_sockets(page)
    page.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"

    # three of the server's login deadlines on the login form: what is watched is that
    # nothing happens (no socket closed and reopened), so only waiting shows it
    page.wait_for_timeout(3 * AUTH_TIMEOUT_S * 1000)
    assert len(sockets) <= 1
    seen = toolbar_seen(page)
    assert not any("reconnecting" in state for state in seen), seen

    # a login from the CRM opens a socket, waits for it, and is served
    page.evaluate(f"ameyo.integration.doLogin('agent1', 'agent1', '{PASSWORD}')")
    assert wait_for_handler(page, "loginHandler")[0] == "success"
    toolbar = page.frame_locator("#ameyoIframe")
    expect(toolbar.locator("#agent-name")).to_have_text("Agent 1")
    # logged in, the socket is held past the deadline: the session stays, nothing reconnects
    page.wait_for_timeout(2 * AUTH_TIMEOUT_S * 1000)
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "online")
    assert len(sockets) <= 2
    assert not any("reconnecting" in state for state in toolbar_seen(page))


@pytest.mark.slow
def test_an_idle_toolbar_picks_up_a_session_logged_in_by_another_tab(
    page: Page, crm_and_strict_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, _ = crm_and_strict_agentbar
    page.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"
    # past the deadline: whatever socket the load opened is gone, the toolbar is idle
    page.wait_for_timeout(2 * AUTH_TIMEOUT_S * 1000)

    other = page.context.new_page()
    other.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(other, "loginStatusHandler")[0] == "logged out"
    other.evaluate(f"ameyo.integration.doLogin('agent1', 'agent1', '{PASSWORD}')")
    assert wait_for_handler(other, "loginHandler")[0] == "success"

    # the first tab connects and resumes the shared session
    toolbar = page.frame_locator("#ameyoIframe")
    expect(toolbar.locator("#agent-name")).to_have_text("Agent 1")
    expect(toolbar.get_by_test_id("connection")).to_have_attribute("data-state", "online")
    other.close()
