"""An agent's day on the sample CRM (`examples/crm`) in real Chromium: the CRM and agentbar on
two origins, agentbar asking the CRM's own SSO endpoint, calls placed through the simulator.

The screenshots of the CRM with its toolbar in docs/img/ come from here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from examples.crm.phones import normalise
from examples.crm.seed import CONTACTS
from examples.services.ports import free_port
from tests.support.sample_crm import SampleCrm, sample_crm
from tests.support.servers import AgentbarServer, agentbar_server

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def crm_and_agentbar(tmp_path: Path) -> Iterator[tuple[SampleCrm, AgentbarServer]]:
    port = free_port()
    crm_origin = f"http://127.0.0.1:{port}"
    with (
        agentbar_server(
            tmp_path / "agentbar",
            [crm_origin],
            {"AGENTBAR_CRM_SSO_URL": f"{crm_origin}/sso", "AGENTBAR_CRM_SSO_FORMAT": "form"},
        ) as server,
        sample_crm(port, server.base_url, tmp_path / "crm.db") as crm,
    ):
        yield crm, server


def seeded(index: int) -> tuple[int, str]:
    """The index-th seeded contact's id and name."""
    return index + 1, CONTACTS[index].name


def sign_in(page: Page, crm: SampleCrm, user: str) -> None:
    page.goto(crm.url("/leads"))
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_test_id("crm-login-user").fill(user)
    page.get_by_test_id("crm-login-password").fill(user)
    page.get_by_test_id("crm-login-submit").click()
    expect(page).to_have_url(crm.url("/leads"))
    # Single sign-on: the page logs its toolbar in with a ticket for this CRM session.
    expect(page.get_by_test_id("crm-toolbar-session")).to_have_text("logged in")


def expect_pop(page: Page, crm: SampleCrm, contact_id: int, name: str) -> None:
    expect(page.get_by_test_id("crm-contact-name")).to_have_text(name)
    expect(page).to_have_url(crm.url(f"/contacts/{contact_id}"))
    expect(page.get_by_test_id("crm-notice")).to_have_text(f"Screen pop: {name} (success)")


def timeline(page: Page, kind: str) -> list[str]:
    return page.locator(f'#timeline li[data-kind="{kind}"]').all_inner_texts()


def wrap_up(page: Page, code: str, note: str = "") -> None:
    """Dispose through the CRM's own wrap-up form."""
    form = page.get_by_test_id("crm-wrapup")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("crm-presence")).to_have_text("wrap-up")
    page.get_by_test_id("crm-disposition-code").select_option(code)
    page.get_by_test_id("crm-disposition-note").fill(note)
    page.get_by_test_id("crm-dispose").click()
    expect(form).to_be_hidden()


