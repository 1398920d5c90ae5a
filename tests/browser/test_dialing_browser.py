"""Click-to-dial and the dial box in real Chromium, CRM and agentbar on different origins."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.crm import log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser


def test_click_to_dial_and_the_dial_box_pop_the_record(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/leads"))
    log_in_to_campaign(page, "agent2", "Outbound Sales")
    toolbar = page.frame_locator("#ameyoIframe")

    # The integration guide's own example.
    page.evaluate("ameyo.integration.doDial('+14085551212', 'cust 567', { leadsource: 'web' })")
    phone, params, request_id = wait_for_handler(page, "showCrm")
    assert phone == "+14085551212"
    assert params["callType"] == "click_to_dial"
    assert (params["customerId"], params["leadsource"]) == ("cust 567", "web")
    assert params["campaignName"] == "Outbound Sales"
    status, crt = wait_for_handler(page, "callInitiatedHandler")
    assert status == "success"
    assert crt["callId"] == params["callId"]
    assert wait_for_handler(page, "setRecordInfoForShowCrmCallback") == [
        {"result": {"status": "success"}}
    ]
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")
    toolbar.get_by_test_id("hangup").click()
    assert wait_for_handler(page, "hangupHandler")[1]["callId"] == params["callId"]
    page.evaluate("ameyo.integration.disposeNDial('Callback', '+14155550123')")
    reason = wait_for_handler(page, "handleFailedDispositionNotifyGeneric")[0]
    assert reason == "'Callback' cannot be used with dispose-and-dial in campaign 'Outbound Sales'"
    page.evaluate("ameyo.integration.disposeNDial('Sale', '+14155550123')")
    status, outcome = wait_for_handler(page, "handleDisposeCallByDispositionCode")
    assert (status, outcome["dialStatus"]) == ("success", "success")
    assert wait_for_handler(page, "showCrm", 2)[0] == "+14155550123"
    toolbar.get_by_test_id("hangup").click()
    wait_for_handler(page, "hangupHandler", 2)
    page.evaluate("ameyo.integration.disposeCallByDisposition('Callback')")
    wait_for_handler(page, "handleDisposeCallByDispositionCode", 2)

    # Prefill: the number waits in the dial box until the agent confirms.
    page.evaluate("ameyo.integration.populateNumberInDialBox('+1 415 555 0100')")
    dial_box = toolbar.get_by_test_id("dial-number")
    dial_box.wait_for()
    expect(dial_box).to_have_value("+1 415 555 0100")
    expect(toolbar.get_by_test_id("status")).to_have_text("not ready")
    toolbar.get_by_test_id("dial").click()
    phone, params, _ = wait_for_handler(page, "showCrm", 3)
    assert (phone, params["callType"]) == ("+14155550100", "manual")

    [row] = server.query("SELECT call_type, record_id FROM calls WHERE phone = '+14085551212'")
    assert (row["call_type"], row["record_id"]) == ("click_to_dial", request_id)


def test_a_click_to_dial_that_cannot_be_placed_says_why(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/leads"))
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate("ameyo.integration.doLogin('agent3', 'agent3', 'AUTH_TYPE_PASSWORD')")
    wait_for_handler(page, "selectExtensionHandler")
    page.evaluate("ameyo.integration.doDial('+14085551212', 'cust 1', {})")
    [reason] = wait_for_handler(page, "failedDoDialNotifyHandler")[:1]
    assert reason == "choose a campaign before dialling"
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("campaign-select").select_option(label="Outbound Sales")
    wait_for_handler(page, "selectCampaignHandler")
    page.evaluate("ameyo.integration.doDial('not a number', 'cust 1', {})")
    reason = wait_for_handler(page, "failedDoDialNotifyHandler", 2)[0]
    assert "'not a number' is not a phone number" in reason
    assert server.query("SELECT count(*) AS n FROM calls")[0]["n"] == 0


def test_dispose_and_schedule_callback_from_the_crm(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/case/9"))
    log_in_to_campaign(page, "agent4", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
    call_id = server.place_call("+14085550077")
    wait_for_handler(page, "showCrm")
    server.customer_hangs_up(call_id)
    wait_for_handler(page, "hangupHandler")

    page.evaluate(
        "ameyo.integration.disposeAndScheduleCallback('+14085550077', true, 'next tuesday', {}, {})"
    )
    reason = wait_for_handler(page, "failedScheduleCallBackNotifyHandler")[0]
    assert reason == "callback time 'next tuesday' is not a date and time"
    assert wait_for_handler(page, "handleFailedDispositionNotifyGeneric")[0] == reason

    page.evaluate(
        "ameyo.integration.disposeAndScheduleCallback("
        "'+14085550077', true, Date.now() + 3600 * 1000, {ticket: 'T-9'}, 'wants a demo')"
    )
    status, details = wait_for_handler(page, "callbackSuccessNotifyHandler")
    assert status == "success"
    assert wait_for_handler(page, "handleDisposeCallByDispositionCode")[0] == "success"
    [row] = server.query("SELECT * FROM callbacks")
    assert row["callback_id"] == details["callbackId"]
    assert (row["for_agent"], row["phone"], row["state"]) == ("agent4", "+14085550077", "scheduled")
    [disposed] = server.query("SELECT disposition_code, disposition_note FROM calls")
    assert (disposed["disposition_code"], disposed["disposition_note"]) == (
        "Callback",
        "wants a demo",
    )
