"""CRM single sign-on against real HTTP servers playing the CRM: a correct one in each format,
hostile ones (slow, 500, malformed, HTML, redirect, huge, failed), and the CRM logout sent once
by every way a CRM-backed session ends. agentbar runs as its own process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentbar.auth.sso_wire import MESSAGE_LIMIT
from tests.conftest import CRM_ORIGIN
from tests.support.fake_crm import (
    FakeCrm,
    Reply,
    Sessions,
    fake_crm,
    json_reply,
    xml_reply,
)
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

UNKNOWN_ERROR = "unknown error occurred please refresh or retry"
SSO_TIMEOUT = 1.0
MARGIN = 1.5
"""Seconds beyond the time-out a refused login may take (process, socket, scheduling)."""


def sso_env(crm: FakeCrm, fmt: str = "json") -> dict[str, str]:
    return {
        "AGENTBAR_CRM_SSO_URL": crm.url,
        "AGENTBAR_CRM_SSO_FORMAT": fmt,
        "AGENTBAR_CRM_SSO_CONNECT_TIMEOUT": str(SSO_TIMEOUT),
        "AGENTBAR_CRM_SSO_TIMEOUT": str(SSO_TIMEOUT),
        "AGENTBAR_IDLE_TIMEOUT": "1",
    }


@pytest.fixture(scope="module")
def crm_and_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeCrm, AgentbarServer]]:
    with (
        fake_crm() as crm,
        agentbar_server(
            tmp_path_factory.mktemp("sso") / "agentbar", [CRM_ORIGIN], sso_env(crm)
        ) as server,
    ):
        yield crm, server


@pytest.fixture
def crm(crm_and_server: tuple[FakeCrm, AgentbarServer]) -> FakeCrm:
    crm = crm_and_server[0]
    crm.behaviour = Sessions()
    crm.clear()
    return crm


@pytest.fixture
def sso_server(crm_and_server: tuple[FakeCrm, AgentbarServer], crm: FakeCrm) -> AgentbarServer:
    return crm_and_server[1]


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def crm_login(
    toolbar: ToolbarClient, user: str, password: str | None = None, force: bool = False
) -> dict[str, Any]:
    return toolbar.request(
        "auth.login",
        username=user,
        password=user if password is None else password,
        authPolicy="Auth.Type.Crm.Http",
        crmOrigin=f"{CRM_ORIGIN}/contacts",
        force=force,
    )


def crm_session_of(server: AgentbarServer, agent_id: str) -> str:
    [row] = server.query(
        "SELECT crm_session_id FROM sessions WHERE agent_id = ? AND ended_at IS NULL", agent_id
    )
    crm_session_id: str = row["crm_session_id"]
    return crm_session_id


def sessions_of(server: AgentbarServer, agent_id: str) -> int:
    [row] = server.query("SELECT count(*) FROM sessions WHERE agent_id = ?", agent_id)
    count: int = row[0]
    return count


def barrier(server: AgentbarServer, crm: FakeCrm) -> str:
    """A full login and logout of agent5: once its CRM logout has arrived, any logout sent
    before it has too. Returns agent5's crmSessionId."""
    crm.behaviour = Sessions()
    with toolbar_for(server) as toolbar:
        assert crm_login(toolbar, "agent5")["ok"]
        crm_session_id = crm_session_of(server, "agent5")
        toolbar.expect_ok("auth.logout")
    crm.wait_for_logout_of(crm_session_id)
    return crm_session_id


# -- a correct CRM ----------------------------------------------------------------------------


def test_a_crm_login_opens_a_session_that_keeps_the_crm_session_id(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as toolbar:
        answer = crm_login(toolbar, "agent1")
        assert answer["ok"], answer
        [login] = crm.requests("login")
        assert login == {"userId": "agent1", "password": "agent1", "command": "login"}
        [row] = sso_server.query("SELECT crm_session_id FROM sessions WHERE agent_id = 'agent1'")
        assert row["crm_session_id"].startswith("crm-")
        toolbar.expect_ok("auth.logout")
    crm.wait_for_logout_of(row["crm_session_id"])


@pytest.mark.parametrize(
    ("fmt", "reply", "content_type"),
    [
        ("form", json_reply, "application/x-www-form-urlencoded"),
        ("xml", xml_reply, "application/x-www-form-urlencoded"),
    ],
)
def test_each_format_logs_in_and_out(
    tmp_path: Path, fmt: str, reply: Any, content_type: str
) -> None:
    with (
        fake_crm(Sessions(reply)) as crm,
        agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], sso_env(crm, fmt)) as server,
        toolbar_for(server) as toolbar,
    ):
        assert crm_login(toolbar, "agent2")["ok"]
        crm_session_id = crm_session_of(server, "agent2")
        toolbar.expect_ok("auth.logout")
        [logout] = crm.wait_for("logout", 1)
        assert logout == {"command": "logout", "crmSessionId": crm_session_id}
        assert all(r.content_type == content_type for r in crm.received)
        [login] = crm.requests("login")
        assert login == {"userId": "agent2", "password": "agent2", "command": "login"}


