"""The toolbar in a CRM page the agent has put behind another tab, or in a visible CRM page that
has scrolled the toolbar out of view or collapsed it, in real Chromium with the CRM page and
agentbar on different origins (in one test, different sites). Neither gets animation frames in
the toolbar's frame (a hidden page draws none; a cross-origin frame out of view, display:none,
or, out of process, visibility:hidden, gets none), so the toolbar draws the views it is sent on
a timer there, and a draw that was waiting when the page was hidden is drawn at once on
`visibilitychange` (toolbar.js, `renderSoon` and `start`).

The pages are hidden for real: another tab of the same window is brought to the front, and
Chromium reports the CRM page's documents (the toolbar's frame among them) "hidden", fires
`visibilitychange` and gives them no animation frames. Not through the suite's usual `page`
fixture, though: Playwright turns on CDP focus emulation (`Emulation.setFocusEmulationEnabled`)
for every page it opens, and Chromium keeps a page with focus emulation visible, whichever tab
is in front (and whether its window is minimised). So the Chromium here is launched as the
suite's is, with a DevTools port, and driven by a second Playwright connection over CDP with
`no_defaults=True`, which opens pages in the browser's default context without that emulation.
Nothing in the page is replaced: the scripts below only watch (they call the native functions).

Waits in the toolbar's frame poll on a timer, with predicates written as functions: Playwright
polls on animation frames unless told otherwise, and evaluates a predicate written as an
expression with the page's `eval` at every poll after the first, which the toolbar's CSP
(`script-src 'self'`) refuses; a function is evaluated once, by DevTools, and then only called.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, Playwright, expect

import agentbar
from examples.services.ports import free_port
from tests.browser.conftest import RESOLVE_CRM_HOST, launch_chromium
from tests.browser.crm import log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser

# In every frame, watching only: the animation frames asked for and those that came
# (`window.__frames`), the agent's state in each `view` frame the socket received
# (`window.__views`) and the status as the toolbar left it once it had handled the frame
# (`window.__statusAfterView`: the view's state, the state shown, whether it is marked due),
# and, for each `visibilitychange`, the state it reports and the status the toolbar shows
# before and after the toolbar's own listener (`window.__visibilityChanges`: the event is
# dispatched at the document, where the toolbar listens; a capturing listener on the window
# runs before it, a bubbling one after it).
WATCH = """
(() => {
  const ask = window.requestAnimationFrame.bind(window);
  window.__frames = { asked: 0, came: 0 };
  window.requestAnimationFrame = (callback) => {
    window.__frames.asked += 1;
    return ask((time) => {
      window.__frames.came += 1;
      callback(time);
    });
  };
  const Native = window.WebSocket;
  window.__views = [];
  window.__statusAfterView = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", (message) => {
        const frame = JSON.parse(message.data);
        if (!("view" in frame)) return;
        const state = frame.view.agent?.state ?? null;
        window.__views.push(state);
        // A task later: after the toolbar's own listener, before its draw on a frame or timer.
        setTimeout(() => {
          const status = document.getElementById("status");
          const shown = [status.dataset.state, status.hasAttribute("data-due")];
          window.__statusAfterView.push([state, ...shown]);
        }, 0);
      });
    }
  };
  window.__visibilityChanges = [];
  const status = () => document.getElementById("status")?.textContent;
  const before = () => window.__visibilityChanges.push([document.visibilityState, status()]);
  const after = () => window.__visibilityChanges.at(-1).push(status());
  window.addEventListener("visibilitychange", before, true);
  window.addEventListener("visibilitychange", after);
})();
"""

# How often a wait polls in the toolbar's frame: Playwright's default polls on animation
# frames, which a hidden page, or a toolbar out of view, never has.
POLL_MS = 50

# What the CRM page does to take the toolbar out of view: collapse its div, or make it invisible.
COLLAPSE = "document.getElementById('ameyoIframeDiv').style.display = 'none'"
MAKE_INVISIBLE = "document.getElementById('ameyoIframeDiv').style.visibility = 'hidden'"

TOOLBAR_JS = Path(agentbar.__file__).parent / "static" / "toolbar" / "toolbar.js"

# A breakpoint condition that holds the page's main thread for HOLD_MS where it is hit, says so
# on the console first, and lets the script go on (false: no pause, which would let Chromium
# change the page's visibility without firing `visibilitychange`). Held, the page runs nothing
# else: a tab brought to the front meanwhile hides it right after, its `visibilitychange`
# coming within a few milliseconds (an animation frame Chromium had already asked of the page
# may come first).
HOLD_MS = 1000
HELD = "agentbar-test: held"
HOLD = f"""(() => {{
  console.log("{HELD}");
  const until = Date.now() + {HOLD_MS};
  while (Date.now() < until);
  return false;
}})()"""


@pytest.fixture(scope="module")
def hidable_browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Chromium launched as the suite's, attached to over CDP without Playwright's defaults, so
    the pages of its default context have no focus emulation and a tab behind another is
    hidden (see the module's docstring). It resolves the cross-site CRM's host to 127.0.0.1."""
    port = free_port()
    launched = launch_chromium(
        playwright_session,
        f"--remote-debugging-port={port}",
        RESOLVE_CRM_HOST,
    )
    try:
        attached = playwright_session.chromium.connect_over_cdp(
            f"http://127.0.0.1:{port}", no_defaults=True
        )
        yield attached
        attached.close()
    finally:
        launched.close()