def test_an_agents_day_on_the_sample_crm(
    page: Page, crm_and_agentbar: tuple[SampleCrm, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    page.set_viewport_size({"width": 1280, "height": 760})
    toolbar = page.frame_locator("#ameyoIframe")

    # Morning: sign in to the CRM; the toolbar follows through SSO, one session on both sides.
    sign_in(page, crm, "agent1")
    expect(page.get_by_test_id("crm-extension")).to_have_text("SIP 1001 (1001)")
    [crm_session] = crm.query("SELECT session_id FROM sessions WHERE ended_at IS NULL")
    [bar_session] = server.query("SELECT crm_session_id FROM sessions WHERE ended_at IS NULL")
    assert bar_session["crm_session_id"] == crm_session["session_id"]
    toolbar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
    expect(page.get_by_test_id("crm-campaign")).to_have_text("Inbound Support")
    toolbar.get_by_test_id("ready").click()
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    expect(page.get_by_test_id("crm-lead-list").locator("tbody tr")).to_have_count(50)
    page.screenshot(path=str(IMG / "crm-lead-list.png"))

    # Call 1, from a number stored as "(415) 555-0101": popped, a conference on the timeline,
    # then a disposition refused by the toolbar, shown in the CRM's form, and corrected.
    a_id, a_name = seeded(1)
    assert CONTACTS[1].phone == "(415) 555-0101"
    call_a = server.place_call("+14155550101")
    expect_pop(page, crm, a_id, a_name)
    expect(page.get_by_test_id("crm-presence")).to_have_text("on call")
    toolbar.get_by_test_id("conference-kind").select_option("phone")
    toolbar.get_by_test_id("conference-target").fill("+1 415 555 0199")
    toolbar.get_by_test_id("conference").click()
    expect(page.locator('#timeline li[data-kind="conference"]')).to_contain_text(
        "confer phone request sent → +14155550199"
    )
    toolbar.get_by_test_id("leg-drop").click()
    expect(toolbar.get_by_test_id("leg-drop")).to_have_count(0)
    toolbar.get_by_test_id("hangup").click()
    expect(page.get_by_test_id("crm-wrapup")).to_be_visible()
    expect(page.get_by_test_id("crm-wrapup-call")).to_contain_text(call_a)
    page.get_by_test_id("crm-disposition-code").select_option("Callback")
    # "Then call" is prefilled with the first lead nobody has called yet.
    expect(page.get_by_test_id("crm-next-number")).to_have_value(normalise(CONTACTS[0].phone))
    page.get_by_test_id("crm-dispose-and-dial").click()
    expect(page.get_by_test_id("crm-wrapup-error")).to_have_text(
        "'Callback' cannot be used with dispose-and-dial in campaign 'Inbound Support'"
    )
    expect(page.get_by_test_id("crm-wrapup")).to_be_visible()
    page.screenshot(path=str(IMG / "crm-wrapup.png"))
    wrap_up(page, "Info Given", "sent the manual")
    expect(page.locator('#timeline li[data-kind="disposition"]')).to_contain_text(
        "Info Given — sent the manual"
    )
    assert len(timeline(page, "call")) == 1

    # Call 2, dialled as "650-555-0107" for a record written "650.555.0107": transferred to
    # the queue; nobody else is ready, so after the wrap-up the queue offers it back.
    b_id, b_name = seeded(7)
    assert CONTACTS[7].phone == "650.555.0107"
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    call_b = server.place_call("650-555-0107")
    expect_pop(page, crm, b_id, b_name)
    toolbar.get_by_test_id("transfer-kind").select_option("queue")
    toolbar.get_by_test_id("transfer-target").fill("Inbound Support")
    toolbar.get_by_test_id("transfer").click()
    expect(page.locator('#timeline li[data-kind="transfer"]')).to_contain_text(
        "transfer to agent queue request sent → Inbound Support"
    )
    wrap_up(page, "Escalated")
    calls = page.locator('#timeline li[data-kind="call"]')
    expect(calls).to_have_count(2)
    expect(calls.first).to_contain_text(f"(transferred, was {call_b})")
    page.screenshot(path=str(IMG / "crm-contact.png"))
    toolbar.get_by_test_id("hangup").click()
    wrap_up(page, "Sale")

    # Call 3, dialled as "(212) 555-0113" for "+1 212 555 0113"; the customer hangs up.
    c_id, c_name = seeded(13)
    assert CONTACTS[13].phone == "+1 212 555 0113"
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    call_c = server.place_call("(212) 555-0113")
    expect_pop(page, crm, c_id, c_name)
    # Logging out mid-call is refused by the toolbar: both sessions carry on.
    page.get_by_test_id("crm-logout").click()
    expect(page.get_by_test_id("crm-notice")).to_contain_text("The toolbar did not log out: ")
    expect(page.get_by_test_id("crm-toolbar-session")).to_have_text("logged in")
    assert crm.query("SELECT 1 FROM sessions WHERE ended_at IS NULL") != []
    server.customer_hangs_up(call_c)
    wrap_up(page, "Sale")
    expect(page.locator('#timeline li[data-kind="disposition"]')).to_have_text(re.compile("Sale"))

    # An unknown caller: the new-contact form, prefilled; saved, the call is on their record.
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    call_unknown = server.place_call("+1 310 555 0199")
    expect(page).to_have_url(re.compile(r"/contacts/new\?phone=%2B13105550199&call="))
    expect(page.get_by_test_id("crm-new-phone")).to_have_value("+13105550199")
    expect(page.get_by_test_id("crm-notice")).to_have_text("Screen pop: (310) 555-0199 (success)")
    page.get_by_test_id("crm-new-name").fill("Walk-in Caller")
    page.get_by_test_id("crm-new-save").click()
    expect(page.get_by_test_id("crm-contact-name")).to_have_text("Walk-in Caller")
    expect(page.locator('#timeline li[data-kind="call"]')).to_contain_text(
        "Inbound call from (310) 555-0199 · Inbound Support"
    )
    server.customer_hangs_up(call_unknown)
    wrap_up(page, "Info Given")

    # Click-to-dial from the lead list, then dispose-and-dial the next lead from the form.
    page.get_by_role("link", name="Leads", exact=True).click()
    d_id, d_name = seeded(3)
    page.locator(f'tr[data-contact-id="{d_id}"]').get_by_test_id("crm-dial").click()
    expect_pop(page, crm, d_id, d_name)
    expect(page.locator('#timeline li[data-kind="call"]')).to_contain_text(
        "Click-to-dial call to (212) 555-0103"
    )
    toolbar.get_by_test_id("hangup").click()
    expect(page.get_by_test_id("crm-wrapup")).to_be_visible()
    expect(page.get_by_test_id("crm-next-number")).to_have_value(normalise(CONTACTS[0].phone))
    page.get_by_test_id("crm-disposition-code").select_option("Sale")
    page.get_by_test_id("crm-dispose-and-dial").click()
    next_id, next_name = seeded(0)
    expect_pop(page, crm, next_id, next_name)
    toolbar.get_by_test_id("hangup").click()
    wrap_up(page, "Sale")

    # Prefill: the number waits in the toolbar's dial box.
    page.get_by_test_id("crm-prefill").click()
    expect(toolbar.get_by_test_id("dial-number")).to_have_value(normalise(CONTACTS[0].phone))

    # Lunch: the header follows the toolbar's presence.
    toolbar.get_by_test_id("break-reason").select_option("Lunch")
    toolbar.get_by_test_id("break").click()
    expect(page.get_by_test_id("crm-presence")).to_have_text("break: Lunch")

    # The day's records agree on both sides: each call popped the contact the CRM filed it to.
    crm_calls = {row["call_id"]: row for row in crm.query("SELECT call_id, contact_id FROM calls")}
    for call_id, contact_id in [(call_a, a_id), (call_b, b_id), (call_c, c_id)]:
        assert crm_calls[call_id]["contact_id"] == contact_id
        [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
        assert row["record_id"] == str(contact_id)
    [walk_in] = crm.query("SELECT contact_id FROM contacts WHERE name = 'Walk-in Caller'")
    assert crm_calls[call_unknown]["contact_id"] == walk_in["contact_id"]
    [dialled] = crm.query("SELECT call_id FROM calls WHERE contact_id = ?", d_id)
    [row] = server.query("SELECT call_type FROM calls WHERE call_id = ?", dialled["call_id"])
    assert row["call_type"] == "click_to_dial"

    # Evening: logging out in the CRM logs the toolbar out and ends both sessions.
    page.get_by_test_id("crm-logout").click()
    expect(page.get_by_test_id("crm-login-notice")).to_have_text("You have been signed out.")
    assert server.query("SELECT 1 FROM sessions WHERE ended_at IS NULL") == []
    assert crm.query("SELECT 1 FROM sessions WHERE ended_at IS NULL") == []

    # And the other way round: the toolbar's own logout ends the CRM session.
    sign_in(page, crm, "agent1")
    [crm_session] = crm.query("SELECT session_id FROM sessions WHERE ended_at IS NULL")
    toolbar.get_by_test_id("logout").click()
    expect(page.get_by_test_id("crm-login-notice")).to_contain_text(
        "signed out because the toolbar logged out"
    )
    [row] = crm.query(
        "SELECT ended_at FROM sessions WHERE session_id = ?", crm_session["session_id"]
    )
    assert row["ended_at"] is not None
    page.goto(crm.url("/leads"))
    expect(page).to_have_url(re.compile(r"/login"))


def test_outbound_work_from_the_crms_leads_then_a_supervisor_ends_both_sessions(
    page: Page, crm_and_agentbar: tuple[SampleCrm, AgentbarServer]
) -> None:
    crm, server = crm_and_agentbar
    toolbar = page.frame_locator("#ameyoIframe")
    leads = [{"phone": normalise(c.phone), "name": c.name} for c in CONTACTS if c.status == "lead"]
    with server.admin() as admin:
        admin.post("/api/v1/campaigns/Outbound Sales/leads", json={"leads": leads})
    sign_in(page, crm, "agent2")
    expect(page.get_by_test_id("crm-extension")).to_have_text("SIP 1002 (1002)")
    toolbar.get_by_test_id("campaign-select").select_option(label="Outbound Sales")
    expect(page.get_by_test_id("crm-campaign")).to_have_text("Outbound Sales")

    # The header follows the dialer's mode.
    toolbar.get_by_test_id("auto-call").check()
    expect(page.get_by_test_id("crm-auto-call")).to_have_text("on")
    toolbar.get_by_test_id("auto-call").uncheck()
    expect(page.get_by_test_id("crm-auto-call")).to_have_text("off")

    # A preview call pops the lead's record, found by its number.
    toolbar.get_by_test_id("ready").click()
    expect(page.get_by_test_id("crm-presence")).to_have_text("ready")
    first_id, first_name = seeded(0)
    expect(toolbar.get_by_test_id("preview")).to_contain_text(first_name)
    toolbar.get_by_test_id("preview-dial").click()
    expect_pop(page, crm, first_id, first_name)
    expect(page.locator('#timeline li[data-kind="call"]')).to_contain_text(
        "Preview call to (408) 555-0100 · Outbound Sales"
    )
    toolbar.get_by_test_id("hangup").click()
    wrap_up(page, "Sale", "gold plan")
    expect(page.locator('#timeline li[data-kind="disposition"]')).to_contain_text(
        "Sale — gold plan"
    )

    # With no CRM page open, a supervisor's logout still ends the CRM session: agentbar tells
    # the CRM's SSO endpoint, server to server.
    [crm_session] = crm.query("SELECT session_id FROM sessions WHERE ended_at IS NULL")
    page.goto("about:blank")
    with server.admin() as admin:
        assert admin.post("/api/v1/agents/agent2/logout").status_code == 204
    deadline = time.monotonic() + 10
    # The CRM is told in the background; its database is the only place to see it.
    while crm.query("SELECT 1 FROM sessions WHERE ended_at IS NULL"):
        assert time.monotonic() < deadline, "the CRM session outlived the toolbar session"
        time.sleep(0.05)
    [row] = crm.query(
        "SELECT ended_at FROM sessions WHERE session_id = ?", crm_session["session_id"]
    )
    assert row["ended_at"] is not None
    page.goto(crm.url("/leads"))
    expect(page).to_have_url(re.compile(r"/login"))
