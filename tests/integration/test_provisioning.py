"""The provisioning API on the real server: what it stores reaches agents; bad input is
refused with what is wrong, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import CRM_ORIGIN
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

PLAN = [
    {"dispositionClass": "Won", "dispositionCodes": ["Renewed", "Upgraded"]},
    {"dispositionClass": "Lost", "dispositionCodes": ["Cancelled"]},
]


def login(server: AgentbarServer, toolbar: ToolbarClient, user: str, password: str) -> Any:
    return toolbar.request(
        "auth.login",
        username=user,
        password=password,
        authPolicy="AUTH_TYPE_PASSWORD",
        crmOrigin=CRM_ORIGIN,
    )


def test_a_provisioned_agent_works_its_new_campaign(server: AgentbarServer) -> None:
    with server.admin() as admin:
        created = admin.put(
            "/api/v1/campaigns/Renewals",
            json={"kind": "inbound", "dispositions": PLAN, "routing": "ring_all"},
        )
        assert created.status_code == 200
        assert created.json()["routing"] == "ring_all"
        assert admin.put("/api/v1/extensions/SIP 3001", json={"phone": "3001"}).status_code == 204
        agent = {"name": "Rita", "password": "correct horse", "campaigns": ["Renewals"]}
        assert admin.put("/api/v1/agents/rita", json=agent).status_code == 204
        [rita] = [a for a in admin.get("/api/v1/agents").json() if a["id"] == "rita"]
        assert rita == {
            "id": "rita",
            "name": "Rita",
            "hasPassword": True,
            "authPolicy": "any",
            "campaigns": ["Renewals"],
        }
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = login(server, toolbar, "rita", "correct horse")
        assert answer["ok"], answer
        # her only campaign is chosen for her
        assert answer["snapshot"]["agent"]["campaignId"] == created.json()["id"]
        toolbar.expect_ok("extension.select", name="SIP 3001", phone="3001")
        codes = toolbar.expect_ok("disposition.list")["dispositionCodes"]
        assert codes == PLAN
        # A campaign change reaches the live floor at once.
        with server.admin() as admin:
            changed = [*PLAN, {"dispositionClass": "Later", "dispositionCodes": ["Call Back"]}]
            admin.put(
                "/api/v1/campaigns/Renewals", json={"kind": "inbound", "dispositions": changed}
            ).raise_for_status()
        assert toolbar.expect_ok("disposition.list")["dispositionCodes"] == changed


def test_bad_campaigns_are_refused_whole(server: AgentbarServer) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"kind": "inbound", "dispositions": PLAN, "defaultDisposition": "Sale"},
            "not in the plan",
        ),
        (
            {
                "kind": "inbound",
                "dispositions": [
                    *PLAN,
                    {"dispositionClass": "Again", "dispositionCodes": ["renewed"]},
                ],
            },
            "appears twice",
        ),
        ({"kind": "inbound", "dispositions": PLAN, "dialMode": "preview"}, "outbound"),
        ({"kind": "inbound", "dispositions": PLAN, "agents": ["ghost"]}, "no agent 'ghost'"),
        ({"kind": "inbound", "dispositions": PLAN, "ringTimeout": 0}, "ringTimeout"),
        ({"kind": "inbound", "dispositions": []}, "dispositions"),
        ({"kind": "sideways", "dispositions": PLAN}, "kind"),
    ]
    with server.admin() as admin:
        before = admin.get("/api/v1/campaigns").json()
        for body, problem in cases:
            answer = admin.put("/api/v1/campaigns/Broken", json=body)
            assert answer.status_code == 422, body
            assert problem in str(answer.json()["detail"]), (body, answer.json())
        assert admin.get("/api/v1/campaigns").json() == before


def test_bad_agents_extensions_and_break_reasons_are_refused(server: AgentbarServer) -> None:
    with server.admin() as admin:
        unknown = admin.put(
            "/api/v1/agents/zed",
            json={"name": "Zed", "password": "long enough", "campaigns": ["Nope"]},
        )
        assert unknown.status_code == 422
        assert "no campaign named 'Nope'" in unknown.json()["detail"]
        short = admin.put("/api/v1/agents/zed", json={"name": "Zed", "password": "short"})
        assert short.status_code == 422
        assert "zed" not in {a["id"] for a in admin.get("/api/v1/agents").json()}

        taken = admin.put("/api/v1/extensions/SIP 9", json={"phone": "1001"})
        assert taken.status_code == 422
        assert "already belongs to 'SIP 1001'" in taken.json()["detail"]
        assert admin.delete("/api/v1/extensions/SIP 404").status_code == 404

        doubled = admin.put(
            "/api/v1/break-reasons", json=[{"name": "Lunch"}, {"name": "lunch", "productive": True}]
        )
        assert doubled.status_code == 422
        assert [r["name"] for r in admin.get("/api/v1/break-reasons").json()] == [
            "Training",
            "Snacks",
            "Lunch",
            "Unavailable",
        ]
    assert httpx.get(f"{server.base_url}/api/v1/agents").status_code == 401


def test_an_extension_has_a_kind_phone_unless_put_as_browser(server: AgentbarServer) -> None:
    with server.admin() as admin:
        put = admin.put("/api/v1/extensions/Web 3001", json={"phone": "3001", "kind": "browser"})
        assert put.status_code == 204
        web = {"name": "Web 3001", "phone": "3001", "kind": "browser"}
        assert admin.get("/api/v1/extensions/Web 3001").json() == web
        listed = admin.get("/api/v1/extensions").json()
        assert web in listed
        assert {"name": "SIP 1001", "phone": "1001", "kind": "phone"} in listed
        assert {"name": "Browser 2001", "phone": "2001", "kind": "browser"} in listed  # demo
        fax = admin.put("/api/v1/extensions/Web 3001", json={"phone": "3001", "kind": "fax"})
        assert fax.status_code == 422
        assert "kind" in str(fax.json()["detail"])
        assert admin.get("/api/v1/extensions").json() == listed  # nothing changed
        # Put again without a kind, it is a phone again.
        assert admin.put("/api/v1/extensions/Web 3001", json={"phone": "3001"}).status_code == 204
        assert admin.get("/api/v1/extensions/Web 3001").json()["kind"] == "phone"


def test_an_extension_in_use_cannot_be_deleted_and_break_reasons_are_replaced(
    server: AgentbarServer,
) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        assert login(server, toolbar, "agent1", "agent1")["ok"]
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        with server.admin() as admin:
            busy = admin.delete("/api/v1/extensions/SIP 1001")
            assert busy.status_code == 409
            assert "agent 'agent1' is working from 'SIP 1001'" in busy.json()["detail"]
            reasons = [{"name": "Coaching", "productive": True}, {"name": "Lunch"}]
            assert admin.put("/api/v1/break-reasons", json=reasons).status_code == 204
            assert admin.get("/api/v1/break-reasons").json() == [
                {"name": "Coaching", "productive": True},
                {"name": "Lunch", "productive": False},
            ]
        refused = toolbar.request("presence.break", reason="Snacks")
        assert refused["error"]["code"] == "unknown_break_reason"
        toolbar.expect_ok("presence.break", reason="coaching")
