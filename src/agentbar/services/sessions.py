"""Agent sessions: login by policy, resume by token, logout, force login.

A session is the server's record that one toolbar acts for one agent; the token that proves
it is given to the toolbar once and only its hash is kept. One agent has at most one active
session: a second login is told "force login required" unless it asks to take over.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentbar.auth.passwords import Passwords
from agentbar.auth.policy import AuthPolicy, parse_policy
from agentbar.auth.tokens import new_token, token_hash
from agentbar.domain.agent import AgentProfile
from agentbar.domain.commands import LogIn, LogOut
from agentbar.ids import new_id
from agentbar.ports import Clock, Storage
from agentbar.services.runtime import Runtime


class LoginFailed(Exception):
    """A login or resume refused; `message` is what the CRM's loginHandler receives."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


AUTH_POLICY_INCORRECT = LoginFailed("auth_policy_incorrect", "auth policy incorrect")
CREDENTIALS_EMPTY = LoginFailed("credentials_empty", "username or password empty")
FORCE_LOGIN_REQUIRED = LoginFailed("force_login_required", "force login required")
INVALID_SESSION = LoginFailed("invalid_session", "invalid sessionId")


@dataclass(frozen=True)
class Session:
    session_id: str
    agent_id: str
    crm_origin: str


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: Session
    forced: bool


class Sessions:
    def __init__(
        self, runtime: Runtime, storage: Storage, passwords: Passwords, clock: Clock
    ) -> None:
        self._runtime = runtime
        self._storage = storage
        self._passwords = passwords
        self._clock = clock

    async def login(
        self, username: str, password: str, policy_name: object, crm_origin: str, force: bool
    ) -> LoginResult:
        policy = parse_policy(policy_name)
        if policy is None:
            raise AUTH_POLICY_INCORRECT
        if not username.strip() or not password:
            raise CREDENTIALS_EMPTY
        if policy is AuthPolicy.CRM_HTTP:
            raise LoginFailed(
                "sso_not_configured",
                "CRM login is not configured on this server; ask the administrator "
                "or log in with AUTH_TYPE_PASSWORD",
            )
        record = await self._storage.agent(username.strip())
        if not self._passwords.verify(record.password_hash if record else None, password):
            raise LoginFailed("invalid_credentials", "invalid username or password")
        assert record is not None
        previous = await self._storage.active_session_of(record.agent_id)
        if previous is not None and not force:
            raise FORCE_LOGIN_REQUIRED

        token = new_token()
        session = Session(new_id("ses"), record.agent_id, crm_origin)
        now = self._clock.now()
        if previous is not None:
            await self._end(previous.session_id, record.agent_id, "force login")
        if self._runtime.center.find_agent(record.agent_id) is None:
            profile = AgentProfile(record.agent_id, record.name, record.campaign_ids)
            await self._runtime.command(LogIn(profile))
        await self._storage.create_session(
            session.session_id, token_hash(token), record.agent_id, crm_origin, now
        )
        await self._runtime.note(
            "session.started",
            record.agent_id,
            {"session_id": session.session_id, "forced": previous is not None},
        )
        return LoginResult(token, session, forced=previous is not None)

    async def resume(self, token: str, crm_origin: str) -> Session:
        record = await self._storage.session_by_token(token_hash(token))
        if record is None or record.ended_at is not None:
            raise INVALID_SESSION
        if self._runtime.center.find_agent(record.agent_id) is None:
            raise INVALID_SESSION
        return Session(record.session_id, record.agent_id, crm_origin)

    async def is_active(self, session: Session) -> bool:
        current = await self._storage.active_session_of(session.agent_id)
        return current is not None and current.session_id == session.session_id

    async def logout(self, session: Session, reason: str) -> None:
        """Log the agent out (refused during a call) and end the session everywhere."""
        await self._runtime.command(LogOut(session.agent_id, reason))
        await self._end(session.session_id, session.agent_id, reason)

    async def _end(self, session_id: str, agent_id: str, reason: str) -> None:
        await self._storage.end_session(session_id, reason, self._clock.now())
        await self._runtime.note(
            "session.ended", agent_id, {"session_id": session_id, "reason": reason}
        )
