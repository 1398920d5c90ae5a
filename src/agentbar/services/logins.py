"""One login attempt, from the frame's fields to a started session or one clear refusal.

Rules kept here:
- The policy name and the fields are checked first: an unparseable policy is
  `auth policy incorrect` (SPEC §2), an empty field `username or password empty`; neither
  says anything about the user, and neither is counted.
- The attempt is reserved on the throttle *before* its credentials are checked, so a burst of
  simultaneous guesses verifies at most the account's (and the address's) limit; the rest are
  refused at once with `too_many_attempts`, verifying nothing. A success clears the account's
  count; a refusal that checked nothing (the CRM unreachable) gives the attempt back.
- Credentials are checked outside the sessions' lock (a slow CRM must not hold up every other
  login and logout); the session is then started where the floor is decided (`start`).
- Every login and every refusal is written to the audit log, a refusal with its real reason.
  Refusals that verified nothing (`too_many_attempts`) are written as they come, but those of
  one user and address arriving while one of theirs is being written are counted and written
  as one entry after it ("too_many_attempts, 189 more"): a flood of refusals must not queue
  hundreds of writes ahead of a real agent's login, which writes to the same database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from agentbar.auth.policy import AuthPolicy, parse_policy
from agentbar.auth.throttle import Attempt, Throttled
from agentbar.services import audit as a
from agentbar.services.audit import Audit
from agentbar.services.credentials import Credentials, LoginFailed, Verified
from agentbar.services.login_throttling import FloorThrottle
from agentbar.services.session_values import LoginResult

THROTTLED = "too_many_attempts"

AUTH_POLICY_INCORRECT = LoginFailed("auth_policy_incorrect", "auth policy incorrect")
CREDENTIALS_EMPTY = LoginFailed("credentials_empty", "username or password empty")
LOGINS_BUSY = LoginFailed(
    THROTTLED, "too many logins under way from this address; try again in a few seconds"
)
BUSY_PATIENCE = 20.0
"""Seconds a login waits for its turn behind the other logins under way from its address."""

StartSession = Callable[[Verified, str, bool], Awaitable[LoginResult]]
"""Starts the verified agent's session: (verified, crm_origin, force) → the result."""


def too_many_attempts(retry_after: float) -> LoginFailed:
    return LoginFailed(
        THROTTLED,
        f"too many failed login attempts; retry in {retry_after:.0f} seconds",
    )


class Logins:
    def __init__(
        self,
        credentials: Credentials,
        throttle: FloorThrottle,
        audit: Audit,
        start: StartSession,
    ) -> None:
        self._credentials = credentials
        self._throttle = throttle
        self._audit = audit
        self._start = start
        self._unwritten: dict[tuple[str, str, str], int] = {}
        """Refusals (user, address, reason) counted while one of theirs is being written."""

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
        try:
            policy = parse_policy(policy_name)
            if policy is None:
                raise AUTH_POLICY_INCORRECT
            if not username.strip() or not password:
                raise CREDENTIALS_EMPTY
            username = username.strip()
            verified = await self._verified(policy, username, password, client)
            result = await self._start(verified, crm_origin, force)
        except LoginFailed as failed:
            if failed.code == THROTTLED:
                await self._record_throttled(username, client, failed.reason)
            else:
                await self._audit.record(a.LOGIN_FAILED, username, client, failed.reason)
            raise
        action = a.FORCE_LOGIN if result.forced else a.LOGIN
        await self._audit.record(action, result.session.agent_id, client, str(policy))
        return result

    async def _record_throttled(self, username: str, client: str, reason: str) -> None:
        key = (username.casefold(), client, reason)
        if key in self._unwritten:
            self._unwritten[key] += 1  # written by the refusal already writing
            return
        self._unwritten[key] = 0
        try:
            await self._audit.record(a.LOGIN_FAILED, username, client, reason)
            while more := self._unwritten[key]:
                self._unwritten[key] = 0
                await self._audit.record(a.LOGIN_FAILED, username, client, f"{reason}, {more} more")
        finally:
            del self._unwritten[key]

    async def _reserved(self, username: str, client: str) -> Attempt:
        """The attempt, reserved on the throttle; while the address is only busy (its other
        attempts are being checked: a shift logging in behind one address), it waits its
        turn, for at most BUSY_PATIENCE seconds."""
        deadline = time.monotonic() + BUSY_PATIENCE
        while True:
            try:
                return await self._throttle.reserve(username, client)
            except Throttled as throttled:
                if not throttled.busy:
                    raise too_many_attempts(throttled.retry_after) from None
                if time.monotonic() >= deadline:
                    raise LOGINS_BUSY from None
                # The checks under way settle within moments; there is no event to wait on
                # across nodes (the throttle lives on the floor's owner), so look again soon.
                await asyncio.sleep(throttled.retry_after)

    async def _verified(
        self, policy: AuthPolicy, username: str, secret: str, client: str
    ) -> Verified:
        attempt = await self._reserved(username, client)
        try:
            verified = await self._credentials.check(policy, username, secret)
        except LoginFailed as failed:
            if failed.counts:
                await self._throttle.failed(attempt)
            else:
                await self._throttle.refund(attempt)
            raise
        except Exception:
            await self._throttle.refund(attempt)  # storage failed: nothing was guessed
            raise
        await self._throttle.succeeded(attempt)
        return verified
