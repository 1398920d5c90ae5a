"""CRM single sign-on from a CRM page in real Chromium: two origins and a real fake CRM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.crm import crm_pages, wait_for_handler
from tests.support.fake_crm import FakeCrm, fake_crm
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser


@pytest.fixture
def crm_sso_and_agentbar(tmp_path: Path) -> Iterator[tuple[PageServer, FakeCrm, AgentbarServer]]:
    """The fixture CRM page on one origin, its SSO endpoint, and agentbar asking it."""
    base: list[str] = []
    with (
        fake_crm() as sso,
        page_server(crm_pages(lambda: base[0])) as crm,
        agentbar_server(
            tmp_path / "agentbar", [crm.origin], {"AGENTBAR_CRM_SSO_URL": sso.url}
        ) as server,
    ):
        base.append(server.base_url)
        yield crm, sso, server


def test_crm_login_refused_with_the_crms_message_then_accepted(
    page: Page, crm_sso_and_agentbar: tuple[PageServer, FakeCrm, AgentbarServer]
) -> None:
    crm, sso, server = crm_sso_and_agentbar
    page.goto(crm.url("/crm/contacts"))
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"

    page.evaluate("ameyo.integration.doLogin('agent1', 'not-it', 'AUTH_TYPE_CRM_HTTP')")
    assert wait_for_handler(page, "loginHandler")[0] == "wrong CRM password"

    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_CRM_HTTP')")
    assert wait_for_handler(page, "loginHandler", 2)[0] == "success"
    assert wait_for_handler(page, "loginStatusHandler", 2)[0] == "logged in"
    assert [r["userId"] for r in sso.requests("login")] == ["agent1", "agent1"]
    [row] = server.query("SELECT crm_session_id FROM sessions WHERE ended_at IS NULL")
    assert row["crm_session_id"].startswith("crm-")

    page.evaluate("ameyo.integration.doLogout()")
    wait_for_handler(page, "logoutHandler")
    [logout] = sso.wait_for("logout", 1)
    assert logout["crmSessionId"] == row["crm_session_id"]
