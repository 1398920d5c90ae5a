"""Sessions in virtual time: idle timeout, supervisor logout, force login, own logout.

The runtime, the simulator, SQLite and the in-memory bus are real; only the clock is virtual,
so ten idle minutes pass in milliseconds. Sockets are stood in for by the calls a socket makes
(socket_opened / socket_closed).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agentbar.auth.passwords import Passwords
from agentbar.clock import VirtualClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentState, BreakReason, Extension
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import IllegalTransition
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import PhoneScript, Simulator
from agentbar.ports import Envelope, Subscription
from agentbar.services.audit import Audit
from agentbar.services.credentials import Credentials
from agentbar.services.runtime import Runtime
from agentbar.services.sessions import (
    LoginFailed,
    NoActiveSession,
    Session,
    Sessions,
)

IDLE = 600.0


def sessions_on(
    runtime: Runtime, storage: SqlDatabase, clock: VirtualClock, max_age: float = 12 * 3600.0
) -> Sessions:
    return Sessions(
        runtime,
        storage.sessions,
        clock,
        idle_timeout=IDLE,
        max_age=max_age,
        credentials=Credentials(storage.catalog, Passwords(memory_kib=8, time_cost=1)),
        audit=Audit(storage.audit, clock),
    )


CRM = "http://crm.test"


@dataclass
class Desk:
    clock: VirtualClock
    storage: SqlDatabase
    bus: MemoryBus
    simulator: Simulator
    runtime: Runtime
    sessions: Sessions
    campaign_id: str

    @property
    def center(self) -> Center:
        return self.runtime.center

    async def settle(self) -> None:
        """Until quiet: an idle timeout's logout may hang up a call, whose end comes back."""
        await self.runtime.settle()
        await self.sessions.settle()
        await self.runtime.settle()

    async def elapse(self, seconds: float) -> None:
        target = self.clock.now() + seconds
        await self.settle()
        while (due := self.clock.next_due()) is not None and due <= target:
            self.clock.advance(due - self.clock.now())
            await self.settle()
        self.clock.advance(target - self.clock.now())
        await self.settle()

    async def log_in(self, agent_id: str, force: bool = False) -> Session:
        result = await self.sessions.login(agent_id, agent_id, "AUTH_TYPE_PASSWORD", CRM, force)
        return result.session

    async def ready(self, agent_id: str, phone: str) -> Session:
        session = await self.log_in(agent_id)
        await self.runtime.command(cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)))
        await self.runtime.command(cmd.GoReady(agent_id))
        return session

    def session_row(self, session: Session) -> dict[str, Any]:
        with self.storage.engine.connect() as c:
            row = c.exec_driver_sql(
                "SELECT * FROM sessions WHERE session_id = ?", (session.session_id,)
            )
            return dict(row.mappings().one())

    def stored_call(self, call_id: str) -> dict[str, Any]:
        with self.storage.engine.connect() as c:
            row = c.exec_driver_sql("SELECT * FROM calls WHERE call_id = ?", (call_id,))
            return dict(row.mappings().one())


async def next_events(subscription: Subscription, count: int) -> list[Envelope]:
    """The next `count` events the subscription gets (already published: the wait is short)."""
    return [await asyncio.wait_for(subscription.get(), timeout=5) for _ in range(count)]


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    clock = VirtualClock()
    counter = itertools.count(1)
    new_id = lambda kind: f"{kind}-{next(counter)}"  # noqa: E731
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'sessions.db'}")
    storage.migrate()
    passwords = Passwords(memory_kib=8, time_cost=1)
    for agent_id in ("a1", "a2"):
        storage.catalog.upsert_agent(agent_id, agent_id, passwords.hash(agent_id))
    campaign_id = storage.catalog.upsert_campaign(
        "Support",
        CampaignKind.INBOUND,
        DEMO_PLAN,
        ["a1", "a2"],
        ring_timeout=10.0,
        wrap_up_timeout=30.0,
        default_disposition="Info Given",
    )
    center = Center(new_id)
    center.configure(await storage.catalog.campaigns(), [BreakReason("Lunch")])
    bus = MemoryBus()
    simulator = Simulator(clock, new_id)
    runtime = Runtime(center, storage.events, bus, simulator, clock, storage.floor)
    sessions = sessions_on(runtime, storage, clock)
    await runtime.start()
    yield Desk(clock, storage, bus, simulator, runtime, sessions, campaign_id)
    await sessions.stop()
    await runtime.stop()
    storage.close()


# -- idle timeout ---------------------------------------------------------------------------


