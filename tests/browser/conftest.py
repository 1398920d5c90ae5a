"""Real Chromium through Playwright, Debian's build, for every browser test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.crm import crm_pages
from tests.browser.phone import AGENT_TONE, write_tone_48k
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


def launch_chromium(playwright: Playwright, *extra_args: str) -> Browser:
    """Debian's Chromium with the suite's flags (and `extra_args`)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run scripts/test, which installs it")
    return playwright.chromium.launch(
        executable_path=executable, args=[*CHROMIUM_ARGS, *extra_args]
    )


def fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a context of its own (no storage shared with other tests), closed after."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright_session)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from fresh_page(browser)


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


CRM_HOST = "crm.test"
"""A CRM on another *site* than agentbar's: a browser launched with RESOLVE_CRM_HOST maps it
to 127.0.0.1, and Chromium runs the toolbar's frame in a process of its own, as in production."""
RESOLVE_CRM_HOST = f"--host-resolver-rules=MAP {CRM_HOST} 127.0.0.1"


@pytest.fixture
def cross_site(tmp_path: Path) -> Iterator[tuple[str, AgentbarServer]]:
    """The CRM's URL on CRM_HOST, and agentbar on 127.0.0.1 allowing that origin."""
    base: list[str] = []
    with page_server(crm_pages(lambda: base[0])) as crm:
        crm_origin = f"http://{CRM_HOST}:{crm.port}"
        with agentbar_server(tmp_path / "agentbar", [crm_origin]) as server:
            base.append(server.base_url)
            yield f"{crm_origin}/crm/contacts", server


@pytest.fixture
def phone_browser(playwright_session: Playwright, tmp_path: Path) -> Iterator[Browser]:
    """Chromium whose microphone plays a tone at AGENT_TONE, allowed without asking."""
    tone = write_tone_48k(tmp_path / "agent.wav", AGENT_TONE)
    browser = launch_chromium(
        playwright_session,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={tone}",
        "--autoplay-policy=no-user-gesture-required",
    )
    yield browser
    browser.close()
