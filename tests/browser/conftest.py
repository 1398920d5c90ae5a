"""Real Chromium through Playwright, Debian's build, for every browser test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.crm import crm_pages
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


# Module scope, not session: Playwright's sync API keeps an event loop running while it is
# open, and the asyncio tests that follow the browser tests need the thread's loop free.
@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run scripts/test, which installs it")
    browser = playwright_session.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def crm_and_agentbar(tmp_path: Path) -> Iterator[tuple[PageServer, AgentbarServer]]:
    """The fixture CRM on one origin and agentbar (demo data) on another, which allows it."""
    base: list[str] = []
    with (
        page_server(crm_pages(lambda: base[0])) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        yield crm, server