@pytest.fixture
def tabs(hidable_browser: Browser) -> Iterator[BrowserContext]:
    """The browser's one window (its default context); the tabs a test opens are closed after.
    Each test's agentbar listens on a port of its own, so no storage carries over."""
    context = hidable_browser.contexts[0]
    yield context
    for tab in context.pages:
        tab.close()


def toolbar_frame(page: Page) -> Frame:
    return next(f for f in page.frames if "toolbar-crm.htm" in f.url)


def watched(frame: Frame, name: str) -> Any:
    return frame.evaluate(f"window.{name}")


def ready_in_inbound(tabs: BrowserContext, crm_url: str) -> Page:
    """A CRM tab in front, agent1 logged in to Inbound Support and ready, all of it drawn."""
    page = tabs.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(WATCH)
    page.goto(crm_url)
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    expect(toolbar.get_by_test_id("status")).to_have_text("ready")
    return page


def bring_another_tab_to_front(tabs: BrowserContext) -> Page:
    """The agent switches to another tab of the window: the CRM tab behind it is hidden."""
    other = tabs.new_page()
    other.bring_to_front()
    return other


def toolbar_gets_no_frames(page: Page, frame: Frame, hide_it: str) -> None:
    """The CRM page runs `hide_it`, which takes the toolbar out of view; after two frames of the
    CRM page's own, Chromium gives the toolbar's frame no more, and a frame asked for in it
    now never comes (`__frames` counts from here)."""
    page.evaluate(hide_it)
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    frame.evaluate("window.__frames = { asked: 0, came: 0 }; requestAnimationFrame(() => {})")


def a_call_is_drawn_without_frames(page: Page, server: AgentbarServer) -> None:
    """A call comes and goes in the visible CRM page, and the toolbar draws it all, though its
    frame has no animation frame meanwhile."""
    frame = toolbar_frame(page)
    status = page.frame_locator("#ameyoIframe").get_by_test_id("status")
    call_id = server.place_call("+14085551212")
    expect(status).to_have_text("on call")
    server.customer_hangs_up(call_id)
    expect(status).to_have_text("wrap-up")

    assert frame.evaluate("document.visibilityState") == "visible"
    assert watched(frame, "__frames")["came"] == 0


