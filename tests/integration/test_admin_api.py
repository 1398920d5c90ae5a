"""The rest of the admin API on the real server: IVRs, queues, lead lists, the CRM origin
allow-list, the SSO endpoint and each agent's login policy. What is stored takes effect
without a restart; bad input is refused with what is wrong and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import CRM_ORIGIN
from tests.integration.test_operations import metric
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.fake_crm import fake_crm
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

NEW_CRM = "https://crm.example.com"


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def audited(server: AgentbarServer) -> list[tuple[str, str]]:
    with server.admin() as admin:
        entries = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    return [(e["action"], e["reason"]) for e in entries if e["action"].startswith("admin_")]


def login_with(
    toolbar: ToolbarClient, user: str, password: str, policy: str, origin: str = CRM_ORIGIN
) -> dict[str, Any]:
    return toolbar.request(
        "auth.login", username=user, password=password, authPolicy=policy, crmOrigin=origin
    )


# -- IVRs -------------------------------------------------------------------------------------

SURVEY_RATING = {"maxDigits": 1, "terminator": None, "timeoutSeconds": 10.0}
"""The demo's Survey: one key, a 1-5 rating."""


def test_an_ivr_is_a_transfer_target_at_once_and_cannot_be_deleted_while_in_use(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        put = admin.put("/api/v1/ivrs/Billing", json={"description": "pay by phone"})
        assert put.status_code == 204
        assert admin.get("/api/v1/ivrs").json() == [
            {"name": "Survey", "description": None, "collectDigits": SURVEY_RATING},
            {"name": "Main Menu", "description": None, "collectDigits": None},
            {"name": "Billing", "description": "pay by phone", "collectDigits": None},
        ]
        assert admin.get("/api/v1/ivrs/Billing").json()["description"] == "pay by phone"
    with toolbar_for(server) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        call_id = server.place_call()
        toolbar.wait_event("call.connected", callId=call_id)
        toolbar.expect_ok("call.transfer", kind="ivr", target="billing")
        assert toolbar.wait_event("call.transfer_requested")["data"]["target"] == "Billing"
        with server.admin() as admin:
            # The simulated IVR keeps the caller until they hang up.
            busy = admin.delete("/api/v1/ivrs/Billing")
            assert busy.status_code == 409
            assert f"call '{call_id}' has a caller in IVR 'Billing'" in busy.json()["detail"]
            server.customer_hangs_up(call_id)
            toolbar.expect_ok("disposition.dispose", code="Sale")
            toolbar.wait_event("agent.state_changed", state="ready")
            assert admin.delete("/api/v1/ivrs/Billing").status_code == 204
            assert admin.get("/api/v1/ivrs/Billing").status_code == 404
        second = server.place_call()
        toolbar.wait_event("call.connected", callId=second)
        gone = toolbar.request("call.transfer", kind="ivr", target="Billing")
        assert gone["error"]["code"] == "unknown_target"
    assert ("admin_put", "ivr 'Billing'") in audited(server)
    assert ("admin_delete", "ivr 'Billing'") in audited(server)


def test_bad_ivrs_are_refused_and_change_nothing(server: AgentbarServer) -> None:
    with server.admin() as admin:
        before = admin.get("/api/v1/ivrs").json()
        clash = admin.put("/api/v1/ivrs/survey", json={})
        assert clash.status_code == 422
        assert "IVR 'Survey' exists already" in clash.json()["detail"]
        assert admin.put("/api/v1/ivrs/X", json={"phone": "1"}).status_code == 422
        assert admin.put("/api/v1/ivrs/X", json={"description": "d" * 201}).status_code == 422
        assert admin.delete("/api/v1/ivrs/Nowhere").status_code == 404
        assert admin.get("/api/v1/ivrs").json() == before
    assert httpx.get(f"{server.base_url}/api/v1/ivrs").status_code == 401


def test_an_ivr_collects_the_digits_it_is_put_with_until_put_without(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        pin = {"maxDigits": 4, "terminator": "*", "timeoutSeconds": 7.5}
        body = {"description": "pay by phone", "collectDigits": pin}
        assert admin.put("/api/v1/ivrs/Billing", json=body).status_code == 204
        assert admin.get("/api/v1/ivrs/Billing").json() == {
            "name": "Billing",
            "description": "pay by phone",
            "collectDigits": pin,
        }
        defaults = {"collectDigits": {"maxDigits": 6}}
        assert admin.put("/api/v1/ivrs/Billing", json=defaults).status_code == 204
        assert admin.get("/api/v1/ivrs/Billing").json() == {
            "name": "Billing",
            "description": None,
            "collectDigits": {"maxDigits": 6, "terminator": "#", "timeoutSeconds": 5.0},
        }
        # A PUT is the whole IVR: without collectDigits it collects nothing.
        described = {"description": "pay by phone"}
        assert admin.put("/api/v1/ivrs/Billing", json=described).status_code == 204
        assert admin.get("/api/v1/ivrs/Billing").json()["collectDigits"] is None
        assert admin.get("/api/v1/ivrs/Survey").json()["collectDigits"] == SURVEY_RATING


def test_bad_digit_collections_are_refused_by_field_and_change_nothing(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        before = admin.get("/api/v1/ivrs").json()
        for collect, field in (
            ({"maxDigits": 0}, "maxDigits"),
            ({"maxDigits": 33}, "maxDigits"),
            ({"maxDigits": "many"}, "maxDigits"),
            ({"terminator": "#"}, "maxDigits"),  # required
            ({"maxDigits": 4, "terminator": "5"}, "terminator"),
            ({"maxDigits": 4, "terminator": "##"}, "terminator"),
            ({"maxDigits": 4, "timeoutSeconds": 0.5}, "timeoutSeconds"),
            ({"maxDigits": 4, "timeoutSeconds": 121}, "timeoutSeconds"),
            ({"maxDigits": 4, "digits": 2}, "digits"),
        ):
            for name in ("Billing", "Survey"):
                answer = admin.put(f"/api/v1/ivrs/{name}", json={"collectDigits": collect})
                assert answer.status_code == 422, collect
                places = [error["loc"] for error in answer.json()["detail"]]
                assert ["body", "collectDigits", field] in places, answer.json()
        assert admin.get("/api/v1/ivrs").json() == before


# -- queues -----------------------------------------------------------------------------------


def test_queues_are_the_inbound_campaigns_with_their_live_counts(server: AgentbarServer) -> None:
    with server.admin() as admin:
        [queue] = admin.get("/api/v1/queues").json()
        assert queue["name"] == "Inbound Support"
        assert (queue["routing"], queue["ringTimeout"], queue["maxMisses"]) == (
            "longest_idle",
            20.0,
            3,
        )
        assert queue["agents"] == [f"agent{n}" for n in range(1, 6)]
        assert (queue["readyAgents"], queue["waitingCalls"]) == (0, 0)
        assert admin.get("/api/v1/queues/Outbound Sales").status_code == 404
    with toolbar_for(server) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        with server.admin() as admin:
            assert admin.get("/api/v1/queues/inbound support").json()["readyAgents"] == 1
            # Queue settings are the campaign's: changed there, seen here.
            campaign = admin.get("/api/v1/campaigns/Inbound Support").json()
            body = {k: campaign[k] for k in ("kind", "dispositions")} | {"routing": "ring_all"}
            admin.put("/api/v1/campaigns/Inbound Support", json=body).raise_for_status()
            assert admin.get("/api/v1/queues/Inbound Support").json()["routing"] == "ring_all"


# -- lead lists -------------------------------------------------------------------------------


def test_a_lead_list_is_read_by_pages_and_waiting_leads_are_removed(
    server: AgentbarServer,
) -> None:
    leads = [{"phone": f"+1415555010{n}", "name": f"Lead {n}"} for n in range(5)]
    base = "/api/v1/campaigns/Outbound Sales/leads"
    with server.admin() as admin:
        ids = admin.post(base, json={"leads": leads}).json()["leadIds"]
        first = admin.get(base, params={"limit": 2}).json()
        assert [lead["id"] for lead in first["leads"]] == ids[:2]
        assert all(lead["state"] == "new" for lead in first["leads"])
        rest = admin.get(base, params={"after": first["last"]}).json()
        assert [lead["id"] for lead in rest["leads"]] == ids[2:]
        assert admin.get(base, params={"after": rest["last"]}).json()["leads"] == []

        one = admin.delete(f"{base}/{ids[0]}")
        assert one.json() == {"removed": [ids[0]]}
        assert admin.delete(f"{base}/{ids[0]}").status_code == 404
        assert admin.delete(base).json() == {"removed": ids[1:]}
        removed = admin.get(base, params={"state": "removed"}).json()["leads"]
        assert [lead["id"] for lead in removed] == ids
        assert admin.get(base, params={"state": "new"}).json()["leads"] == []

        assert admin.get("/api/v1/campaigns/Inbound Support/leads").status_code == 422
        assert admin.get("/api/v1/campaigns/Nope/leads").status_code == 404
        assert admin.get(base, params={"state": "lost"}).status_code == 422
    # Removed leads are not offered after a restart either.
    assert server.query("SELECT count(*) FROM leads WHERE state = 'new'")[0][0] == 0


def test_a_lead_being_shown_to_an_agent_stays(server: AgentbarServer) -> None:
    base = "/api/v1/campaigns/Outbound Sales/leads"
    with toolbar_for(server) as toolbar:
        answer = log_in(toolbar)
        outbound = next(
            c["id"] for c in answer["snapshot"]["campaigns"] if c["name"] == "Outbound Sales"
        )
        get_ready(toolbar, outbound)
        with server.admin() as admin:
            leads = [{"phone": "+14155550100"}, {"phone": "+14155550101"}]
            shown, waiting = admin.post(base, json={"leads": leads}).json()["leadIds"]
            toolbar.wait_event("lead.presented")
            busy = admin.delete(f"{base}/{shown}")
            assert busy.status_code == 409
            assert "being shown to an agent" in busy.json()["detail"]
            assert admin.delete(base).json() == {"removed": [waiting]}
            states = {lead["id"]: lead["state"] for lead in admin.get(base).json()["leads"]}
            assert states == {shown: "presented", waiting: "removed"}


# -- the CRM origin allow-list ----------------------------------------------------------------


def test_stored_origins_are_allowed_at_once_beside_the_environments(
    server: AgentbarServer,
) -> None:
    with toolbar_for(server) as toolbar:
        refused = login_with(toolbar, "agent1", "agent1", "AUTH_TYPE_PASSWORD", NEW_CRM)
        assert refused["error"]["code"] == "origin_not_allowed"
    with server.admin() as admin:
        put = admin.put("/api/v1/origins", json={"origins": ["HTTPS://CRM.example.com:443/"]})
        assert put.json() == {
            "environment": [CRM_ORIGIN],
            "stored": [NEW_CRM],
            "effective": [CRM_ORIGIN, NEW_CRM],
        }
    with toolbar_for(server) as toolbar:
        assert login_with(toolbar, "agent1", "agent1", "AUTH_TYPE_PASSWORD", NEW_CRM)["ok"]
    page = httpx.get(f"{server.base_url}/ameyowebaccess/toolbar-crm.htm")
    assert f"frame-ancestors {CRM_ORIGIN} {NEW_CRM}" in page.headers["content-security-policy"]

    with server.admin() as admin:
        for origins, problem in (
            (["https://crm.example.com/app"], "is not an origin"),
            (["ftp://crm.example.com"], "is not an origin"),
            (["https://a.example.com", "https://A.example.com/"], "listed twice"),
        ):
            answer = admin.put("/api/v1/origins", json={"origins": origins})
            assert answer.status_code == 422
            assert problem in answer.json()["detail"]
        assert admin.get("/api/v1/origins").json()["stored"] == [NEW_CRM]
        # The environment's origins stay allowed whatever is stored.
        emptied = admin.put("/api/v1/origins", json={"origins": []}).json()
        assert emptied["effective"] == [CRM_ORIGIN]
    with toolbar_for(server) as toolbar:
        refused = login_with(toolbar, "agent2", "agent2", "AUTH_TYPE_PASSWORD", NEW_CRM)
        assert refused["error"]["code"] == "origin_not_allowed"
    assert ("admin_put", "allowed origins") in audited(server)


# -- the SSO endpoint and each agent's login policy -------------------------------------------


def test_the_sso_endpoint_is_stored_and_used_by_the_next_login(server: AgentbarServer) -> None:
    with fake_crm() as crm:
        with toolbar_for(server) as toolbar:
            off = login_with(toolbar, "agent1", "agent1", "AUTH_TYPE_CRM_HTTP")
            assert off["error"]["code"] == "sso_not_configured"
        with server.admin() as admin:
            assert admin.get("/api/v1/sso").json() == {
                "url": None,
                "format": None,
                "source": "none",
            }
            for body, problem in (
                ({"url": "ftp://crm.example.com/sso"}, "http:// or https://"),
                ({"url": "https://user:pw@crm.example.com/sso"}, "credentials"),
                ({"url": "https:///sso"}, "no host"),
                ({"url": crm.url, "format": "soap"}, "format"),
            ):
                answer = admin.put("/api/v1/sso", json=body)
                assert answer.status_code == 422, body
                assert problem in str(answer.json()["detail"]), answer.json()
            assert admin.get("/api/v1/sso").json()["source"] == "none"
            stored = admin.put("/api/v1/sso", json={"url": crm.url, "format": "json"}).json()
            assert stored == {"url": crm.url, "format": "json", "source": "stored"}
        with toolbar_for(server) as toolbar:
            login = login_with(toolbar, "agent1", "agent1", "AUTH_TYPE_CRM_HTTP")
            assert login["ok"], login
            assert crm.requests("login") == [
                {"userId": "agent1", "password": "agent1", "command": "login"}
            ]
        scraped = server.scrape_metrics()
        count = 'agentbar_sso_request_seconds_count{command="login",outcome="success"}'
        assert metric(scraped, count) == 1.0
        with server.admin() as admin:
            cleared = admin.delete("/api/v1/sso").json()
            assert cleared == {"url": None, "format": None, "source": "none"}
        with toolbar_for(server) as toolbar:
            off = login_with(toolbar, "agent2", "agent2", "AUTH_TYPE_CRM_HTTP")
            assert off["error"]["code"] == "sso_not_configured"
    assert ("admin_put", "sso endpoint") in audited(server)


def test_an_agents_login_policy_decides_which_logins_it_may_use(server: AgentbarServer) -> None:
    with fake_crm() as crm, server.admin() as admin:
        admin.put("/api/v1/sso", json={"url": crm.url}).raise_for_status()
        paula = {"name": "Paula", "password": "paula-secret", "authPolicy": "password"}
        assert admin.put("/api/v1/agents/paula", json=paula).status_code == 204
        # SSO agents log in at the CRM; the fake CRM takes the user id as the password.
        sam = {"name": "Sam", "authPolicy": "sso"}
        assert admin.put("/api/v1/agents/sam", json=sam).status_code == 204
        assert admin.get("/api/v1/agents/sam").json() == {
            "id": "sam",
            "name": "Sam",
            "hasPassword": False,
            "authPolicy": "sso",
            "campaigns": [],
        }
        with toolbar_for(server) as toolbar:
            refused = login_with(toolbar, "paula", "paula", "AUTH_TYPE_CRM_HTTP")
            assert refused["error"]["message"] == "invalid username or password"
            assert crm.requests("login") == []  # her password never went to the CRM
            assert login_with(toolbar, "paula", "paula-secret", "AUTH_TYPE_PASSWORD")["ok"]
        with toolbar_for(server) as toolbar:
            refused = login_with(toolbar, "sam", "sam", "AUTH_TYPE_PASSWORD")
            assert refused["error"]["message"] == "invalid username or password"
            assert login_with(toolbar, "sam", "sam", "AUTH_TYPE_CRM_HTTP")["ok"]
        # Agents provisioned before policies existed keep logging in every way.
        assert admin.get("/api/v1/agents/agent3").json()["authPolicy"] == "any"
        with toolbar_for(server) as toolbar:
            assert login_with(toolbar, "agent3", "agent3", "AUTH_TYPE_CRM_HTTP")["ok"]

        for body, problem in (
            ({"name": "Z", "authPolicy": "password"}, "needs a password"),
            ({"name": "Z", "authPolicy": "sso", "password": "long enough"}, "has no password"),
            ({"name": "Z", "passwordHash": "$2b$12$notargon"}, "argon2id"),
            ({"name": "Z", "password": "long enough", "passwordHash": "x"}, "not both"),
            ({"name": "Z", "authPolicy": "magic"}, "authPolicy"),
        ):
            answer = admin.put("/api/v1/agents/zed", json=body)
            assert answer.status_code == 422, body
            assert problem in str(answer.json()["detail"]), answer.json()
        assert admin.get("/api/v1/agents/zed").status_code == 404


# -- the whole configuration ------------------------------------------------------------------


def test_a_configuration_with_any_bad_part_changes_nothing(server: AgentbarServer) -> None:
    good_campaign = {
        "name": "Renewals",
        "kind": "inbound",
        "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Renewed"]}],
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"campaigns": [good_campaign, {**good_campaign, "name": "renewals"}]}, "twice"),
        ({"campaigns": [good_campaign], "ivrs": [{"name": "survey"}]}, "IVR 'Survey'"),
        (
            {
                "campaigns": [good_campaign],
                "agents": [{"id": "x", "name": "X", "campaigns": ["No"]}],
            },
            "no campaign named 'No'",
        ),
        ({"extensions": [{"name": "New", "phone": "1001"}]}, "already belongs to 'SIP 1001'"),
        ({"campaigns": [good_campaign], "allowedOrigins": ["https://a/b"]}, "not an origin"),
        ({"campaigns": [good_campaign], "sso": {"url": "file:///etc/passwd"}}, "http://"),
        ({"version": 2}, "version"),
    ]
    with server.admin() as admin:
        before = admin.get("/api/v1/config").json()
        for document, problem in cases:
            answer = admin.put("/api/v1/config", json=document)
            assert answer.status_code == 422, document
            assert problem in str(answer.json()["detail"]), answer.json()
        assert admin.get("/api/v1/config").json() == before
        checked = admin.put(
            "/api/v1/config", params={"dryRun": "true"}, json={"campaigns": [good_campaign]}
        )
        assert checked.json()["applied"] is False
        assert admin.get("/api/v1/config").json() == before
        # Phones may move between extensions within one import.
        swap = {
            "extensions": [
                {"name": "SIP 1001", "phone": "1002"},
                {"name": "SIP 1002", "phone": "1001"},
            ]
        }
        assert admin.put("/api/v1/config", json=swap).json()["applied"] is True
        phones = {e["name"]: e["phone"] for e in admin.get("/api/v1/extensions").json()}
        assert (phones["SIP 1001"], phones["SIP 1002"]) == ("1002", "1001")