async def test_a_session_without_a_socket_ends_after_the_idle_timeout(desk: Desk) -> None:
    session = await desk.log_in("a1")
    watch = desk.bus.subscribe("agent:a1")
    assert desk.sessions.socket_opened(session)
    desk.sessions.socket_closed(session)
    await desk.elapse(IDLE - 1)
    assert desk.sessions.is_live(session)
    assert desk.session_row(session)["ended_at"] is None
    await desk.elapse(1)
    assert not desk.sessions.is_live(session)
    assert desk.session_row(session)["end_reason"] == "idle timeout"
    assert desk.center.find_agent("a1") is None
    kinds = [(e.kind, e.data.get("reason")) for e in await next_events(watch, 3)]
    assert kinds == [
        ("agent.state_changed", "idle timeout"),
        ("agent.logged_out", "idle timeout"),
        ("session.ended", "idle timeout"),
    ]


async def test_a_login_whose_socket_never_registers_idles_out_too(desk: Desk) -> None:
    session = await desk.log_in("a1")
    await desk.elapse(IDLE)
    assert desk.session_row(session)["end_reason"] == "idle timeout"


async def test_an_open_socket_keeps_the_session(desk: Desk) -> None:
    started = desk.clock.now()
    session = await desk.log_in("a1")
    desk.sessions.socket_opened(session)
    await desk.elapse(IDLE * 5)
    assert desk.sessions.is_live(session)
    # No idle timer runs while a socket is open: only the session's lifetime does.
    assert desk.clock.next_due() == started + 12 * 3600


async def test_the_idle_timeout_counts_from_the_last_socket_closing(desk: Desk) -> None:
    session = await desk.log_in("a1")
    desk.sessions.socket_opened(session)  # two tabs of one CRM share a session
    desk.sessions.socket_opened(session)
    desk.sessions.socket_closed(session)
    await desk.elapse(IDLE * 2)
    assert desk.sessions.is_live(session)
    desk.sessions.socket_closed(session)
    await desk.elapse(IDLE - 100)
    desk.sessions.socket_opened(session)  # a reconnect in time cancels the countdown
    await desk.elapse(200)
    desk.sessions.socket_closed(session)
    await desk.elapse(IDLE - 1)
    assert desk.sessions.is_live(session)
    await desk.elapse(1)
    assert desk.session_row(session)["end_reason"] == "idle timeout"


async def test_an_idle_timeout_during_a_call_closes_the_call_and_leaves_no_timer(
    desk: Desk,
) -> None:
    session = await desk.ready("a1", "1001")
    call_id = desk.simulator.place_inbound_call("+14085551212", desk.campaign_id)
    await desk.elapse(0)
    assert desk.center.agent("a1").state is AgentState.ON_CALL
    await desk.elapse(IDLE)
    assert desk.session_row(session)["end_reason"] == "idle timeout"
    stored = desk.stored_call(call_id)
    assert (stored["state"], stored["ended_by"], stored["disposition_code"]) == (
        "disposed",
        "system",
        "Info Given",
    )
    assert desk.simulator.live_calls() == []  # telephony hung the customer up
    assert desk.runtime.pending_timers == frozenset()


# -- supervisor logout ----------------------------------------------------------------------


async def test_a_supervisor_logout_withdraws_a_ringing_call_and_passes_it_on(desk: Desk) -> None:
    desk.simulator.script_phone("1001", PhoneScript(answer_after=None))
    desk.simulator.script_phone("1002", PhoneScript(answer_after=None))
    session = await desk.ready("a1", "1001")
    await desk.elapse(1)
    await desk.ready("a2", "1002")
    call_id = desk.simulator.place_inbound_call("+14085551212", desk.campaign_id)
    await desk.elapse(2)
    first_crt = desk.center.call(call_id).user_crt
    assert desk.center.call(call_id).agent_id == "a1"

    await desk.sessions.force_logout("a1", "supervisor logout", client=None)
    assert desk.session_row(session)["end_reason"] == "supervisor logout"
    call = desk.center.call(call_id)
    assert call.agent_id == "a2"
    assert call.user_crt is not None
    # only the new offer's ring timer runs; a1's was cancelled
    assert desk.runtime.pending_timers == frozenset({f"ring:{call_id}/{call.user_crt}"})
    assert first_crt != call.user_crt
    await desk.elapse(9.9)
    assert desk.center.call(call_id).agent_id == "a2"  # a1's stale timer did not cut it short


