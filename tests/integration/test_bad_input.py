"""Bad input on the slice's path gets a specific error and changes nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.conftest import CRM_ORIGIN
from tests.integration.test_crm_sso_socket import UNKNOWN_ERROR
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.fake_crm import Received, Reply, fake_crm
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient


def stored_counts(server: AgentbarServer) -> tuple[int, int, int]:
    [row] = server.query(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sessions),"
        " (SELECT count(*) FROM calls)"
    )
    return row[0], row[1], row[2]


@pytest.mark.parametrize(
    ("frame", "code", "message_part"),
    [
        ("{not json", "bad_frame", "not valid JSON"),
        ("[1, 2]", "bad_frame", "JSON object"),
        ('{"cmd": "presence.ready"}', "bad_frame", "needs an 'id'"),
        ('{"id": 1, "cmd": "presence.levitate"}', "unknown_command", "presence.levitate"),
        ('{"id": 2, "cmd": "campaign.select"}', "bad_frame", "campaignId: Field required"),
        ('{"id": 3, "cmd": "presence.ready", "extra": 1}', "bad_frame", "extra"),
        ('{"id": 4, "cmd": "presence.break", "reason": 5}', "bad_frame", "reason"),
        ("[" * 30000 + "]" * 30000, "bad_frame", "nested too deeply"),
        ('{"id": 5, "cmd": "ping", "x": ' + "[" * 5000 + "]" * 5000 + "}", "bad_frame", "nested"),
        ('{"id": 6, "cmd": "ping", "x": ' + "[" * 16 + "]" * 16 + "}", "bad_frame", "nested"),
    ],
)
def test_a_malformed_frame_is_refused_and_changes_nothing(
    server: AgentbarServer, frame: str, code: str, message_part: str
) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar)
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        before = stored_counts(server)
        toolbar.send_raw(frame)
        answer = toolbar.next_answer()
        assert answer["ok"] is False
        assert answer["error"]["code"] == code
        assert message_part in answer["error"]["message"]
        assert stored_counts(server) == before
        # The socket stays usable and the agent is where it was: logged in, not ready.
        toolbar.expect_ok("ping")
        assert toolbar.request("auth.logout")["ok"]


def test_a_binary_frame_is_refused_and_the_socket_stays(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar)
        toolbar.connection.send(b'{"id": 1, "cmd": "ping"}')
        answer = toolbar.next_answer()
        assert answer["ok"] is False
        assert answer["error"]["code"] == "bad_frame"
        assert "text" in answer["error"]["message"]
        toolbar.expect_ok("ping")
        assert toolbar.request("auth.logout")["ok"]
    assert "Traceback" not in server.log()


def test_a_command_before_login_is_refused(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = toolbar.request("presence.ready")
        assert answer["error"] == {"code": "not_authenticated", "message": "log in first"}
    assert stored_counts(server) == (0, 0, 0)


@pytest.mark.parametrize(
    ("username", "password", "policy", "code", "message"),
    [
        (
            "agent1",
            "wrong",
            "AUTH_TYPE_PASSWORD",
            "invalid_credentials",
            "invalid username or password",
        ),
        (
            "nobody",
            "nobody",
            "AUTH_TYPE_PASSWORD",
            "invalid_credentials",
            "invalid username or password",
        ),
        ("agent1", "", "AUTH_TYPE_PASSWORD", "credentials_empty", "username or password empty"),
        ("", "agent1", "auth.type.password", "credentials_empty", "username or password empty"),
        (
            "agent1",
            "agent1",
            "AUTH_TYPE_KERBEROS",
            "auth_policy_incorrect",
            "auth policy incorrect",
        ),
    ],
)
def test_a_refused_login_creates_nothing(
    server: AgentbarServer, username: str, password: str, policy: str, code: str, message: str
) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = toolbar.request(
            "auth.login",
            username=username,
            password=password,
            authPolicy=policy,
            crmOrigin=CRM_ORIGIN,
        )
        assert answer["error"] == {"code": code, "message": message}
        assert toolbar.request("presence.ready")["error"]["code"] == "not_authenticated"
    assert stored_counts(server) == (0, 0, 0)


def test_a_login_naming_a_crm_origin_off_the_allow_list_is_refused(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = toolbar.request(
            "auth.login",
            username="agent1",
            password="agent1",
            authPolicy="AUTH_TYPE_PASSWORD",
            crmOrigin="https://evil.example/crm",
        )
    assert answer["error"]["code"] == "origin_not_allowed"
    assert "https://evil.example is not allowed" in answer["error"]["message"]
    assert stored_counts(server) == (0, 0, 0)


def test_a_socket_opened_from_a_foreign_page_is_refused(server: AgentbarServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        ToolbarClient(server.socket_url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    assert stored_counts(server) == (0, 0, 0)


def test_an_unknown_campaign_or_bad_phone_places_no_call(server: AgentbarServer) -> None:
    with server.admin() as admin:
        unknown = admin.post(
            "/api/v1/simulator/calls", json={"from": "+14085551212", "campaign": "Nope"}
        )
        bad_phone = admin.post(
            "/api/v1/simulator/calls", json={"from": "call me", "campaign": "Inbound Support"}
        )
        outbound = admin.post(
            "/api/v1/simulator/calls", json={"from": "+14085551212", "campaign": "Outbound Sales"}
        )
        missing = admin.post("/api/v1/simulator/calls", json={"campaign": "Inbound Support"})
        no_call = admin.post("/api/v1/simulator/calls/call-nope/hangup")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no campaign named 'Nope'"}
    assert bad_phone.status_code == 422
    assert "'call me' is not a phone number" in bad_phone.json()["detail"]
    assert outbound.status_code == 422
    assert "outbound" in outbound.json()["detail"]
    assert missing.status_code == 422
    assert no_call.status_code == 404
    assert stored_counts(server) == (0, 0, 0)


def test_the_simulator_api_needs_the_admin_token(server: AgentbarServer) -> None:
    body = {"from": "+14085551212", "campaign": "Inbound Support"}
    url = f"{server.base_url}/api/v1/simulator/calls"
    assert httpx.post(url, json=body).status_code == 401
    wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer not-" + ADMIN_TOKEN})
    assert wrong.status_code == 403
    assert stored_counts(server) == (0, 0, 0)


def test_an_unknown_disposition_keeps_wrap_up_open(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        call_id = server.place_call()
        toolbar.wait_event("call.connected", callId=call_id)
        early = toolbar.request("disposition.dispose", code="Sale")
        assert early["error"]["code"] == "no_current_call"
        server.customer_hangs_up(call_id)
        toolbar.wait_event("agent.state_changed", state="wrap_up")
        before = stored_counts(server)
        answer = toolbar.request("disposition.dispose", code="Bought a yacht")
        assert answer["error"]["code"] == "invalid_disposition"
        assert "'Bought a yacht'" in answer["error"]["message"]
        assert "Sale" in answer["error"]["message"]
        wrong_call = toolbar.request("disposition.dispose", code="Sale", callRef="crt-other")
        assert wrong_call["error"]["code"] == "no_current_call"
        assert stored_counts(server) == before
        [row] = server.query("SELECT state, disposition_code FROM calls WHERE call_id = ?", call_id)
        assert (row["state"], row["disposition_code"]) == ("wrap_up", None)
        toolbar.expect_ok("disposition.dispose", code="info given")
        toolbar.wait_event("call.disposed", dispositionCode="Info Given")


def test_an_unprovisioned_extension_is_refused(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar)
        before = stored_counts(server)
        answer = toolbar.request("extension.select", name="SIP 1001", phone="9999")
        assert answer["error"]["code"] == "unknown_extension"
        assert toolbar.request("presence.ready")["error"]["code"] == "not_set_up"
        assert stored_counts(server) == before


def test_a_bad_admin_body_is_named_without_echoing_what_was_sent(server: AgentbarServer) -> None:
    headers = {"Content-Type": "application/json"}
    campaign = (
        '{"kind": "inbound", "dispositions": [{"dispositionClass": "Done", '
        '"dispositionCodes": ["Sale"]}], "ringTimeout": NaN}'
    )
    secret = "s3cr"  # too short to be a password, and never to be repeated back
    with server.admin() as client:
        before = client.get("/api/v1/campaigns/Inbound Support").json()
        answer = client.put("/api/v1/campaigns/Inbound Support", content=campaign, headers=headers)
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["detail"]
        assert problem["loc"][-1] == "ringTimeout"
        assert "finite" in problem["msg"]
        assert client.get("/api/v1/campaigns/Inbound Support").json() == before

        answer = client.put("/api/v1/agents/agent9", json={"name": "Nine", "password": secret})
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"][-1] == "password"
        assert secret not in answer.text
        assert client.get("/api/v1/agents/agent9").status_code == 404


@pytest.mark.parametrize("hidden", ["\x00", "\n", "\u202e", "\u200b"])
def test_a_name_with_control_or_format_characters_is_refused(
    server: AgentbarServer, hidden: str
) -> None:
    """One rule for every name people read: NUL, line breaks, bidi overrides and zero-width
    characters would hide or reorder what a supervisor or an agent sees."""
    name = f"Sales{hidden}Team"
    in_path = quote(name)
    campaign = {
        "kind": "inbound",
        "dispositions": [{"dispositionClass": "Done", "dispositionCodes": ["Sale"]}],
    }
    with server.admin() as client:
        for method, path, body in (
            ("PUT", f"/api/v1/campaigns/{in_path}", campaign),
            ("PUT", f"/api/v1/extensions/{in_path}", {"phone": "1009"}),
            ("PUT", "/api/v1/agents/agent9", {"name": name, "password": "long enough"}),
            ("PUT", "/api/v1/break-reasons", [{"name": name, "productive": False}]),
        ):
            answer = client.request(method, path, json=body)
            assert answer.status_code == 422, (path, answer.text)
        assert name not in client.get("/api/v1/campaigns").text
        assert client.get("/api/v1/agents/agent9").status_code == 404


# -- hostile CRM single sign-on answers, end to end ---------------------------------------------

SSO_ANSWERS = [
    # (the CRM's answer body, the login's error code, its message)
    (b'{"status": "success", "crmSessionId": "\\ud800"}', "crm_unavailable", UNKNOWN_ERROR),
    # A CRM's refusal reads as any wrong guess, with the CRM's own message cleaned.
    (b'{"status": "failed", "message": "locked \\udc00 out"}', "invalid_credentials", "locked out"),
    (b'{"status": "success", "crmSessionId": "\xff\xfe"}', "crm_unavailable", UNKNOWN_ERROR),
    (
        b'{"status": "success", "crmSessionId": ' + b"9" * 5000 + b"}",
        "crm_unavailable",
        UNKNOWN_ERROR,
    ),
    (b"[" * 30000 + b"]" * 30000, "crm_unavailable", UNKNOWN_ERROR),  # past the parser's depth
    (b'{"status": NaN, "crmSessionId": "s"}', "crm_unavailable", UNKNOWN_ERROR),
    (
        b"<r><status>success</status><crmSessionId>s</crmSessionId></r>",
        "crm_unavailable",
        UNKNOWN_ERROR,
    ),
]


def test_a_hostile_sso_answer_fails_the_login_cleanly_and_the_server_stays(
    tmp_path: Path,
) -> None:
    """What a CRM answers is untrusted: text that is not text (a lone surrogate cannot be
    stored or sent as UTF-8), bytes that are not UTF-8, a number past Python's digit limit,
    brackets past the parser's depth; each login fails as `loginHandler` expects, with no
    session, no traceback, and the server answering the next toolbar."""
    answers = iter(SSO_ANSWERS)
    current: list[bytes] = []

    def hostile(request: Received) -> Reply:
        return Reply(current[-1])

    with (
        fake_crm(hostile) as crm,
        agentbar_server(
            tmp_path / "agentbar",
            [CRM_ORIGIN],
            {"AGENTBAR_CRM_SSO_URL": crm.url, "AGENTBAR_CRM_SSO_FORMAT": "json"},
        ) as server,
    ):
        for body, code, message in answers:
            current.append(body)
            with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
                answer = toolbar.request(
                    "auth.login",
                    username="agent3",
                    password="agent3",
                    authPolicy="Auth.Type.Crm.Http",
                    crmOrigin=CRM_ORIGIN,
                )
                assert answer["ok"] is False, (body[:80], answer)
                assert answer["error"]["code"] == code, (body[:80], answer)
                assert answer["error"]["message"] == message
                toolbar.expect_ok("ping")
            assert stored_counts(server)[1] == 0  # no session
            assert httpx.get(f"{server.base_url}/healthz").status_code == 200
        assert "Traceback" not in server.log()
