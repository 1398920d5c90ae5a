"""The sample CRM over HTTP: sign-in, the new-contact form and the JSON endpoints crm.js calls,
with bad input refused clearly and changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from examples.services.ports import free_port
from tests.support.sample_crm import SampleCrm, sample_crm

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FRAGMENT = {"X-CRM-Fragment": "1"}


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[SampleCrm]:
    with sample_crm(free_port(), "http://agentbar.example:8080", tmp_path / "crm.db") as crm:
        yield crm


@pytest.fixture
def agent(crm: SampleCrm) -> Iterator[httpx.Client]:
    """A browser signed in as agent1."""
    with httpx.Client(base_url=crm.origin) as client:
        signed_in = client.post("/login", content="user_id=agent1&password=agent1", headers=FORM)
        assert signed_in.status_code == 303
        yield client


def count(crm: SampleCrm, table: str) -> int:
    [row] = crm.query(f"SELECT COUNT(*) AS n FROM {table}")
    return int(row["n"])


def test_signing_in_with_a_wrong_password_is_refused(crm: SampleCrm) -> None:
    with httpx.Client(base_url=crm.origin) as client:
        refused = client.post("/login", content="user_id=agent1&password=nope", headers=FORM)
        assert refused.status_code == 401
        assert "Wrong user id or password." in refused.text
        assert client.get("/leads").headers["location"] == "/login"
        assert client.get("/leads", headers=FRAGMENT).status_code == 401
    assert count(crm, "sessions") == 0


def test_every_page_embeds_the_toolbar_and_a_fragment_does_not(
    crm: SampleCrm, agent: httpx.Client
) -> None:
    for path in ["/leads", "/leads?status=lead", "/contacts/1", "/contacts/new", "/contacts/999"]:
        page = agent.get(path)
        assert page.status_code == (404 if path.endswith("999") else 200), path
        assert 'id="ameyoIframeDiv"' in page.text
        assert (
            "http://agentbar.example:8080/ameyowebaccess/toolbar/js/ameyo-integration-v3.js"
            in page.text
        )
        fragment = agent.get(path, headers=FRAGMENT)
        assert "ameyoIframeDiv" not in fragment.text
    leads = agent.get("/leads?status=lead", headers=FRAGMENT).text
    assert leads.count('data-action="dial"') == len(
        crm.query("SELECT 1 FROM contacts c WHERE status = 'lead'")
    )


def test_the_new_contact_form_says_what_is_wrong_and_saves_nothing(
    crm: SampleCrm, agent: httpx.Client
) -> None:
    before = count(crm, "contacts")
    cases = [
        ("name=&phone=%2B14155550299&status=lead", "A name is required."),
        ("name=X&phone=12&status=lead", "&#39;12&#39; is not a valid phone number."),
        ("name=X&phone=%2B14155550299&status=vip", "The status is lead or customer."),
        ("name=X&phone=%2B14155550299&status=lead&email=nope", "&#39;nope&#39; is not an e-mail"),
        # Grace Thompson's number, written another way
        ("name=X&phone=415.555.0101&status=lead", "Grace Thompson already has (415) 555-0101."),
    ]
    for body, error in cases:
        refused = agent.post("/contacts", content=body, headers={**FORM, **FRAGMENT})
        assert refused.status_code == 422, body
        assert error in refused.text, body
    assert count(crm, "contacts") == before

    saved = agent.post(
        "/contacts", content="name=Jo+Doe&phone=(415)+555-0299&status=customer", headers=FORM
    )
    assert saved.status_code == 303
    [row] = crm.query("SELECT contact_id, phone, phone_e164 FROM contacts WHERE name = 'Jo Doe'")
    assert (row["phone"], row["phone_e164"]) == ("(415) 555-0299", "+14155550299")
    assert saved.headers["location"] == f"/contacts/{row['contact_id']}"


def test_a_screen_pop_finds_the_contact_by_number_or_offers_the_form(
    crm: SampleCrm, agent: httpx.Client
) -> None:
    known = agent.post(
        "/api/calls",
        json={"callId": "call-1", "phone": "+14155550101", "callType": "inbound", "campaign": "C"},
    )
    assert known.json() == {"contactId": 2, "recordName": "Grace Thompson", "url": "/contacts/2"}
    dialled = agent.post(
        "/api/calls",
        json={"callId": "call-2", "phone": "+14155550101", "callType": "click_to_dial",
              "customerId": "5", "campaign": "C"},
    )  # fmt: skip
    assert dialled.json()["contactId"] == 5, "a click-to-dial names its record"
    unknown = agent.post(
        "/api/calls", json={"callId": "call-3", "phone": "+14155550299", "callType": "inbound"}
    )
    assert unknown.json() == {
        "contactId": None,
        "recordName": "(415) 555-0299",
        "url": "/contacts/new?phone=%2B14155550299&call=call-3",
    }
    # Saved from the form, the unknown caller's call and its entries become theirs.
    ended = agent.post("/api/calls/call-3/events", json={"kind": "hangup", "detail": "Call ended"})
    assert ended.json() == {"contactId": None}
    agent.post("/contacts", content="name=New&phone=%2B14155550299&call_id=call-3&status=lead",
               headers=FORM)  # fmt: skip
    [new] = crm.query("SELECT contact_id FROM contacts WHERE name = 'New'")
    kinds = crm.query("SELECT kind FROM interactions WHERE contact_id = ?", new["contact_id"])
    assert sorted(row["kind"] for row in kinds) == ["call", "hangup"]


def test_bad_json_requests_are_refused_and_change_nothing(
    crm: SampleCrm, agent: httpx.Client
) -> None:
    agent.post("/api/calls", json={"callId": "call-1", "phone": "+14155550101", "callType": "x"})
    calls, entries = count(crm, "calls"), count(crm, "interactions")
    cases = [
        ("/api/calls", b"not json", 400, "the body is not JSON"),
        ("/api/calls", b"[]", 400, "the body is not a JSON object"),
        ("/api/calls", b'{"phone": "+14155550101", "callType": "x"}', 400, "'callId' is required"),
        ("/api/calls", b'{"callId": "c", "phone": "nope", "callType": "x"}', 400,
         "'nope' is not a phone number"),
        ("/api/calls", b'{"callId": ["c"], "phone": "+14155550101", "callType": "x"}', 400,
         "'callId' is not text"),
        ("/api/calls/call-1/events", b'{"kind": "party", "detail": "x"}', 400,
         "'kind' is one of transfer, conference, hangup, disposition, not 'party'"),
        ("/api/calls/call-1/events", b'{"kind": "transfer"}', 400, "'detail' is required"),
        ("/api/calls/call-9/events", b'{"kind": "transfer", "detail": "x"}', 404,
         "this CRM has no such call"),
    ]  # fmt: skip
    for path, body, status, error in cases:
        response = agent.post(path, content=body, headers={"Content-Type": "application/json"})
        assert (response.status_code, response.json()) == (status, {"error": error}), body
    assert (count(crm, "calls"), count(crm, "interactions")) == (calls, entries)
    with httpx.Client(base_url=crm.origin) as stranger:
        refused = stranger.post("/api/calls/call-1/events", json={"kind": "hangup", "detail": "x"})
        assert refused.status_code == 401
    assert count(crm, "interactions") == entries
