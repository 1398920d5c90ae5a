"""The sample CRM's SSO endpoint answers agentbar's own SSO client in JSON, form and XML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentbar.auth.crm_sso import CrmSso, SsoSettings
from agentbar.auth.sso_wire import SsoFormat
from examples.crm.db import CrmDatabase
from examples.services.ports import free_port
from tests.support.sample_crm import SampleCrm, sample_crm


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[SampleCrm]:
    # No agentbar is needed to answer SSO requests; the toolbar URL is never fetched here.
    with sample_crm(free_port(), "http://127.0.0.1:9", tmp_path / "crm.db") as crm:
        yield crm


def client(crm: SampleCrm, fmt: SsoFormat) -> CrmSso:
    return CrmSso(SsoSettings(crm.sso_url, fmt, connect_timeout=2.0, timeout=5.0))


def session_ended(crm: SampleCrm, session_id: str) -> bool:
    [row] = crm.query("SELECT ended_at FROM sessions WHERE session_id = ?", session_id)
    return row["ended_at"] is not None


@pytest.mark.parametrize("fmt", list(SsoFormat))
async def test_login_with_the_crm_password_then_logout(crm: SampleCrm, fmt: SsoFormat) -> None:
    sso = client(crm, fmt)
    refused = await sso.login("agent2", "not-the-password")
    assert (refused.success, refused.message, refused.crm_session_id) == (
        False,
        "wrong CRM user id or password",
        None,
    )
    unknown = await sso.login("nobody", "nobody")
    assert not unknown.success

    answer = await sso.login("agent2", "agent2")
    assert answer.success
    assert answer.crm_session_id is not None
    [row] = crm.query("SELECT user_id, ended_at FROM sessions")
    assert (row["user_id"], row["ended_at"]) == ("agent2", None)

    logout = await sso.logout(answer.crm_session_id)
    assert logout.success
    assert session_ended(crm, answer.crm_session_id)
    assert not (await sso.logout("crm-no-such-session")).success


@pytest.mark.parametrize("fmt", list(SsoFormat))
async def test_a_pages_ticket_logs_in_once_into_that_pages_session(
    crm: SampleCrm, fmt: SsoFormat
) -> None:
    db = CrmDatabase(crm.database)
    try:
        session_id, _ = db.open_session("agent3", with_cookie=True)
        ticket = db.issue_ticket(session_id)
    finally:
        db.close()
    sso = client(crm, fmt)
    assert not (await sso.login("agent4", ticket)).success, "a ticket is its user's only"
    answer = await sso.login("agent3", ticket)
    assert (answer.success, answer.crm_session_id) == (True, session_id)
    assert not (await sso.login("agent3", ticket)).success, "a ticket is spent once used"

    assert (await sso.logout(session_id)).success
    assert session_ended(crm, session_id)


def test_a_request_in_no_known_format_is_refused_and_changes_nothing(crm: SampleCrm) -> None:
    for content_type, body in [
        ("text/plain", b"userId=agent1"),
        ("application/json", b"[1, 2]"),
        ("application/x-www-form-urlencoded", b"other=1"),
        ("application/x-www-form-urlencoded", b"requestxml=%3C!DOCTYPE%20x%3E%3Cx%2F%3E"),
        ("application/json", b'{"command": "reboot"}'),
    ]:
        response = httpx.post(crm.sso_url, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, body
        assert "failed" in response.text
    assert crm.query("SELECT * FROM sessions") == []


async def test_agentbar_sees_a_refusal_as_a_failure_not_as_unavailable(crm: SampleCrm) -> None:
    # A missing password is the CRM's answer (a well-formed "failed"), not a broken exchange,
    # which agentbar's client would raise as SsoUnavailable.
    answer = await client(crm, SsoFormat.JSON).login("agent1", "")
    assert (answer.success, answer.message) == (False, "user id and password are required")
