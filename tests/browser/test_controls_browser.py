"""The toolbar controls no other browser test drives, each checked against the server and the
CRM page: extension change, hold, a consult cancelled then completed, preview dial and skip,
and a callback time chosen in wrap-up."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.crm import handler_calls, log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser


def events(server: AgentbarServer, kind: str) -> list[dict[str, Any]]:
    with server.admin() as admin:
        page = admin.get("/api/v1/events", params={"limit": 1000}).json()
    return [e for e in page["events"] if e["event"] == kind]


def on_a_call(page: Page, crm: PageServer, server: AgentbarServer) -> tuple[FrameLocator, str]:
    page.goto(crm.url("/crm/desk"))
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    call_id = server.place_call("+14085551212")
    wait_for_handler(page, "showCrm")
    return toolbar, call_id


def test_extension_hold_and_a_consult_cancelled_then_completed(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/desk"))
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("extension-select").select_option("SIP 1002")
    status, info = wait_for_handler(page, "modifyExtensionHandler")
    assert (status, info) == ("success", {"extensionName": "SIP 1002", "phone": "1002"})

    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    call_id = server.place_call("+14085551212")
    wait_for_handler(page, "showCrm")

    hold = toolbar.get_by_test_id("hold")
    hold.click()
    expect(hold).to_have_text("Resume")
    hold.click()
    expect(hold).to_have_text("Hold")
    assert [e["callId"] for e in events(server, "call.held")] == [call_id]
    assert [e["callId"] for e in events(server, "call.resumed")] == [call_id]

    # A consult: the target answers (simulated phones do), then the agent cancels it...
    toolbar.get_by_test_id("transfer-kind").select_option("incall")
    toolbar.get_by_test_id("transfer-target").fill("+1 415 555 0142")
    toolbar.get_by_test_id("transfer").click()
    reason, first = wait_for_handler(page, "transferInCallHandler")
    assert reason == "transfer to phone incall request sent"
    legs = toolbar.get_by_test_id("legs")
    expect(legs).to_contain_text("+14155550142")
    toolbar.get_by_test_id("transfer-cancel").click()
    expect(toolbar.get_by_test_id("leg-drop")).to_have_count(0)
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")

    # ...and a second consult is completed: the customer goes to the target, the agent leaves.
    toolbar.get_by_test_id("transfer").click()
    _, second = wait_for_handler(page, "transferInCallHandler", 2)
    assert second["legCrtObjectId"] != first["legCrtObjectId"]
    expect(legs).to_contain_text("+14155550142")
    toolbar.get_by_test_id("transfer-complete").click()
    status, crt = wait_for_handler(page, "hangupHandler")
    assert crt["callId"] == call_id
    expect(toolbar.get_by_test_id("status")).to_have_text("wrap-up")
    finished = [e["data"]["outcome"] for e in events(server, "call.transfer_finished")]
    assert finished == ["cancelled", "completed"]


def test_preview_dial_and_skip(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    leads = [{"phone": "+14155550101", "name": "Ada"}, {"phone": "+14155550102", "name": "Grace"}]
    with server.admin() as admin:
        added = admin.post("/api/v1/campaigns/Outbound Sales/leads", json={"leads": leads})
    first, second = added.json()["leadIds"]
    page.goto(crm.url("/crm/leads"))
    log_in_to_campaign(page, "agent2", "Outbound Sales")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    card = toolbar.get_by_test_id("preview")
    expect(card).to_contain_text("Ada")
    toolbar.get_by_test_id("preview-skip").click()
    expect(card).to_contain_text("Grace")
    toolbar.get_by_test_id("preview-dial").click()
    phone, params, _ = wait_for_handler(page, "showCrm")
    assert (phone, params["callType"], params["leadId"]) == ("+14155550102", "preview", second)
    states = {r["lead_id"]: r["state"] for r in server.query("SELECT lead_id, state FROM leads")}
    assert states == {first: "skipped", second: "dialled"}


def test_a_callback_time_chosen_in_wrap_up_schedules_a_callback(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    toolbar, call_id = on_a_call(page, crm, server)
    toolbar.get_by_test_id("hangup").click()
    wait_for_handler(page, "hangupHandler")
    toolbar.get_by_test_id("disposition-code").select_option("Callback")
    # Two days ahead, written as the agent's datetime-local input holds it (local time).
    when: str = page.evaluate(
        """(() => {
            const d = new Date(Date.now() + 2 * 86400000);
            const p = (n) => String(n).padStart(2, '0');
            return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T09:30`;
        })()"""
    )
    toolbar.get_by_test_id("callback-time").fill(when)
    toolbar.get_by_test_id("dispose").click()
    expect(toolbar.get_by_test_id("status")).to_have_text("ready")
    [row] = server.query("SELECT for_agent, phone, state, due_at FROM callbacks")
    assert (row["for_agent"], row["phone"], row["state"]) == ("agent1", "+14085551212", "scheduled")
    due = page.evaluate("(w) => new Date(w).getTime() / 1000", when)
    assert row["due_at"] == pytest.approx(due)
    [disposed] = server.query("SELECT disposition_code FROM calls WHERE call_id = ?", call_id)
    assert disposed["disposition_code"] == "Callback"
    assert handler_calls(page, "handleFailedDispositionNotifyGeneric") == []
