"""Who is logging in: the credentials of each login policy checked, nothing stored.

Rules kept here:
- The agent must be provisioned in agentbar whatever the policy. For the CRM policy an
  unknown agent is refused before the CRM is asked (SPEC §5: the agent must exist on both
  sides, and an unknown name must not make this server send anyone's password onwards).
- Every wrong guess answers alike — an unknown user, an agent whose administrator does not
  allow the policy asked for, a wrong password: `invalid_credentials`, "invalid username or
  password" — so an answer never tells whether a user exists or how it logs in. A password
  login verifies a decoy hash when there is no hash to verify, so the time tells nothing
  either. The real reason goes to the audit log only (`LoginFailed.reason`).
- A refusal's message is what the CRM page's loginHandler receives: the CRM's own (cleaned)
  message when it answered `failed` (SPEC §5), never its raw answer otherwise. A login token's
  refusals keep their own reasons: they are about the token, checked before the user is
  looked up, and tell nothing about the user.
- `counts` on a refusal says whether it is a wrong guess (throttled), as opposed to the CRM
  being unreachable or the server not configured for the policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agentbar.auth.crm_sso import CrmSso, SsoUnavailable
from agentbar.auth.login_tokens import LoginTokens, TokenClaims, TokenRefused
from agentbar.auth.passwords import Passwords, VerificationsBusy
from agentbar.auth.policy import AgentLogin, AuthPolicy
from agentbar.origins import origin_of
from agentbar.ports import AgentRecord, Catalog

log = logging.getLogger(__name__)

UNKNOWN_ERROR = "unknown error occurred please refresh or retry"
INVALID_USERNAME_OR_PASSWORD = "invalid username or password"
CRM_REFUSED_WITHOUT_MESSAGE = INVALID_USERNAME_OR_PASSWORD
"""A CRM refusal with no message reads like any other wrong guess."""


class LoginFailed(Exception):
    """A login or resume refused; `message` is what the CRM's loginHandler receives."""

    def __init__(
        self, code: str, message: str, counts: bool = False, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.counts = counts
        self.reason = reason or code
        """What the audit log records: the real reason, which the answer may not tell."""


def same_crm(opened_from: str, resumed_from: str) -> None:
    """A session resumes only from the CRM origin it was opened from: a token carried to
    another allowed CRM (in the same tab) does not take the session along, and that CRM logs
    in for itself."""
    if origin_of(opened_from) != origin_of(resumed_from):
        raise LoginFailed(
            "invalid_session",
            f"this session was opened from {origin_of(opened_from)}; "
            "log in again to use the toolbar here",
        )


def _wrong_guess(reason: str, message: str = INVALID_USERNAME_OR_PASSWORD) -> LoginFailed:
    return LoginFailed("invalid_credentials", message, counts=True, reason=reason)


INVALID_CREDENTIALS = _wrong_guess("invalid_credentials")
UNKNOWN_AGENT = _wrong_guess("unknown_agent")
POLICY_NOT_ALLOWED = _wrong_guess("auth_policy_not_allowed")
"""The agent may not use the policy asked for (its administrator chose password or SSO)."""

SSO_NOT_CONFIGURED = LoginFailed(
    "sso_not_configured",
    "CRM login is not configured on this server; ask the administrator "
    "or log in with AUTH_TYPE_PASSWORD",
)
SSO_UNAVAILABLE = LoginFailed("crm_unavailable", UNKNOWN_ERROR)
VERIFICATIONS_BUSY = LoginFailed(
    "too_many_attempts", "too many logins at once; retry in 1 seconds", reason="logins_busy"
)
"""Every password-checking thread is busy and enough wait already (it checked nothing)."""

TOKEN_NOT_CONFIGURED = LoginFailed(
    "token_not_configured", "token login is not configured on this server"
)


@dataclass(frozen=True)
class Verified:
    agent: AgentRecord
    crm_session_id: str | None = None
    token: TokenClaims | None = None
    """A login token, to be consumed when the session is created."""


class Credentials:
    def __init__(
        self,
        storage: Catalog,
        passwords: Passwords,
        sso: CrmSso | None = None,
        tokens: LoginTokens | None = None,
    ) -> None:
        self._storage = storage
        self._passwords = passwords
        self._sso = sso
        self._tokens = tokens

    async def check(self, policy: AuthPolicy, username: str, secret: str) -> Verified:
        if policy is AuthPolicy.PASSWORD:
            return await self._password(username, secret)
        if policy is AuthPolicy.CRM_HTTP:
            return await self._crm(username, secret)
        return await self._token(username, secret)

    def consume(self, claims: TokenClaims) -> None:
        """Use up a verified login token (when its session is created)."""
        assert self._tokens is not None
        try:
            self._tokens.consume(claims)
        except TokenRefused as refused:
            raise LoginFailed(refused.code, refused.message, True) from None

    async def _password(self, username: str, password: str) -> Verified:
        record = await self._storage.agent(username)
        allowed = record is not None and AgentLogin(record.auth_policy).allows(AuthPolicy.PASSWORD)
        # Verified even for an unknown or SSO-only user (against the decoy when there is no
        # hash to use), so the time of the answer does not tell which it was.
        stored_hash = record.password_hash if record is not None and allowed else None
        try:
            matches = await self._passwords.verify_off_loop(
                stored_hash, password, key=username.casefold()
            )
        except VerificationsBusy:
            raise VERIFICATIONS_BUSY from None
        if record is None:
            raise UNKNOWN_AGENT
        if not allowed:
            raise POLICY_NOT_ALLOWED
        if not matches:
            raise INVALID_CREDENTIALS
        return Verified(record)

    async def _crm(self, username: str, password: str) -> Verified:
        if self._sso is None or not self._sso.configured:
            raise SSO_NOT_CONFIGURED
        record = await self._storage.agent(username)
        if record is None:
            raise UNKNOWN_AGENT
        # Before the CRM is asked: a password-only agent's password never leaves this server.
        _check_allowed(record, AuthPolicy.CRM_HTTP)
        try:
            answer = await self._sso.login(record.agent_id, password)
        except SsoUnavailable as error:
            log.warning("CRM login of %s failed: %s", record.agent_id, error)
            raise SSO_UNAVAILABLE from None
        if not answer.success:
            # The CRM's own message reaches loginHandler (SPEC §5), under the code every other
            # wrong guess has.
            message = answer.message or CRM_REFUSED_WITHOUT_MESSAGE
            raise _wrong_guess("crm_refused", message)
        if answer.crm_session_id is None:
            log.warning("CRM login of %s: success without a crmSessionId", record.agent_id)
            raise SSO_UNAVAILABLE
        return Verified(record, crm_session_id=answer.crm_session_id)

    async def _token(self, username: str, token: str) -> Verified:
        if self._tokens is None or not self._tokens.configured:
            raise TOKEN_NOT_CONFIGURED
        try:
            claims = self._tokens.verify(token, username)
        except TokenRefused as refused:
            raise LoginFailed(refused.code, refused.message, True) from None
        record = await self._storage.agent(username)
        if record is None:
            raise UNKNOWN_AGENT
        _check_allowed(record, AuthPolicy.TOKEN)
        return Verified(record, token=claims)


def _check_allowed(record: AgentRecord | None, policy: AuthPolicy) -> None:
    if record is not None and not AgentLogin(record.auth_policy).allows(policy):
        raise POLICY_NOT_ALLOWED
