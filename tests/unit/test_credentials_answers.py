"""One answer for every wrong guess: an unknown user, an agent not allowed the policy, a wrong
secret — the same code and message, the same argon2 work; only the audit reason differs."""

from __future__ import annotations

import time
from typing import cast

import pytest

from agentbar.auth.crm_sso import CrmSso
from agentbar.auth.login_tokens import LoginTokens
from agentbar.auth.passwords import Passwords
from agentbar.auth.policy import AuthPolicy
from agentbar.auth.sso_wire import SsoAnswer
from agentbar.ports import AgentRecord, Catalog
from agentbar.services.credentials import Credentials, LoginFailed
from tests.support.jwts import SECRET, mint

SAME = ("invalid_credentials", "invalid username or password")


class CountedPasswords(Passwords):
    def __init__(self) -> None:
        super().__init__(memory_kib=8, time_cost=1)
        self.verified = 0

    def verify(self, stored_hash: str | None, password: str) -> bool:
        self.verified += 1
        return super().verify(stored_hash, password)


class Agents:
    def __init__(self, *records: AgentRecord) -> None:
        self._records = {r.agent_id: r for r in records}

    async def agent(self, agent_id: str) -> AgentRecord | None:
        return self._records.get(agent_id)


class Crm:
    configured = True

    def __init__(self, answer: SsoAnswer) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def login(self, user_id: str, password: str) -> SsoAnswer:
        self.asked.append(user_id)
        return self.answer


def credentials_for(
    passwords: Passwords, crm: Crm | None = None, tokens: LoginTokens | None = None
) -> Credentials:
    hashed = passwords.hash("right")
    agents = Agents(
        AgentRecord("anyone", "Anyone", hashed, frozenset()),
        AgentRecord("sso-only", "SSO only", hashed, frozenset(), auth_policy="sso"),
        AgentRecord("password-only", "Password only", hashed, frozenset(), "password"),
    )
    return Credentials(cast(Catalog, agents), passwords, cast(CrmSso, crm), tokens)


async def refusal(
    credentials: Credentials, policy: AuthPolicy, user: str, secret: str
) -> LoginFailed:
    with pytest.raises(LoginFailed) as refused:
        await credentials.check(policy, user, secret)
    return refused.value


async def test_password_policy_answers_every_wrong_guess_alike_after_the_same_work() -> None:
    passwords = CountedPasswords()
    credentials = credentials_for(passwords)
    guesses = {
        "unknown_agent": ("nobody", "right"),
        "auth_policy_not_allowed": ("sso-only", "right"),  # even with its right password
        "invalid_credentials": ("anyone", "wrong"),
    }
    for reason, (user, secret) in guesses.items():
        before = passwords.verified
        failed = await refusal(credentials, AuthPolicy.PASSWORD, user, secret)
        assert (failed.code, failed.message) == SAME, user
        assert failed.counts
        assert failed.reason == reason  # for the audit log only
        assert passwords.verified == before + 1, f"{user}: one argon2 verification, as any"
    verified = await credentials.check(AuthPolicy.PASSWORD, "anyone", "right")
    assert verified.agent.agent_id == "anyone"


async def test_token_policy_answers_an_unknown_or_password_only_agent_alike() -> None:
    tokens = LoginTokens(time.time, secret=SECRET)
    credentials = credentials_for(CountedPasswords(), tokens=tokens)
    for user, reason in (("nobody", "unknown_agent"), ("password-only", "auth_policy_not_allowed")):
        failed = await refusal(credentials, AuthPolicy.TOKEN, user, mint(user, time.time()))
        assert (failed.code, failed.message, failed.reason) == (*SAME, reason)
    # a refusal of the token itself keeps its reason: it says nothing about the user
    expired = mint("nobody", time.time() - 600, lifetime=60)
    failed = await refusal(credentials, AuthPolicy.TOKEN, "nobody", expired)
    assert failed.code == "token_expired"


async def test_crm_policy_refuses_an_unknown_agent_like_a_crm_refusal_without_asking_it() -> None:
    crm = Crm(SsoAnswer(success=False, message="", crm_session_id=None))
    credentials = credentials_for(CountedPasswords(), crm=crm)
    unknown = await refusal(credentials, AuthPolicy.CRM_HTTP, "nobody", "secret")
    not_allowed = await refusal(credentials, AuthPolicy.CRM_HTTP, "password-only", "right")
    assert crm.asked == []  # no password sent onwards for either
    refused_by_crm = await refusal(credentials, AuthPolicy.CRM_HTTP, "anyone", "wrong")
    assert crm.asked == ["anyone"]
    answers = {(f.code, f.message) for f in (unknown, not_allowed, refused_by_crm)}
    assert answers == {SAME}
    assert [f.reason for f in (unknown, not_allowed, refused_by_crm)] == [
        "unknown_agent",
        "auth_policy_not_allowed",
        "crm_refused",
    ]
    # the CRM's own message still reaches loginHandler (SPEC §5), under the same code
    crm.answer = SsoAnswer(success=False, message="Your CRM account is locked", crm_session_id=None)
    locked = await refusal(credentials, AuthPolicy.CRM_HTTP, "anyone", "wrong")
    assert (locked.code, locked.message) == ("invalid_credentials", "Your CRM account is locked")