def test_a_hidden_crm_page_still_draws_the_views_its_toolbar_is_sent(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    frame = toolbar_frame(page)
    bring_another_tab_to_front(tabs)
    frame.wait_for_function("() => document.visibilityState === 'hidden'", polling=POLL_MS)
    # A frame asked for now would never come while the page is hidden.
    frame.evaluate("window.__frames = { asked: 0, came: 0 }; requestAnimationFrame(() => {})")

    status = page.frame_locator("#ameyoIframe").get_by_test_id("status")
    call_id = server.place_call("+14085551212")
    expect(status).to_have_text("on call")
    server.customer_hangs_up(call_id)
    expect(status).to_have_text("wrap-up")

    # All of it drawn in the hidden page, which had no animation frame meanwhile.
    assert frame.evaluate("document.visibilityState") == "hidden"
    assert watched(frame, "__frames")["came"] == 0


def test_a_draw_due_when_the_page_is_hidden_is_drawn_at_once_on_visibilitychange(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    frame = toolbar_frame(page)
    status = page.frame_locator("#ameyoIframe").get_by_test_id("status")
    # The other tab is opened first (opening a tab brings it to the front), so that bringing it
    # to the front later is quick.
    other = tabs.new_page()
    page.bring_to_front()
    frame.wait_for_function("() => document.visibilityState === 'visible'", polling=POLL_MS)
    # The CRM page has collapsed the toolbar: a view waits for a frame that never comes, and
    # for the timer standing in (FRAME_FALLBACK_MS in toolbar.js, 100 ms). Not a toolbar in
    # view: its frame could come before the tab's hiding (see HOLD).
    toolbar_gets_no_frames(page, frame, COLLAPSE)
    frame.evaluate("window.__visibilityChanges = []")

    # The moment between the view's coming and its drawing, held open: the task handling the
    # call's first view is held where the toolbar asks for its frame, and the tab is put behind
    # the other meanwhile.
    lines = TOOLBAR_JS.read_text().splitlines()
    [line] = [n for n, text in enumerate(lines) if "requestAnimationFrame(draw)" in text]
    debugger = tabs.new_cdp_session(page)
    debugger.send("Debugger.enable")
    hold = debugger.send(
        "Debugger.setBreakpointByUrl",
        {
            "urlRegex": r"/ameyowebaccess/toolbar/static/toolbar\.js$",
            "lineNumber": line,
            "condition": HOLD,
        },
    )
    assert len(hold["locations"]) == 1
    with page.expect_console_message(lambda message: message.text == HELD):
        server.place_call("+14085551212")
    other.bring_to_front()
    debugger.send("Debugger.removeBreakpoint", {"breakpointId": hold["breakpointId"]})
    debugger.detach()

    frame.wait_for_function("() => window.__visibilityChanges.length > 0", polling=POLL_MS)
    [[state, before, after]] = watched(frame, "__visibilityChanges")
    assert state == "hidden"
    # When the page was hidden the view had come and waited, undrawn; it was drawn within the
    # visibilitychange itself, by the toolbar's listener, not later by the timer; and no
    # animation frame came.
    assert before == "ready", f"the tab went behind the other after the view was drawn ({before})"
    assert after != "ready"
    assert watched(frame, "__frames")["came"] == 0
    expect(status).to_have_text("on call")


def test_a_toolbar_scrolled_out_of_view_still_draws_the_views_it_is_sent(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    # The agent works in the CRM page, and scrolls it down past the toolbar at its top.
    page.get_by_role("heading", name="Fixture CRM").click()
    toolbar_gets_no_frames(
        page,
        toolbar_frame(page),
        "document.body.style.height = '500vh'; window.scrollTo(0, document.body.scrollHeight)",
    )
    a_call_is_drawn_without_frames(page, server)


def test_a_call_moves_the_toolbars_focus_without_scrolling_the_crm_page_back(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    frame = toolbar_frame(page)
    # The focus stays in the toolbar, where the agent pressed Ready (the button is gone since,
    # so nothing in it has the focus), while they scroll the CRM page down to read it, past
    # the toolbar at its top.
    assert frame.evaluate("document.hasFocus()")
    assert frame.evaluate("document.activeElement === document.body")
    page.evaluate("document.body.style.height = '500vh'; window.scrollTo(0, 2000)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0

    server.place_call("+14085551212")
    expect(page.frame_locator("#ameyoIframe").get_by_test_id("status")).to_have_text("on call")
    # A keyboard user's focus lands on a control the call shows, inside the toolbar (which one
    # depends on the views of the call drawn on the way: Hang up, or Hold once connected), and
    # the CRM page stays where the agent had it.
    frame.wait_for_function("() => document.activeElement !== document.body", polling=POLL_MS)
    assert frame.evaluate(
        "() => document.activeElement.matches('button, input, select')"
        " && document.activeElement.offsetParent !== null"
    )
    assert page.evaluate("window.scrollY") == scrolled


def test_a_collapsed_toolbar_still_draws_the_views_it_is_sent(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    toolbar_gets_no_frames(page, toolbar_frame(page), COLLAPSE)
    a_call_is_drawn_without_frames(page, server)


def test_a_cross_site_toolbar_made_invisible_still_draws_the_views_it_is_sent(
    tabs: BrowserContext, cross_site: tuple[str, AgentbarServer]
) -> None:
    # Out of process, a frame the CRM page sets visibility:hidden gets no animation frames
    # either, while an IntersectionObserver in it still reports it in view.
    crm_url, server = cross_site
    page = ready_in_inbound(tabs, crm_url)
    frame = toolbar_frame(page)
    assert frame.evaluate("window.__frames.came") > 0  # in view, it had frames
    toolbar_gets_no_frames(page, frame, MAKE_INVISIBLE)
    a_call_is_drawn_without_frames(page, server)


def test_a_status_a_newer_view_waits_to_replace_says_so(
    tabs: BrowserContext, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    # Whoever reads the toolbar's status from outside (the conformance kit) cannot tell a state
    # the agent has left from a current one, in the moment between a view's coming and its
    # drawing, unless the status says so (`data-due`).
    crm, server = crm_and_agentbar
    page = ready_in_inbound(tabs, crm.url("/crm/contacts"))
    frame = toolbar_frame(page)
    # Collapsed, the toolbar draws on its timer (FRAME_FALLBACK_MS, 100 ms): the moment is long.
    toolbar_gets_no_frames(page, frame, COLLAPSE)
    frame.evaluate("window.__statusAfterView = []")

    server.place_call("+14085551212")
    frame.wait_for_function(
        """() => {
          const status = document.getElementById("status");
          return status.dataset.state === "on_call" && !status.hasAttribute("data-due");
        }""",
        polling=POLL_MS,
    )
    seen = watched(frame, "__statusAfterView")
    # The call's first view came while the status still showed the agent ready, marked due.
    assert seen, "no view frame came"
    assert seen[0][0] != "ready"
    assert seen[0][1:] == ["ready", True]
