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
- A login attempt (`Logins`: the throttle, the credentials by policy, the audit) is checked
  outside the lock: a slow CRM must not hold up every other login and logout. Attempts are
  throttled per account and client address, counted on the owner for every node
  (`FloorThrottle`); every login, refusal and ending is written to the audit log.
- A CRM-backed session's ending is told to the CRM exactly once, after it is stored, in the
  background (`CrmLogouts`), from `_end` — so every way of ending does it.
- Across nodes, sessions are decided where the floor is: a door checks credentials itself
  (the costly part) and asks the owner to start, end or log out a session; it tells the owner
  each toolbar socket it opens and closes (in order), and the owner keeps every session's
  socket count per node and runs all idle and lifetime timers. A door resumes a session from
  storage and its copy of the floor, and learns a session ended from `session.ended`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from agentbar.auth.throttle import LoginThrottle
from agentbar.auth.tokens import new_token, token_hash
from agentbar.domain.model.agent import BUSY_STATES, AgentProfile
from agentbar.domain.model.commands import ForceLogOut, LogIn, LogOut
from agentbar.ids import new_id
from agentbar.ports import Clock, Envelope, SessionStore
from agentbar.services import audit as a
from agentbar.services.audit import Audit
from agentbar.services.credentials import Credentials, LoginFailed, Verified, same_crm
from agentbar.services.crm_logouts import CrmLogouts
from agentbar.services.login_throttling import FloorThrottle
from agentbar.services.logins import Logins
from agentbar.services.runtime import Runtime
from agentbar.services.session_asks import (
    OrderedReports,
    refusal,
    refusal_raised,
    start_args,
    verified_of,
)
from agentbar.services.session_values import LiveSession, LoginResult, NoActiveSession, Session

log = logging.getLogger(__name__)

AGENT_LOGOUT = "agent logout"
SUPERVISOR_LOGOUT = "supervisor logout"
IDLE_TIMEOUT = "idle timeout"
FORCE_LOGIN = "force login"
SERVER_RESTARTED = "server restarted"
SESSION_EXPIRED = "session expired"
CRM_SESSION_CONTINUED = "crm session continued"

EXPIRY_RETRY = 60.0
"""Seconds between checks of a session past its lifetime whose agent is still busy."""

__all__ = ["LoginFailed", "NoActiveSession", "Session", "Sessions"]


FORCE_LOGIN_REQUIRED = LoginFailed("force_login_required", "force login required")
INVALID_SESSION = LoginFailed("invalid_session", "invalid sessionId")


START = "sessions.start"
LOGOUT = "sessions.logout"
FORCE_LOGOUT = "sessions.force_logout"
SOCKETS = "sessions.sockets"
"""What a door asks the owner's sessions to do (`Runtime.on_owner`)."""