def test_a_session_resumes_only_from_the_crm_origin_it_was_opened_from(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        admin.put("/api/v1/origins", json={"origins": [NEW_CRM]}).raise_for_status()
    with toolbar_for(server) as toolbar:
        login = login_with(toolbar, "agent1", "agent1", "AUTH_TYPE_PASSWORD", CRM_ORIGIN)
        assert login["ok"], login
    with toolbar_for(server) as elsewhere:
        refused = elsewhere.request("auth.resume", token=login["token"], crmOrigin=NEW_CRM)
        assert refused["ok"] is False
        assert refused["error"]["code"] == "invalid_session"
        assert CRM_ORIGIN in refused["error"]["message"]
    with toolbar_for(server) as back:
        resumed = back.request("auth.resume", token=login["token"], crmOrigin=f"{CRM_ORIGIN}/x")
        assert resumed["ok"], resumed


def test_the_yaml_export_quotes_what_a_yaml_reader_would_take_for_a_number(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        for name, phone in (("Exp", "0e0"), ("Neg", "-.0"), ("Hex", "0x1F")):
            admin.put(f"/api/v1/extensions/{name}", json={"phone": phone}).raise_for_status()
        exported = admin.get("/api/v1/config", params={"format": "yaml"})
    exported.raise_for_status()
    for phone in ("0e0", "-.0", "0x1F"):
        assert f"phone: '{phone}'" in exported.text, exported.text
