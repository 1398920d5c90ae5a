"""A large center in real Chromium (CRM and agentbar on two origins): no menu of every
extension; the agent types one, the CRM names one by phone, a wrong one is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.crm import crm_pages, wait_for_handler
from tests.integration.test_extensions_socket import many_extensions
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser


@pytest.fixture
def large_center(tmp_path: Path) -> Iterator[tuple[PageServer, AgentbarServer]]:
    base: list[str] = []
    with (
        page_server(crm_pages(lambda: base[0])) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin], provision=many_extensions) as server,
    ):
        base.append(server.base_url)
        yield crm, server


def test_an_agent_types_an_extension_and_the_crm_names_one_by_phone(
    page: Page, large_center: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = large_center
    page.goto(crm.url("/crm/contacts"))
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
    assert wait_for_handler(page, "loginHandler")[0] == "success"
    # The test CRM answers the toolbar's getExtensionInfo with SIP 1001 at login.
    reason, info = wait_for_handler(page, "selectExtensionHandler")
    assert (reason, info) == ("success", {"extensionName": "SIP 1001", "phone": "1001"})
    toolbar = page.frame_locator("#ameyoIframe")
    expect(toolbar.get_by_test_id("extension-select")).to_be_hidden()
    expect(toolbar.get_by_test_id("extension-input")).to_have_value("SIP 1001")

    toolbar.get_by_test_id("extension-input").fill("70042")
    toolbar.get_by_test_id("extension-set").click()
    reason, info = wait_for_handler(page, "modifyExtensionHandler")
    assert (reason, info) == ("success", {"extensionName": "Desk 0042", "phone": "70042"})
    expect(toolbar.get_by_test_id("extension-input")).to_have_value("Desk 0042")

    page.evaluate("ameyo.integration.selectExtension('', '70099')")
    reason, info = wait_for_handler(page, "modifyExtensionHandler", 2)
    assert (reason, info) == ("success", {"extensionName": "Desk 0099", "phone": "70099"})

    toolbar.get_by_test_id("extension-input").fill("Desk 9999")
    toolbar.get_by_test_id("extension-set").click()
    reason, _ = wait_for_handler(page, "selectExtensionHandler", 2)
    assert reason == "extension 'Desk 9999' is not provisioned"
    [row] = server.query("SELECT count(*) AS n FROM events WHERE kind LIKE 'agent.extension%'")
    assert row["n"] == 3