# -- hostile or failing CRMs ------------------------------------------------------------------


def _redirect(crm: FakeCrm) -> Reply:
    # 307 keeps the POST, so following it would log in: it must not be followed.
    return Reply(b"", status=307, headers=(("Location", crm.url),))


HOSTILE: dict[str, Any] = {
    "slow": lambda crm: Reply(b'{"status": "success", "crmSessionId": "s"}', delay=10),
    "500": lambda crm: Reply(b'{"status": "success", "crmSessionId": "s"}', status=500),
    "malformed JSON": lambda crm: Reply(b'{"status": "success", "crmSess'),
    "HTML page": lambda crm: Reply(b"<html><body>Login</body></html>", content_type="text/html"),
    "redirect": _redirect,
    "huge body": lambda crm: Reply(b'{"status": "success", "message": "', stream=4 << 20),
    "success without crmSessionId": lambda crm: json_reply(status="success"),
    "unknown status": lambda crm: json_reply(status="maybe", crmSessionId="s"),
    "a JSON list": lambda crm: Reply(b'[{"status": "success", "crmSessionId": "s"}]'),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_failing_crm_yields_unknown_error_in_time_and_changes_nothing(
    sso_server: AgentbarServer, crm: FakeCrm, case: str
) -> None:
    reply = HOSTILE[case](crm)
    crm.behaviour = lambda request: reply
    with toolbar_for(sso_server) as toolbar:
        started = time.monotonic()
        answer = crm_login(toolbar, "agent3")
        elapsed = time.monotonic() - started
    assert answer["error"] == {"code": "crm_unavailable", "message": UNKNOWN_ERROR}
    assert elapsed < SSO_TIMEOUT + MARGIN
    assert len(crm.requests("login")) == 1  # asked once; a redirect was not followed
    assert sessions_of(sso_server, "agent3") == 0
    agent5 = barrier(sso_server, crm)
    assert [r["crmSessionId"] for r in crm.requests("logout")] == [agent5]


def test_a_crm_refusal_passes_on_its_own_message_cleaned(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    message = "Account\x1b[31m locked:\n call\u202e IT " + "x" * 500
    reply = json_reply(status="FAILED", message=message, crmSessionId="should-not-be-used")
    crm.behaviour = lambda request: reply
    with toolbar_for(sso_server) as toolbar:
        answer = crm_login(toolbar, "agent3")
    error = answer["error"]
    assert error["code"] == "invalid_credentials"  # as every wrong guess; the CRM's message
    assert error["message"].startswith("Account [31m locked: call IT xxx")
    assert len(error["message"]) == MESSAGE_LIMIT
    assert sessions_of(sso_server, "agent3") == 0
    agent5 = barrier(sso_server, crm)
    assert [r["crmSessionId"] for r in crm.requests("logout")] == [agent5]


def test_an_agent_unknown_to_agentbar_is_refused_without_asking_the_crm(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as toolbar:
        answer = crm_login(toolbar, "nobody")
    assert answer["error"] == {
        "code": "invalid_credentials",  # as any wrong guess: the name is not revealed
        "message": "invalid username or password",
    }
    assert crm.received == []


# -- every ending of a CRM-backed session tells the CRM once ------------------------------------


def _logouts_of(crm: FakeCrm, crm_session_id: str) -> int:
    return sum(1 for r in crm.requests("logout") if r["crmSessionId"] == crm_session_id)


def test_the_agents_own_logout_logs_out_of_the_crm_once(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as toolbar:
        assert crm_login(toolbar, "agent1")["ok"]
        crm_session_id = crm_session_of(sso_server, "agent1")
        toolbar.expect_ok("auth.logout")
    barrier(sso_server, crm)
    assert _logouts_of(crm, crm_session_id) == 1


def test_a_supervisor_logout_logs_out_of_the_crm_once(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as toolbar:
        assert crm_login(toolbar, "agent1")["ok"]
        crm_session_id = crm_session_of(sso_server, "agent1")
        with sso_server.admin() as admin:
            assert admin.post("/api/v1/agents/agent1/logout").status_code == 204
        assert toolbar.wait_event("session.ended")["data"]["reason"] == "supervisor logout"
    barrier(sso_server, crm)
    assert _logouts_of(crm, crm_session_id) == 1


def test_an_idle_timeout_logs_out_of_the_crm_once(sso_server: AgentbarServer, crm: FakeCrm) -> None:
    with toolbar_for(sso_server) as toolbar:
        assert crm_login(toolbar, "agent1")["ok"]
        crm_session_id = crm_session_of(sso_server, "agent1")
    [logout] = crm.wait_for("logout", 1)  # the timeout is one second
    assert logout["crmSessionId"] == crm_session_id
    [row] = sso_server.query(
        "SELECT end_reason FROM sessions WHERE crm_session_id = ?", crm_session_id
    )
    assert row["end_reason"] == "idle timeout"
    barrier(sso_server, crm)
    assert _logouts_of(crm, crm_session_id) == 1


def test_a_force_login_logs_the_replaced_session_out_of_the_crm_once(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as old, toolbar_for(sso_server) as new:
        assert crm_login(old, "agent1")["ok"]
        old_id = crm_session_of(sso_server, "agent1")
        refused = crm_login(new, "agent1")
        assert refused["error"]["code"] == "force_login_required"
        # the CRM session opened for the refused attempt is closed again at once
        [orphan] = crm.wait_for("logout", 1)
        assert orphan["crmSessionId"] != old_id
        answer = crm_login(new, "agent1", force=True)
        assert answer["ok"]
        assert answer["forced"]
        new_id = crm_session_of(sso_server, "agent1")
        assert old.wait_event("session.ended")["data"]["reason"] == "force login"
        [_, replaced] = crm.wait_for("logout", 2)
        assert replaced["crmSessionId"] == old_id
        new.expect_ok("auth.logout")
    barrier(sso_server, crm)
    assert _logouts_of(crm, old_id) == 1
    assert _logouts_of(crm, new_id) == 1


def test_a_login_from_the_same_crm_session_continues_the_agents_session(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    """A CRM page reloaded where the toolbar could keep nothing logs in again with the same
    CRM session: that session goes on, with no force login and no CRM logout."""
    crm.behaviour = lambda request: (
        json_reply(status="success", message="")
        if request.fields.get("command") == "logout"
        else json_reply(status="success", message="", crmSessionId="crm-same-page")
    )
    with toolbar_for(sso_server) as old, toolbar_for(sso_server) as new:
        assert crm_login(old, "agent1")["ok"]
        answer = crm_login(new, "agent1")
        assert answer["ok"]
        assert not answer["forced"]
        assert old.wait_event("session.ended")["data"]["reason"] == "crm session continued"
        assert crm_session_of(sso_server, "agent1") == "crm-same-page"
        new.expect_ok("auth.logout")
    barrier(sso_server, crm)
    assert _logouts_of(crm, "crm-same-page") == 1  # the final logout, not the continuation


def test_a_crm_that_fails_the_logout_does_not_hold_up_the_toolbar(
    sso_server: AgentbarServer, crm: FakeCrm
) -> None:
    with toolbar_for(sso_server) as toolbar:
        assert crm_login(toolbar, "agent1")["ok"]
        crm.behaviour = lambda request: Reply(b"", delay=10)  # logout never answered
        started = time.monotonic()
        toolbar.expect_ok("auth.logout")
        assert time.monotonic() - started < 0.5 * SSO_TIMEOUT
    crm.wait_for("logout", 1)


def test_a_restart_keeps_crm_sessions_and_logs_out_of_the_crm_only_when_they_end(
    tmp_path: Path,
) -> None:
    """The floor outlives a restart, and so does a CRM-backed session: the CRM is not told of
    a logout then, and hears of it once when the session really ends."""
    data_dir = tmp_path / "agentbar"
    env = {"AGENTBAR_CRM_SSO_URL": "", "AGENTBAR_CRM_SSO_FORMAT": "json"}
    with fake_crm() as crm:
        env["AGENTBAR_CRM_SSO_URL"] = crm.url
        with agentbar_server(data_dir, [CRM_ORIGIN], env) as first, toolbar_for(first) as toolbar:
            token = crm_login(toolbar, "agent1")["token"]
            crm_session_id = crm_session_of(first, "agent1")
        with agentbar_server(data_dir, [CRM_ORIGIN], env) as second:
            with toolbar_for(second) as toolbar:
                toolbar.expect_ok("auth.resume", token=token, crmOrigin=f"{CRM_ORIGIN}/contacts")
                barrier(second, crm)
                assert _logouts_of(crm, crm_session_id) == 0
                assert crm_session_of(second, "agent1") == crm_session_id
                toolbar.expect_ok("auth.logout")
            barrier(second, crm)
        assert _logouts_of(crm, crm_session_id) == 1
