"""A burst of simultaneous logins: the throttle is reserved before any check, so only the
account's limit of guesses is ever verified, and the rest are refused at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest

from agentbar.auth.policy import AuthPolicy
from agentbar.auth.throttle import Attempt, LoginThrottle, Throttled
from agentbar.ports import AgentRecord
from agentbar.services.audit import Audit
from agentbar.services.credentials import (
    INVALID_CREDENTIALS,
    SSO_UNAVAILABLE,
    Credentials,
    LoginFailed,
    Verified,
)
from agentbar.services.login_throttling import FloorThrottle
from agentbar.services.logins import Logins
from agentbar.services.runtime import Runtime
from agentbar.services.session_values import LoginResult, Session


class SingleNode:
    """The part of the runtime the throttle uses: this node owns the floor."""

    is_door = False

    def __init__(self) -> None:
        self._services: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {}

    def provide(
        self, name: str, service: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    ) -> None:
        self._services[name] = service

    async def on_owner(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        return await self._services[name](args)


class GatedCredentials:
    """Checks that wait for the test to open the gate; `right` is the only good secret."""

    def __init__(self, right: str = "right", refusal: LoginFailed = INVALID_CREDENTIALS) -> None:
        self.checks = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.right = right
        self.refusal = refusal

    async def check(self, policy: AuthPolicy, username: str, secret: str) -> Verified:
        self.checks += 1
        await self.gate.wait()
        if secret != self.right:
            raise self.refusal
        return Verified(AgentRecord(username, username, None, frozenset()))


class Audited:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str | None, str | None]] = []

    async def record(
        self,
        action: str,
        username: str | None,
        client: str | None = None,
        reason: str | None = None,
    ) -> None:
        await asyncio.sleep(0)  # a write takes its turn: others arrive meanwhile
        self.entries.append((action, username, reason))


async def started(verified: Verified, crm_origin: str, force: bool) -> LoginResult:
    session = Session(f"ses-{verified.agent.agent_id}", verified.agent.agent_id, crm_origin)
    return LoginResult("token", session, forced=False)


def logins_with(credentials: GatedCredentials, throttle: LoginThrottle) -> tuple[Logins, Audited]:
    audit = Audited()
    runtime = cast(Runtime, SingleNode())
    logins = Logins(
        cast(Credentials, credentials),
        FloorThrottle(runtime, throttle),
        cast(Audit, audit),
        started,
    )
    return logins, audit


async def attempt(logins: Logins, user: str, secret: str, client: str = "203.0.113.7") -> str:
    try:
        await logins.login(user, secret, "AUTH_TYPE_PASSWORD", "http://crm.test", False, client)
    except LoginFailed as failed:
        return failed.code
    return "ok"


async def test_two_hundred_simultaneous_guesses_verify_at_most_the_accounts_limit() -> None:
    credentials = GatedCredentials()
    credentials.gate.clear()  # every check is still under way when the others arrive
    logins, audit = logins_with(credentials, LoginThrottle(lambda: 1000.0, account_limit=10))
    burst = [asyncio.create_task(attempt(logins, "agent3", "wrong")) for _ in range(200)]
    pending = set(burst)
    while len(pending) > 10:
        done, pending = await asyncio.wait(pending, timeout=5, return_when="FIRST_COMPLETED")
        assert done, f"{len(pending)} attempts still wait: more than the limit are being checked"
    # 190 answered while the gate is still shut: refused without verifying anything
    assert credentials.checks == 10
    assert {t.result() for t in burst if t.done()} == {"too_many_attempts"}
    credentials.gate.set()
    answers = await asyncio.gather(*burst)
    assert answers.count("invalid_credentials") == 10
    assert answers.count("too_many_attempts") == 190
    assert credentials.checks == 10
    assert await attempt(logins, "agent3", "right") == "too_many_attempts"  # until the window
    assert await attempt(logins, "agent4", "right", client="198.51.100.1") == "ok"
    # every refusal is in the audit log, those arriving together counted in one entry
    refusals = [reason for _, user, reason in audit.entries if user == "agent3"]
    assert refusals.count("invalid_credentials") == 10
    assert refused_in(refusals) == 190 + 1  # and the right password, refused after
    assert len(refusals) < 20, "a flood of refusals is not a flood of writes"


def refused_in(reasons: list[str | None]) -> int:
    """Throttled refusals the audit entries account for ("too_many_attempts, 5 more" is 5)."""
    counted = 0
    for reason in reasons:
        if reason == "too_many_attempts":
            counted += 1
        elif reason is not None and reason.startswith("too_many_attempts, "):
            counted += int(reason.split(", ")[1].split()[0])
    return counted


async def test_a_refusal_that_checked_nothing_does_not_use_up_attempts() -> None:
    credentials = GatedCredentials(refusal=SSO_UNAVAILABLE)  # the CRM could not be asked
    logins, _ = logins_with(credentials, LoginThrottle(lambda: 1000.0, account_limit=3))
    for _ in range(10):
        assert await attempt(logins, "agent1", "wrong") == "crm_unavailable"
    assert await attempt(logins, "agent1", "right") == "ok"


async def test_agents_sharing_one_address_may_log_in_all_day() -> None:
    throttle = LoginThrottle(lambda: 1000.0, account_limit=10, address_limit=5)
    logins, _ = logins_with(GatedCredentials(), throttle)
    for n in range(20):  # four times the address's limit, all successes
        assert await attempt(logins, f"agent{n}", "right", client="192.0.2.1") == "ok"


class Door:
    """A node that does not own the floor: its asks cross the wire (as JSON) to the owner."""

    is_door = True

    def __init__(self, owner: SingleNode) -> None:
        self._owner = owner

    def provide(
        self, name: str, service: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    ) -> None:
        pass  # a door's own throttle is never asked

    async def on_owner(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        answer = await self._owner.on_owner(name, json.loads(json.dumps(args)))
        return cast(dict[str, Any], json.loads(json.dumps(answer)))


async def test_attempts_on_every_node_are_reserved_and_settled_on_the_owner() -> None:
    clock = iter(1000.0 + n / 7 for n in range(1000))  # times that a wire must carry exactly
    owner = SingleNode()
    throttle = LoginThrottle(lambda: next(clock), account_limit=3, address_limit=100)
    owners = FloorThrottle(cast(Runtime, owner), throttle)
    doors = [FloorThrottle(cast(Runtime, Door(owner)), LoginThrottle(lambda: 0.0)) for _ in "ab"]
    for _ in range(10):  # given back from a door: the owner forgets them exactly
        await doors[0].refund(await doors[0].reserve("agent1", "192.0.2.1"))
    await doors[0].reserve("agent1", "192.0.2.1")
    await doors[1].reserve("agent1", "192.0.2.2")
    await owners.reserve("agent1", "192.0.2.3")
    with pytest.raises(Throttled):  # three nodes' attempts count together
        await doors[1].reserve("agent1", "192.0.2.4")


class BusyCounting(LoginThrottle):
    """The throttle, telling when its busy answers reach `enough`."""

    def __init__(self, enough: int, **limits: int) -> None:
        super().__init__(lambda: 1000.0, **limits)
        self.busy, self.enough, self.reached = 0, enough, asyncio.Event()

    def reserve(self, account: str, address: str) -> Attempt:
        try:
            return super().reserve(account, address)
        except Throttled as throttled:
            self.busy += throttled.busy
            if self.busy >= self.enough:
                self.reached.set()
            raise


async def test_a_shift_logging_in_together_behind_one_address_all_get_in() -> None:
    credentials = GatedCredentials()
    credentials.gate.clear()
    throttle = BusyCounting(enough=45, account_limit=10, address_limit=5)
    logins, _ = logins_with(credentials, throttle)
    shift = [
        asyncio.create_task(attempt(logins, f"agent{n}", "right", client="192.0.2.1"))
        for n in range(20)
    ]
    await throttle.reached.wait()  # the 15 waiting have looked again, three times over
    assert not any(task.done() for task in shift)  # the rest wait their turn, not refused
    assert credentials.checks == 5  # and never more checks under way than the address's limit
    credentials.gate.set()
    assert await asyncio.gather(*shift) == ["ok"] * 20
