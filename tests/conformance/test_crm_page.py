"""The kit's view of a CRM page in real Chromium: what the observer noted survives the page's
own navigations, and reading it while one is under way waits for the new document instead of
failing on the old one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright

from agentbar.conformance.observer import OBSERVER_JS, RECORDS_KEY
from agentbar.conformance.page import CrmPage
from agentbar.conformance.runner import CHROMIUM, CHROMIUM_FLAGS
from tests.support.servers import page_server

pytestmark = pytest.mark.browser

# A CRM that reloads itself over and over, as the sample CRM does once on a logout.
RESTLESS_PAGE = """<!doctype html><title>restless</title>
<script>
  var kit = window.__agentbarKit;
  if (!kit.records.some(function (r) { return r.kind === "mark"; })) {
    kit.records.push({ kind: "mark", t: 1 });
    sessionStorage.setItem("__KEY__", JSON.stringify(kit.records));
  }
  setTimeout(function () { location.reload(); }, 15);
</script>""".replace("__KEY__", RECORDS_KEY)


@pytest.fixture
def restless_page() -> Iterator[Page]:
    with page_server(lambda path: RESTLESS_PAGE) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or CHROMIUM, args=CHROMIUM_FLAGS
        )
        try:
            context = browser.new_context()
            context.add_init_script(OBSERVER_JS)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.port}/")
            yield page
        finally:
            browser.close()


def test_notes_are_read_through_the_pages_own_reloads(restless_page: Page) -> None:
    crm = CrmPage(restless_page, timeout=5.0)
    for _ in range(50):  # 50 reads across a page that reloads every ~15 ms
        assert any(r["kind"] == "mark" for r in crm.records())
        assert crm.now() > 0
