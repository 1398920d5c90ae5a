"""The screen pop as a CRM page sees it: Chromium, a CRM page on its own origin with the glue
script and the toolbar iframe, the time from placing a call to the page's `showCrm` running.

The bench stamps `time.time()` just before its POST; the page stamps `Date.now()` in its
handler; both read the same machine clock.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Frame, Page, sync_playwright

from bench.agents import login_token
from bench.server import ADMIN_TOKEN, BROWSER_AGENT, BROWSER_CAMPAIGN, BenchServer
from bench.stats import summary_ms
from tests.support.servers import PageServer, page_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGE = Path(__file__).parent / "pages" / "crm.html"


@contextmanager
def crm_page_server() -> Iterator[tuple[PageServer, Callable[[str], None]]]:
    """The CRM page server, and a setter for agentbar's address (known only once it runs)."""
    base: list[str] = [""]
    template = PAGE.read_text()

    def render(path: str) -> str | None:
        return template.replace("{{AGENTBAR}}", base[0]) if path.startswith("/crm") else None

    def set_base(url: str) -> None:
        base[0] = url

    with page_server(render) as server:
        yield server, set_base


def _toolbar(page: Page) -> Frame:
    frame: Frame | None = None
    for candidate in page.frames:
        if "toolbar-crm.htm" in candidate.url:
            frame = candidate
    if frame is None:
        raise RuntimeError("the toolbar iframe did not load")
    return frame


def wait_status(toolbar: Frame, status: str) -> None:
    toolbar.wait_for_function(
        "s => document.querySelector('[data-testid=status]').textContent.trim() === s",
        arg=status,
    )


def chromium() -> str:
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's chromium is not installed (scripts/setup --browser)")
    return executable


def ready_on_page(page: Page, crm: PageServer) -> Frame:
    """The CRM page loaded, the browser agent logged in through it (a login token) and ready;
    returns the toolbar's frame."""
    page.set_default_timeout(30_000)
    page.goto(crm.url("/crm"))
    page.wait_for_function("window.__handlerCalls.some(c => c.name === 'loginStatusHandler')")
    token = login_token(BROWSER_AGENT)
    page.evaluate(
        "([u, t]) => ameyo.integration.doLogin(u, t, 'AUTH_TYPE_TOKEN')", [BROWSER_AGENT, token]
    )
    page.wait_for_function("window.__handlerCalls.some(c => c.name === 'selectExtensionHandler')")
    toolbar = _toolbar(page)
    toolbar.get_by_test_id("ready").click()
    return toolbar


def measure(server: BenchServer, crm: PageServer, calls: int) -> dict[str, Any]:
    """Log the browser agent in through the page, then place `calls` calls one at a time."""
    executable = chromium()
    latencies: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        toolbar = ready_on_page(page, crm)
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ) as admin:
            for i in range(calls):
                wait_status(toolbar, "ready")
                placed = time.time()
                response = admin.post(
                    "/api/v1/simulator/calls",
                    json={"from": "+14155550100", "campaign": BROWSER_CAMPAIGN},
                )
                response.raise_for_status()
                page.wait_for_function("n => window.__pops.length >= n", arg=i + 1)
                popped_ms: float = page.evaluate(f"window.__pops[{i}].at")
                latencies.append(popped_ms / 1000 - placed)
                admin.post(
                    f"/api/v1/simulator/calls/{response.json()['callId']}/hangup"
                ).raise_for_status()
        browser.close()
    return {"browser_screen_pop_ms": summary_ms(latencies)}