async def test_a_supervisor_logout_without_a_session_is_refused(desk: Desk) -> None:
    with pytest.raises(NoActiveSession, match="agent 'a1' has no active session"):
        await desk.sessions.force_logout("a1", client=None)
    session = await desk.log_in("a1")
    await desk.sessions.force_logout("a1", client=None)
    with pytest.raises(NoActiveSession):
        await desk.sessions.force_logout("a1", client=None)
    assert desk.session_row(session)["end_reason"] == "supervisor logout"


# -- force login and own logout ---------------------------------------------------------------


async def test_a_force_login_carries_the_agent_over_and_retires_the_old_session(
    desk: Desk,
) -> None:
    old = await desk.ready("a1", "1001")
    call_id = desk.simulator.place_inbound_call("+14085551212", desk.campaign_id)
    await desk.elapse(0)
    agent_before = desk.center.agent("a1")
    watch = desk.bus.subscribe("agent:a1")

    with pytest.raises(LoginFailed) as refused:
        await desk.log_in("a1")
    assert (refused.value.code, refused.value.message) == (
        "force_login_required",
        "force login required",
    )
    assert desk.sessions.is_live(old)

    result = await desk.sessions.login("a1", "a1", "AUTH_TYPE_PASSWORD", CRM, True)
    assert result.forced
    assert not desk.sessions.is_live(old)
    assert desk.sessions.is_live(result.session)
    assert desk.session_row(old)["end_reason"] == "force login"
    agent = desk.center.agent("a1")
    assert agent is agent_before  # the very same live state: nothing was logged out
    assert (agent.state, agent.call_id) == (AgentState.ON_CALL, call_id)
    # nothing happened to the agent: the old session ended, the new one started
    ended, started = await next_events(watch, 2)
    assert (ended.kind, ended.data) == (
        "session.ended",
        {"sessionId": old.session_id, "reason": "force login"},
    )
    assert (started.kind, started.data["sessionId"]) == (
        "session.started",
        result.session.session_id,
    )
    # a socket of the old session may no longer act, nor log the agent out
    assert desk.sessions.socket_opened(old) is False
    with pytest.raises(LoginFailed, match="invalid sessionId"):
        await desk.sessions.logout(old)
    assert desk.center.agent("a1").call_id == call_id


async def test_own_logout_is_refused_during_a_call_and_keeps_the_session(desk: Desk) -> None:
    session = await desk.ready("a1", "1001")
    desk.simulator.place_inbound_call("+14085551212", desk.campaign_id)
    await desk.elapse(0)
    with pytest.raises(IllegalTransition, match="cannot log out"):
        await desk.sessions.logout(session)
    assert desk.sessions.is_live(session)
    assert desk.session_row(session)["ended_at"] is None


# -- absolute lifetime ------------------------------------------------------------------------


async def test_a_session_ends_at_its_absolute_lifetime_even_with_a_socket_open(
    desk: Desk,
) -> None:
    desk.sessions = sessions_on(desk.runtime, desk.storage, desk.clock, max_age=3600)
    session = await desk.log_in("a1")
    assert desk.sessions.socket_opened(session)
    await desk.elapse(3599)
    assert desk.session_row(session)["ended_at"] is None
    await desk.elapse(1)
    assert desk.session_row(session)["end_reason"] == "session expired"
    assert desk.center.find_agent("a1") is None


async def test_a_session_past_its_lifetime_waits_for_the_call_to_end(desk: Desk) -> None:
    desk.sessions = sessions_on(desk.runtime, desk.storage, desk.clock, max_age=3600)
    session = await desk.ready("a1", "1001")
    assert desk.sessions.socket_opened(session)
    await desk.elapse(3500)
    call_id = desk.simulator.place_inbound_call("+14085551212", desk.campaign_id)
    await desk.elapse(200)
    assert desk.center.agent("a1").state is AgentState.ON_CALL
    assert desk.session_row(session)["ended_at"] is None
    desk.simulator.hang_up_customer(call_id)
    await desk.settle()
    await desk.elapse(20)  # wrap-up is busy too (its timeout is 30 s)
    assert desk.session_row(session)["ended_at"] is None
    await desk.runtime.command(cmd.Dispose("a1", "Sale"))
    await desk.elapse(60)
    row = desk.session_row(session)
    assert row["end_reason"] == "session expired"
    assert desk.stored_call(call_id)["disposition_code"] == "Sale"


async def test_watchers_see_session_events_as_they_are_stored(desk: Desk) -> None:
    """Webhooks and the supervisor page learn of logins and logouts when they happen."""
    seen: list[str] = []
    desk.runtime.watch(lambda envelope: seen.append(envelope.kind))
    session = await desk.log_in("a1")
    await desk.sessions.logout(session)
    await desk.settle()
    assert "session.started" in seen
    assert "session.ended" in seen