class Sessions:
    def __init__(
        self,
        runtime: Runtime,
        storage: SessionStore,
        clock: Clock,
        idle_timeout: float = 600.0,
        *,
        credentials: Credentials,
        audit: Audit,
        max_age: float = 12 * 3600.0,
        throttle: LoginThrottle | None = None,
        crm_logouts: CrmLogouts | None = None,
        node_id: str = "local",
    ) -> None:
        self._runtime = runtime
        self._node = node_id
        self._here: dict[str, int] = {}
        """Toolbar sockets open on this node, per session."""
        self._ended: set[str] = set()
        """Sessions a door saw end (while it still has sockets for them)."""
        self._reports = OrderedReports(lambda report: runtime.on_owner(SOCKETS, report))
        runtime.provide(START, self._start_asked)
        runtime.provide(LOGOUT, self._logout_asked)
        runtime.provide(FORCE_LOGOUT, self._force_logout_asked)
        runtime.provide(SOCKETS, self._sockets_told)
        self._storage = storage
        self._credentials = credentials
        self._audit = audit
        self._logins = Logins(
            credentials,
            FloorThrottle(runtime, throttle or LoginThrottle(clock.now)),
            audit,
            self._start_where_decided,
        )
        self._crm_logouts = crm_logouts
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._max_age = max_age
        self._lock = asyncio.Lock()
        self._live: dict[str, LiveSession] = {}
        self._expiring: set[asyncio.Task[None]] = set()

    # -- starting and ending a session ------------------------------------------------------

    async def login(
        self,
        username: str,
        password: str,
        policy_name: object,
        crm_origin: str,
        force: bool,
        client: str = "",
    ) -> LoginResult:
        """Log in by policy; `client` is the caller's address (throttling and the audit log)."""
        return await self._logins.login(username, password, policy_name, crm_origin, force, client)

    async def _start_where_decided(
        self, verified: Verified, crm_origin: str, force: bool
    ) -> LoginResult:
        if not self._runtime.is_door:
            return await self._start(verified, crm_origin, force)
        args = start_args(verified, crm_origin, force)
        started = refusal_raised(await self._runtime.on_owner(START, args))
        session = Session(started["sessionId"], verified.agent.agent_id, crm_origin)
        return LoginResult(started["token"], session, forced=bool(started["forced"]))

    async def _start_asked(self, args: dict[str, Any]) -> dict[str, Any]:
        verified = verified_of(args)
        try:
            result = await self._start(verified, args["crmOrigin"], bool(args["force"]))
        except LoginFailed as failed:
            return refusal(failed)
        return {
            "token": result.token,
            "sessionId": result.session.session_id,
            "forced": result.forced,
        }

    async def _start(self, verified: Verified, crm_origin: str, force: bool) -> LoginResult:
        record = verified.agent
        async with self._lock:
            previous = await self._storage.active_session_of(record.agent_id)
            # The CRM vouches for its own session: a login from the CRM session the agent's
            # session already belongs to (its page reloaded in a browser that let the toolbar
            # keep nothing) continues it, with no force login and no CRM logout.
            continued = (
                previous is not None
                and verified.crm_session_id is not None
                and previous.crm_session_id == verified.crm_session_id
                and previous.crm_origin == crm_origin
            )
            if previous is not None and not force and not continued:
                if verified.crm_session_id is not None and self._crm_logouts is not None:
                    # The CRM opened a session that no agentbar session will own; the force
                    # login that usually follows asks the CRM again.
                    self._crm_logouts.send(verified.crm_session_id)
                raise FORCE_LOGIN_REQUIRED
            if verified.token is not None:
                # Consumed only now, so a "force login required" leaves the token usable.
                self._credentials.consume(verified.token)
            if previous is not None:
                # Only the session ends: the agent, and whatever it is doing, carries over.
                if continued:
                    left = self._live.get(previous.session_id)
                    if left is not None:
                        left.crm_session_id = None  # the CRM session goes on in the new one
                    await self._end(previous.session_id, record.agent_id, CRM_SESSION_CONTINUED)
                else:
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
                verified.crm_session_id,
            )
            live = LiveSession(record.agent_id, verified.crm_session_id)
            self._live[session.session_id] = live
            self._start_idle_timer(session.session_id, live)  # until a socket registers
            self._start_lifetime_timer(session.session_id, live, self._max_age)
            await self._runtime.note(
                "session.started",
                record.agent_id,
                {
                    "sessionId": session.session_id,
                    "forced": previous is not None and not continued,
                },
            )
        return LoginResult(token, session, forced=previous is not None and not continued)

    async def resume(self, token: str, crm_origin: str) -> Session:
        async with self._lock:
            record = await self._storage.session_by_token(token_hash(token))
            if record is None or record.ended_at is not None:
                raise INVALID_SESSION
            if not self._runtime.is_door and record.session_id not in self._live:
                raise INVALID_SESSION
            if self._runtime.center.find_agent(record.agent_id) is None:
                raise INVALID_SESSION
            same_crm(record.crm_origin, crm_origin)
            return Session(record.session_id, record.agent_id, crm_origin)

    async def logout(self, session: Session, reason: str = AGENT_LOGOUT) -> None:
        """The agent's own logout: refused during a call (the agent must finish it first)."""
        if self._runtime.is_door:
            args = {"sessionId": session.session_id, "agentId": session.agent_id, "reason": reason}
            refusal_raised(await self._runtime.on_owner(LOGOUT, args))
            return
        async with self._lock:
            if session.session_id not in self._live:
                raise INVALID_SESSION
            await self._runtime.command(LogOut(session.agent_id, reason))
            await self._end(session.session_id, session.agent_id, reason)

    async def force_logout(
        self, agent_id: str, reason: str = SUPERVISOR_LOGOUT, *, client: str | None
    ) -> None:
        """End the agent's session and log it out whatever it is doing (a supervisor at
        `client`); the attempt is audited, whether there was a session or not."""
        if self._runtime.is_door:
            args = {"agentId": agent_id, "reason": reason, "client": client}
            answer = await self._runtime.on_owner(FORCE_LOGOUT, args)
            if "noActiveSession" in answer:
                raise NoActiveSession(answer["noActiveSession"])
            return
        async with self._lock:
            record = await self._storage.active_session_of(agent_id)
            if record is not None:
                await self._force_out(record.session_id, agent_id, reason)
        if record is None:
            await self._audit.record(a.ADMIN_LOGOUT, agent_id, client, "no active session")
            raise NoActiveSession(f"agent '{agent_id}' has no active session")
        await self._audit.record(a.ADMIN_LOGOUT, agent_id, client, reason)

    async def _logout_asked(self, args: dict[str, Any]) -> dict[str, Any]:
        session = Session(args["sessionId"], args["agentId"], "")
        try:
            await self.logout(session, args["reason"])
        except LoginFailed as failed:
            return refusal(failed)
        return {}

    async def _force_logout_asked(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            await self.force_logout(args["agentId"], args["reason"], client=args["client"])
        except NoActiveSession as none:
            return {"noActiveSession": none.message}
        return {}

    async def resume_left_over(self) -> tuple[int, int]:
        """At start, once the floor is restored: a session of the last run whose agent is still
        on the floor goes on — its toolbar resumes with its token as after any reconnect; its
        idle clock starts afresh (no socket is open yet), its lifetime runs from its start. A
        session whose agent is not on the floor ends, and an agent on the floor with no session
        is logged out: nobody could act for it. Returns (sessions kept, sessions ended)."""
        kept, ended = 0, 0
        async with self._lock:
            now = self._clock.now()
            with_session: set[str] = set()
            for record in await self._storage.open_sessions():
                live = LiveSession(record.agent_id, record.crm_session_id)
                self._live[record.session_id] = live
                on_floor = self._runtime.center.find_agent(record.agent_id) is not None
                if not on_floor or record.agent_id in with_session:
                    await self._end(record.session_id, record.agent_id, SERVER_RESTARTED)
                    ended += 1
                    continue
                with_session.add(record.agent_id)
                here = self._here.get(record.session_id, 0)
                if here:  # a door that took the floor over keeps its own toolbars
                    live.by_node[self._node] = here
                else:
                    self._start_idle_timer(record.session_id, live)
                left = record.created_at + self._max_age - now
                self._start_lifetime_timer(record.session_id, live, max(left, 0.0))
                kept += 1
            for agent_id in list(self._runtime.center.agents):
                if agent_id not in with_session:
                    await self._runtime.command(ForceLogOut(agent_id, SERVER_RESTARTED))
        return kept, ended

    async def _force_out(self, session_id: str, agent_id: str, reason: str) -> None:
        if self._runtime.center.find_agent(agent_id) is not None:
            await self._runtime.command(ForceLogOut(agent_id, reason))
        await self._end(session_id, agent_id, reason)

    async def _end(self, session_id: str, agent_id: str, reason: str) -> None:
        """The one place a session ends (called under the lock)."""
        live = self._live.pop(session_id, None)
        if live is not None:
            for timer in (live.idle_timer, live.lifetime_timer):
                if timer is not None:
                    timer.cancel()
        await self._storage.end_session(session_id, reason, self._clock.now())
        if live is not None and live.crm_session_id is not None and self._crm_logouts is not None:
            # `live` is popped once, so the CRM hears of each ending exactly once.
            self._crm_logouts.send(live.crm_session_id)
        await self._audit.record(a.LOGOUT, agent_id, None, reason)
        await self._runtime.note(
            "session.ended", agent_id, {"sessionId": session_id, "reason": reason}
        )

    # -- the toolbar sockets of a session -----------------------------------------------------

    def open_sockets(self) -> int:
        """Toolbar sockets open on this node for active sessions (metrics, the cluster view)."""
        return sum(self._here.values())

    def is_live(self, session: Session) -> bool:
        """Whether the session is still active: a socket acts for it only while it is."""
        if self._runtime.is_door:
            return session.session_id not in self._ended
        return session.session_id in self._live

    def socket_opened(self, session: Session) -> bool:
        """A socket now acts for the session; False if the session has ended meanwhile."""
        if not self.is_live(session):
            return False
        self._here[session.session_id] = self._here.get(session.session_id, 0) + 1
        self._count(session.session_id, self._node, +1)
        return True

    def socket_closed(self, session: Session) -> None:
        """A socket that acted for the session closed; the last one starts the idle timer."""
        left = self._here.get(session.session_id, 0) - 1
        if left > 0:
            self._here[session.session_id] = left
        else:
            self._here.pop(session.session_id, None)
            self._ended.discard(session.session_id)
        self._count(session.session_id, self._node, -1)

    def see(self, envelope: Envelope) -> None:
        """A door follows the floor's events: a session ended on the owner is no longer live
        here (its sockets get `session.ended` and close)."""
        if envelope.kind == "session.ended" and self._runtime.is_door:
            session_id = envelope.data.get("sessionId")
            if isinstance(session_id, str) and session_id in self._here:
                self._ended.add(session_id)

    def report_sockets(self) -> None:
        """A door tells a (new) owner every socket it holds, as they are now."""
        if self._runtime.is_door:
            self._reports.send({"node": self._node, "all": dict(self._here)})

    def _count(self, session_id: str, node: str, delta: int) -> None:
        if self._runtime.is_door:
            self._reports.send({"node": node, "sessionId": session_id, "delta": delta})
            return
        live = self._live.get(session_id)
        if live is None:
            return  # the session ended first
        self._set_sockets(session_id, live, node, live.by_node.get(node, 0) + delta)

    def _set_sockets(self, session_id: str, live: LiveSession, node: str, count: int) -> None:
        """Deltas from a door may arrive out of order: the idle timer runs exactly while the
        session's sockets, counted over every node, add up to none."""
        live.by_node[node] = count
        if sum(live.by_node.values()) > 0:
            if live.idle_timer is not None:
                live.idle_timer.cancel()
                live.idle_timer = None
        elif live.idle_timer is None:
            self._start_idle_timer(session_id, live)

    async def _sockets_told(self, args: dict[str, Any]) -> dict[str, Any]:
        node = str(args["node"])
        if "all" in args:
            told: dict[str, int] = args["all"]
            for session_id, live in self._live.items():
                if node in live.by_node or session_id in told:
                    self._set_sockets(session_id, live, node, told.get(session_id, 0))
        else:
            self._count(str(args["sessionId"]), node, int(args["delta"]))
        return {}

    def forget_sockets_of(self, node: str) -> None:
        """A node stopped (its heartbeat ran out): its sockets are gone."""
        for session_id, live in self._live.items():
            if live.by_node.get(node):
                self._set_sockets(session_id, live, node, 0)

    def _start_idle_timer(self, session_id: str, live: LiveSession) -> None:
        live.idle_timer = self._clock.call_later(self._idle_timeout, lambda: self._idle(session_id))

    def _idle(self, session_id: str) -> None:
        self._spawn(self._expire(session_id))

    def _start_lifetime_timer(self, session_id: str, live: LiveSession, delay: float) -> None:
        live.lifetime_timer = self._clock.call_later(
            delay, lambda: self._spawn(self._outlive(session_id))
        )

    def _spawn(self, ending: Coroutine[Any, Any, None]) -> None:
        """Clock callbacks are plain functions; the ending itself needs the event loop."""
        task = asyncio.get_running_loop().create_task(ending)
        self._expiring.add(task)
        task.add_done_callback(self._expiring.discard)

    async def _outlive(self, session_id: str) -> None:
        """The session reached its absolute lifetime: it ends — once the agent is free, so a
        call is never cut off by the clock."""
        try:
            async with self._lock:
                live = self._live.get(session_id)
                if live is None:
                    return
                agent = self._runtime.center.find_agent(live.agent_id)
                if agent is not None and agent.state in BUSY_STATES:
                    self._start_lifetime_timer(session_id, live, EXPIRY_RETRY)
                    return
                live.lifetime_timer = None
                await self._force_out(session_id, live.agent_id, SESSION_EXPIRED)
        except Exception:
            log.exception("ending expired session %s failed", session_id)

    async def _expire(self, session_id: str) -> None:
        try:
            async with self._lock:
                live = self._live.get(session_id)
                if live is None or sum(live.by_node.values()) > 0:
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
        await self._reports.stop()
        for live in self._live.values():
            for timer in (live.idle_timer, live.lifetime_timer):
                if timer is not None:
                    timer.cancel()
            live.idle_timer = live.lifetime_timer = None
        for task in self._expiring:
            task.cancel()
        await asyncio.gather(*self._expiring, return_exceptions=True)
