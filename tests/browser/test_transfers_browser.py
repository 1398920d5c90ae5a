"""A conference and a queue transfer from the toolbar's own controls, in real Chromium, with
the CRM page on another origin receiving conferWithPhoneHandler and transferToAQHandler."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.crm import handler_calls, log_in_to_campaign, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer

pytestmark = pytest.mark.browser


def test_a_conference_then_a_queue_transfer_reach_the_crm(
    page: Page, crm_and_agentbar: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.goto(crm.url("/crm/contacts"))
    log_in_to_campaign(page, "agent1", "Inbound Support")
    toolbar = page.frame_locator("#ameyoIframe")
    toolbar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")

    call_id = server.place_call("+14085551212")
    _, params, _ = wait_for_handler(page, "showCrm")
    assert params["callId"] == call_id

    # Conference a phone in: the agent stays on the call, with the party listed.
    toolbar.get_by_test_id("conference-kind").select_option("phone")
    toolbar.get_by_test_id("conference-target").fill("+1 415 555 0100")
    toolbar.get_by_test_id("conference").click()
    reason, info = wait_for_handler(page, "conferWithPhoneHandler")
    assert reason == "confer phone request sent"
    assert (info["callId"], info["phone"], info["campaignId"]) == (
        call_id,
        "+14085551212",
        params["campaignId"],
    )
    assert (info["userCrtObjectId"], info["customerCrtObjectId"]) == (
        params["userCrtObjectId"],
        params["customerCrtObjectId"],
    )
    leg_id = info["legCrtObjectId"]
    assert leg_id not in (None, params["userCrtObjectId"], params["customerCrtObjectId"])
    drop = toolbar.get_by_test_id("leg-drop")
    expect(drop).to_have_attribute("data-leg-id", leg_id)
    expect(toolbar.get_by_test_id("status")).to_have_text("on call")

    # A transfer while the party is on the call is refused, in place, and changes nothing.
    toolbar.get_by_test_id("transfer-kind").select_option("queue")
    toolbar.get_by_test_id("transfer-target").fill("Inbound Support")
    toolbar.get_by_test_id("transfer").click()
    expect(toolbar.get_by_test_id("error")).to_contain_text("drop them first")
    assert handler_calls(page, "transferToAQHandler") == []

    drop.click()
    expect(toolbar.get_by_test_id("leg-drop")).to_have_count(0)
    toolbar.get_by_test_id("transfer").click()
    reason, info = wait_for_handler(page, "transferToAQHandler")
    assert reason == "transfer to agent queue request sent"
    assert (info["callId"], info["userCrtObjectId"]) == (call_id, params["userCrtObjectId"])
    new_call_id = info["newCallId"]
    assert new_call_id not in (None, call_id)
    assert wait_for_handler(page, "hangupHandler")[1]["callId"] == call_id
    expect(toolbar.get_by_test_id("status")).to_have_text("wrap-up")

    # Nobody else is ready: once this agent disposes, the queue offers the customer back,
    # as a new call whose screen pop says where it came from.
    page.evaluate("ameyo.integration.disposeCallByDisposition('Escalated')")
    _, again, _ = wait_for_handler(page, "showCrm", 2)
    assert (again["callId"], again["transferredFrom"], again["callType"]) == (
        new_call_id,
        call_id,
        "inbound",
    )
    assert again["customerCrtObjectId"] == params["customerCrtObjectId"]
    assert again["userCrtObjectId"] != params["userCrtObjectId"]
