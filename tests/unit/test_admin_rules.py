"""The rules behind the admin API that need no server: which login an agent's policy allows,
what an SSO endpoint and an origin list must look like, and the SSO latency observed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from agentbar.auth.crm_sso import CrmSso, SsoSettings, SsoUnavailable
from agentbar.auth.passwords import Passwords, is_argon2id_hash
from agentbar.auth.policy import AgentLogin, AuthPolicy
from agentbar.auth.sso_wire import SsoFormat
from agentbar.services.crm_settings import InvalidSetting, parse_origins, parse_sso_url


@pytest.mark.parametrize(
    ("login", "allowed"),
    [
        (AgentLogin.ANY, {AuthPolicy.PASSWORD, AuthPolicy.CRM_HTTP, AuthPolicy.TOKEN}),
        (AgentLogin.PASSWORD, {AuthPolicy.PASSWORD}),
        (AgentLogin.SSO, {AuthPolicy.CRM_HTTP, AuthPolicy.TOKEN}),
    ],
)
def test_an_agents_policy_allows_exactly_its_logins(
    login: AgentLogin, allowed: set[AuthPolicy]
) -> None:
    assert {p for p in AuthPolicy if login.allows(p)} == allowed


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://crm.example.com/sso", "http:// or https://"),
        ("crm.example.com/sso", "http:// or https://"),
        ("https:///sso", "no host"),
        ("https://me:secret@crm.example.com/sso", "credentials"),
        ("https://me@crm.example.com/sso", "credentials"),
        ("https://crm.example.com/sso#login", "fragment"),
        ("https://crm.example.com:99999/sso", "not a URL"),
    ],
)
def test_a_bad_sso_url_is_refused_with_its_problem(url: str, problem: str) -> None:
    with pytest.raises(InvalidSetting, match=problem):
        parse_sso_url(url)


def test_a_good_sso_url_is_kept_as_given() -> None:
    url = "https://crm.example.com:8443/agentbar/sso?tenant=7"
    assert parse_sso_url(f" {url} ") == url


def test_origins_are_normalised_and_none_may_repeat() -> None:
    assert parse_origins(["HTTPS://CRM.example.com:443/", "http://localhost:8081"]) == [
        "https://crm.example.com",
        "http://localhost:8081",
    ]
    with pytest.raises(InvalidSetting, match="listed twice"):
        parse_origins(["https://crm.example.com", "https://crm.example.com/"])
    with pytest.raises(InvalidSetting, match="not an origin"):
        parse_origins(["https://crm.example.com/app"])


def test_only_argon2id_hashes_pass_for_imported_passwords() -> None:
    hashed = Passwords(memory_kib=8, time_cost=1).hash("secret")
    assert is_argon2id_hash(hashed)
    assert not is_argon2id_hash(hashed.replace("argon2id", "argon2i"))
    assert not is_argon2id_hash("$2b$12$abcdefghijklmnopqrstuv")
    assert not is_argon2id_hash("secret")


class Ticks:
    """A monotonic clock that moves 0.25 s at each reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


class Streamed(httpx.AsyncByteStream):
    """An answer body the client reads as a stream, as from a real CRM."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._body


def answer(status: int, body: dict[str, str]) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"Content-Type": "application/json"},
        stream=Streamed(json.dumps(body).encode()),
    )


async def test_each_sso_request_is_timed_with_its_outcome() -> None:
    answers = iter(
        [
            answer(200, {"status": "success", "crmSessionId": "s1"}),
            answer(200, {"status": "failed", "message": "no"}),
            answer(500, {}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    settings = SsoSettings("http://crm.test/sso", SsoFormat.JSON, 1.0, 1.0)
    sso = CrmSso(settings, transport, monotonic=Ticks())
    seen: list[tuple[str, str, float]] = []
    sso.observe = lambda command, outcome, seconds: seen.append((command, outcome, seconds))
    assert (await sso.login("a1", "pw")).success
    assert not (await sso.login("a1", "bad")).success
    with pytest.raises(SsoUnavailable):
        await sso.logout("s1")
    assert seen == [
        ("login", "success", 0.25),
        ("login", "failed", 0.25),
        ("logout", "unavailable", 0.25),
    ]


async def test_an_unconfigured_endpoint_is_unavailable_and_not_timed() -> None:
    sso = CrmSso(None)
    seen: list[str] = []
    sso.observe = lambda command, outcome, seconds: seen.append(outcome)
    assert not sso.configured
    with pytest.raises(SsoUnavailable, match="not configured"):
        await sso.login("a1", "pw")
    assert seen == []
