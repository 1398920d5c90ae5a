"""The slice in real Chromium: a CRM page on one origin, agentbar on another, no mocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.crm import crm_pages, handler_calls, static_page, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser


@pytest.fixture
def attacker() -> Iterator[PageServer]:
    with page_server(static_page("attacker.html")) as third_origin:
        yield third_origin


@pytest.fixture
def crm_and_agentbar(
    tmp_path: Path, attacker: PageServer
) -> Iterator[tuple[PageServer, AgentbarServer]]:
    base: list[str] = []
    widget = f'<iframe id="widget" src="{attacker.url("/widget")}"></iframe>'
    with (
        page_server(crm_pages(lambda: base[0], widget)) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        yield crm, server


def test_login_call_screen_pop_and_disposition_through_every_layer(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/contacts?view=all&sort=name"))
    wait_for_handler(page, "onLoadHandler")
    assert wait_for_handler(page, "loginStatusHandler")[0] == "logged out"

    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
    assert wait_for_handler(page, "loginHandler")[0] == "success"
    assert wait_for_handler(page, "loginStatusHandler", 2)[0] == "logged in"
    status, extension = wait_for_handler(page, "selectExtensionHandler")
    assert status == "success"
    assert extension == {"extensionName": "SIP 1001", "phone": "1001"}

    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
    campaign = wait_for_handler(page, "selectCampaignHandler")
    assert campaign[0].startswith("Inbound Support(")
    toolbar.get_by_test_id("ready").click()
    assert wait_for_handler(page, "readyHandler")[0] == "available"
    expect(toolbar.get_by_test_id("status")).to_have_text("ready")

    call_id = server.place_call("+14085551212")
    phone, params, request_id = wait_for_handler(page, "showCrm")
    assert phone == "+14085551212"
    assert params["callType"] == "inbound"
    assert params["callId"] == call_id
    assert params["campaignName"] == "Inbound Support"
    assert params["userCrtObjectId"] != params["customerCrtObjectId"]
    assert wait_for_handler(page, "setRecordInfoForShowCrmCallback") == [
        {"result": {"status": "success"}}
    ]
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")

    server.customer_hangs_up(call_id)
    status, crt = wait_for_handler(page, "hangupHandler")
    assert status == "success"
    assert crt["userCrtObjectId"] == params["userCrtObjectId"]
    assert crt["customerCrtObjectId"] == params["customerCrtObjectId"]

    page.evaluate("ameyo.integration.getDispositionCodes()")
    [codes] = wait_for_handler(page, "handleDispositionCodes")
    assert codes == [
        {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]},
        {"dispositionClass": "Follow Up", "dispositionCodes": ["Callback", "Escalated"]},
    ]
    assert wait_for_handler(page, "getDispositionCodesHandler") == [codes]

    page.evaluate("ameyo.integration.disposeCallByDisposition('Sale')")
    assert wait_for_handler(page, "handleDisposeCallByDispositionCode")[0] == "success"
    expect(toolbar.get_by_test_id("status")).to_have_text("ready")

    page.evaluate("ameyo.integration.doLogout()")
    assert wait_for_handler(page, "logoutHandler")[0] == "success"
    expect(toolbar.get_by_test_id("login-username")).to_be_visible()

    [row] = server.query("SELECT * FROM calls WHERE call_id = ?", call_id)
    assert (row["state"], row["disposition_class"], row["disposition_code"]) == (
        "disposed",
        "Resolved",
        "Sale",
    )
    assert row["record_id"] == request_id
    assert row["agent_id"] == "agent1"
    [session] = server.query("SELECT end_reason FROM sessions")
    assert session["end_reason"] == "agent logout"
    assert handler_calls(page, "handleFailedDispositionNotifyGeneric") == []


def test_messages_from_a_third_origin_change_nothing(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer], attacker: PageServer
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/home"))
    wait_for_handler(page, "loginStatusHandler")
    widget = page.frame(url=attacker.url("/widget"))
    assert widget is not None

    def toolbar_refused(message: ConsoleMessage) -> bool:
        return f"ignored a message from {attacker.origin}" in message.text

    with page.expect_event("console", toolbar_refused) as refusal:
        widget.evaluate("attack()")
    assert "only the CRM page at" in refusal.value.text
    page.wait_for_function("window.__rawMessages.some(m => m.data.includes('attackerDone'))")

    # The forged loginHandler never reached the CRM's handlers, and no login happened.
    assert handler_calls(page, "loginHandler") == []
    assert server.query("SELECT count(*) AS n FROM sessions")[0]["n"] == 0
    toolbar = page.frame_locator("#ameyoIframe")
    expect(toolbar.get_by_test_id("login-username")).to_be_visible()
