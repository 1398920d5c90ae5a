"""Token login, throttling and the audit log over real sockets and the admin API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from tests.conftest import CRM_ORIGIN
from tests.support.jwts import SECRET, mint, rsa_key_pair
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient


@pytest.fixture(scope="module")
def token_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AgentbarServer, RSAPrivateKey]]:
    private, public_pem = rsa_key_pair()
    env = {"AGENTBAR_TOKEN_SECRET": SECRET, "AGENTBAR_TOKEN_PUBLIC_KEY": public_pem}
    with agentbar_server(
        tmp_path_factory.mktemp("tokens") / "agentbar", [CRM_ORIGIN], env
    ) as server:
        yield server, private


def log_in(server: AgentbarServer, user: str, secret: str, policy: str) -> dict[str, Any]:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        answer = toolbar.request(
            "auth.login",
            username=user,
            password=secret,
            authPolicy=policy,
            crmOrigin=CRM_ORIGIN,
            force=True,
        )
        if answer["ok"]:
            toolbar.expect_ok("auth.logout")
        return answer


def test_token_login_once_and_each_refusal_with_its_own_reason(
    token_server: tuple[AgentbarServer, RSAPrivateKey],
) -> None:
    server, private = token_server
    now = time.time()
    token = mint("agent1", now)
    assert log_in(server, "agent1", token, "AUTH_TYPE_TOKEN")["ok"]
    refusals = {
        "replayed": token,
        "expired": mint("agent1", now - 600, lifetime=60),
        "other key": mint("agent1", now, key="some-other-secret-of-32-bytes-len"),
        "other user": mint("agent2", now),
    }
    codes = {
        name: log_in(server, "agent1", t, "auth.type.token")["error"]
        for name, t in refusals.items()
    }
    assert codes == {
        "replayed": {"code": "token_replayed", "message": "login token already used"},
        "expired": {"code": "token_expired", "message": "login token expired"},
        "other key": {"code": "token_bad_signature", "message": "login token signature invalid"},
        "other user": {"code": "token_wrong_user", "message": "login token is for another user"},
    }
    rs256 = log_in(server, "agent1", mint("agent1", now, key=private), "AUTH_TYPE_TOKEN")
    assert rs256["ok"], rs256
    [row] = server.query("SELECT count(*) FROM sessions WHERE agent_id = 'agent1'")
    assert row[0] == 2


def test_failed_logins_are_throttled_and_audited(tmp_path: Path) -> None:
    with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN]) as server:
        for _ in range(10):
            answer = log_in(server, "agent3", "wrong", "AUTH_TYPE_PASSWORD")
            assert answer["error"]["code"] == "invalid_credentials"
        refused = log_in(server, "agent3", "agent3", "AUTH_TYPE_PASSWORD")  # even the right one
        assert refused["error"]["code"] == "too_many_attempts"
        assert "retry in" in refused["error"]["message"]
        assert log_in(server, "agent4", "agent4", "AUTH_TYPE_PASSWORD")["ok"]  # others may
        with server.admin() as admin:
            assert admin.post("/api/v1/agents/agent4/logout").status_code == 404
            first = admin.get("/api/v1/audit", params={"limit": 5}).json()["entries"]
            rest = admin.get("/api/v1/audit", params={"after": first[-1]["id"]}).json()
        entries = first + rest["entries"]
        assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)  # newest last
        actions = [(e["action"], e["username"], e["reason"]) for e in entries]
        assert actions == [("login_failed", "agent3", "invalid_credentials")] * 10 + [
            ("login_failed", "agent3", "too_many_attempts"),
            ("login", "agent4", "password"),
            ("logout", "agent4", "agent logout"),
            ("admin_logout", "agent4", "no active session"),
        ]
        assert all(e["client"] == "127.0.0.1" for e in entries if e["action"] != "logout")
        assert "wrong" not in str(entries)
        assert httpx.get(f"{server.base_url}/api/v1/audit").status_code == 401


def test_every_wrong_guess_gets_one_answer_and_the_audit_log_the_real_reason(
    token_server: tuple[AgentbarServer, RSAPrivateKey],
) -> None:
    server, _ = token_server
    with server.admin() as admin:
        sso_only = {"name": "Sam", "authPolicy": "sso"}
        assert admin.put("/api/v1/agents/sam", json=sso_only).status_code == 204
        password_only = {"name": "Paula", "password": "paula-secret", "authPolicy": "password"}
        assert admin.put("/api/v1/agents/paula", json=password_only).status_code == 204
    now = time.time()
    guesses = {  # the user each guess names: what the administrator may read
        "nobody": ("whatever", "AUTH_TYPE_PASSWORD", "unknown_agent"),
        "sam": ("sam", "AUTH_TYPE_PASSWORD", "auth_policy_not_allowed"),
        "agent2": ("wrong", "AUTH_TYPE_PASSWORD", "invalid_credentials"),
        "no-one": (mint("no-one", now), "AUTH_TYPE_TOKEN", "unknown_agent"),
        "paula": (mint("paula", now), "AUTH_TYPE_TOKEN", "auth_policy_not_allowed"),
    }
    for user, (secret, policy, _) in guesses.items():
        answer = log_in(server, user, secret, policy)
        assert answer["error"] == {
            "code": "invalid_credentials",
            "message": "invalid username or password",
        }, user
    with server.admin() as admin:
        entries = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    audited = {e["username"]: e["reason"] for e in entries if e["action"] == "login_failed"}
    assert {user: audited[user] for user in guesses} == {
        user: reason for user, (_, _, reason) in guesses.items()
    }
