"""Agent sessions: login by policy, resume by token, and every way a session ends.

A session is the server's record that one toolbar acts for one agent; the token that proves
it is given to the toolbar once and only its hash is kept. One agent has at most one active
session: a second login is told "force login required" unless it asks to take over.

Rules kept here:
- Every ending — the agent's own logout, a supervisor's, the idle timeout, a force login —
  goes through `_end`, which stores it, forgets the session's live state and publishes
  `session.ended`, on which the session's sockets pass the reason on and close.
- A force login ends only the old session: the agent's live state (extension, campaign,
  presence, current call) carries over to the new one. A supervisor's logout and the idle
  timeout log the agent out whatever it is doing (ForceLogOut); the agent's own logout is
  refused during a call.
- A session with no toolbar socket open for `idle_timeout` seconds ends ("idle timeout").
  Sockets register and unregister themselves; the timer runs on the runtime's clock.
- Session changes run one at a time under one lock, so an idle timeout, a supervisor and a
  login never interleave over the same session.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from agentbar.auth.passwords import Passwords
from agentbar.auth.policy import AuthPolicy, parse_policy
from agentbar.auth.tokens import new_token, token_hash
from agentbar.domain.agent import AgentProfile
from agentbar.domain.commands import ForceLogOut, LogIn, LogOut
from agentbar.ids import new_id
from agentbar.ports import Cancellable, Clock, Storage
from agentbar.services.runtime import Runtime

log = logging.getLogger(__name__)

AGENT_LOGOUT = "agent logout"
SUPERVISOR_LOGOUT = "supervisor logout"
IDLE_TIMEOUT = "idle timeout"
FORCE_LOGIN = "force login"
SERVER_RESTARTED = "server restarted"


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


class NoActiveSession(Exception):
    """A supervisor asked to end the session of an agent who has none."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


@dataclass
class _Live:
    """What this process knows of an active session beyond its stored row."""

    agent_id: str
    sockets: int = 0
    idle_timer: Cancellable | None = None
    """Running exactly while no socket is open."""


class Sessions:
    def __init__(
        self,
        runtime: Runtime,
        storage: Storage,
        passwords: Passwords,
        clock: Clock,
        idle_timeout: float = 600.0,
    ) -> None:
        self._runtime = runtime
        self._storage = storage
        self._passwords = passwords
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._lock = asyncio.Lock()
        self._live: dict[str, _Live] = {}
        self._expiring: set[asyncio.Task[None]] = set()

    # -- starting and ending a session ------------------------------------------------------

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
        async with self._lock:
            previous = await self._storage.active_session_of(record.agent_id)
            if previous is not None and not force:
                raise FORCE_LOGIN_REQUIRED
            if previous is not None:
                # Only the session ends: the agent, and whatever it is doing, carries over.
                await self._end(previous.session_id, record.agent_id, FORCE_LOGIN)
            if self._runtime.center.find_agent(record.agent_id) is None:
                profile = AgentProfile(record.agent_id, record.name, record.campaign_ids)
                await self._runtime.command(LogIn(profile))
            token = new_token()
            session = Session(new_id("ses"), record.agent_id, crm_origin)
            await self._storage.create_session(
                session.session_id,
                token_hash(token),
                record.agent_id,
                crm_origin,
                self._clock.now(),
            )
            live = _Live(record.agent_id)
            self._live[session.session_id] = live
            self._start_idle_timer(session.session_id, live)  # until a socket registers
            await self._runtime.note(
                "session.started",
                record.agent_id,
                {"session_id": session.session_id, "forced": previous is not None},
            )
        return LoginResult(token, session, forced=previous is not None)

    async def resume(self, token: str, crm_origin: str) -> Session:
        async with self._lock:
            record = await self._storage.session_by_token(token_hash(token))
            if record is None or record.ended_at is not None or record.session_id not in self._live:
                raise INVALID_SESSION
            if self._runtime.center.find_agent(record.agent_id) is None:
                raise INVALID_SESSION
            return Session(record.session_id, record.agent_id, crm_origin)

    async def logout(self, session: Session, reason: str = AGENT_LOGOUT) -> None:
        """The agent's own logout: refused during a call (the agent must finish it first)."""
        async with self._lock:
            if session.session_id not in self._live:
                raise INVALID_SESSION
            await self._runtime.command(LogOut(session.agent_id, reason))
            await self._end(session.session_id, session.agent_id, reason)

    async def force_logout(self, agent_id: str, reason: str = SUPERVISOR_LOGOUT) -> None:
        """End the agent's session and log it out whatever it is doing (a supervisor)."""
        async with self._lock:
            record = await self._storage.active_session_of(agent_id)
            if record is None:
                raise NoActiveSession(f"agent '{agent_id}' has no active session")
            await self._force_out(record.session_id, agent_id, reason)

    async def end_left_over(self) -> int:
        """At start: sessions of a previous run end, since the live state they referred to is
        gone. No socket can be open yet, so there is no one to tell."""
        return await self._storage.end_all_sessions(SERVER_RESTARTED, self._clock.now())

    async def _force_out(self, session_id: str, agent_id: str, reason: str) -> None:
        if self._runtime.center.find_agent(agent_id) is not None:
            await self._runtime.command(ForceLogOut(agent_id, reason))
        await self._end(session_id, agent_id, reason)

    async def _end(self, session_id: str, agent_id: str, reason: str) -> None:
        """The one place a session ends (called under the lock)."""
        live = self._live.pop(session_id, None)
        if live is not None and live.idle_timer is not None:
            live.idle_timer.cancel()
        await self._storage.end_session(session_id, reason, self._clock.now())
        await self._runtime.note(
            "session.ended", agent_id, {"session_id": session_id, "reason": reason}
        )

    # -- the toolbar sockets of a session -----------------------------------------------------

    def is_live(self, session: Session) -> bool:
        """Whether the session is still active: a socket acts for it only while it is."""
        return session.session_id in self._live

    def socket_opened(self, session: Session) -> bool:
        """A socket now acts for the session; False if the session has ended meanwhile."""
        live = self._live.get(session.session_id)
        if live is None:
            return False
        live.sockets += 1
        if live.idle_timer is not None:
            live.idle_timer.cancel()
            live.idle_timer = None
        return True

    def socket_closed(self, session: Session) -> None:
        """A socket that acted for the session closed; the last one starts the idle timer."""
        live = self._live.get(session.session_id)
        if live is None:
            return  # the session ended first
        live.sockets -= 1
        assert live.sockets >= 0
        if live.sockets == 0:
            self._start_idle_timer(session.session_id, live)

    def _start_idle_timer(self, session_id: str, live: _Live) -> None:
        live.idle_timer = self._clock.call_later(self._idle_timeout, lambda: self._idle(session_id))

    def _idle(self, session_id: str) -> None:
        """Clock callbacks are plain functions; the ending itself needs the event loop."""
        task = asyncio.get_running_loop().create_task(self._expire(session_id))
        self._expiring.add(task)
        task.add_done_callback(self._expiring.discard)

    async def _expire(self, session_id: str) -> None:
        try:
            async with self._lock:
                live = self._live.get(session_id)
                if live is None or live.sockets > 0:
                    return  # ended, or a socket came back, while this waited for the lock
                live.idle_timer = None
                await self._force_out(session_id, live.agent_id, IDLE_TIMEOUT)
        except Exception:
            log.exception("ending idle session %s failed", session_id)

    async def settle(self) -> None:
        """Wait until every idle timeout that has fired so far has ended its session."""
        while self._expiring:
            await asyncio.gather(*self._expiring)

    async def stop(self) -> None:
        for live in self._live.values():
            if live.idle_timer is not None:
                live.idle_timer.cancel()
                live.idle_timer = None
        for task in self._expiring:
            task.cancel()
        await asyncio.gather(*self._expiring, return_exceptions=True)
