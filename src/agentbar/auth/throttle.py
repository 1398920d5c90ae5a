"""Slowing down password guessing: login attempts per account and per client address.

Rules kept here:
- An attempt is counted *before* its credentials are checked (`reserve`): attempts that arrive
  together cannot all pass a check made before any of them failed. With `limit` attempts of one
  key (an account, or a client address) counted within `window` seconds, further attempts are
  refused at once, verifying nothing, until the oldest leaves the window — so at most `limit`
  checks of one key are ever under way or spent, and a refusal never lasts longer than `window`
  (an attacker cannot lock an agent out for long).
- The outcome settles the reservation: a failure keeps it (a guess was spent); a success
  clears the account's count and gives the address its attempt back (agents behind one address
  log in all day); an attempt that checked nothing (the CRM unreachable) gives both back.
- Refused attempts are not counted (they verified nothing).
- Memory is bounded: at most `max_keys` keys are remembered, the least recently tried go.
- Time comes from an injected function, so tests run it in virtual time.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


class Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt: which keys it was counted under, and when."""

    account: str
    address: str
    at: float


class _Counter:
    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self._limit = limit
        self._window = window
        self._max_keys = max_keys
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        attempts = self._attempts.get(key)
        if attempts is None:
            return 0.0
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        if not attempts:
            del self._attempts[key]
            return 0.0
        if len(attempts) < self._limit:
            return 0.0
        return attempts[-self._limit] + self._window - now

    def add(self, key: str, now: float) -> None:
        attempts = self._attempts.pop(key, None) or deque(maxlen=self._limit)
        attempts.append(now)
        self._attempts[key] = attempts  # now the most recent
        while len(self._attempts) > self._max_keys:
            self._attempts.popitem(last=False)

    def remove(self, key: str, at: float) -> None:
        """Give back one attempt counted at `at` (gone already if it left the window)."""
        attempts = self._attempts.get(key)
        if attempts is None or at not in attempts:
            return
        attempts.remove(at)
        if not attempts:
            del self._attempts[key]

    def clear(self, key: str) -> None:
        self._attempts.pop(key, None)


class LoginThrottle:
    def __init__(
        self,
        now: Callable[[], float],
        account_limit: int = 10,
        address_limit: int = 50,
        window: float = 300.0,
        max_keys: int = 100_000,
    ) -> None:
        # An address gets more attempts than an account: a call center's agents often share
        # one public address, and one agent's typos must not stop the others.
        self._now = now
        self._accounts = _Counter(account_limit, window, max_keys)
        self._addresses = _Counter(address_limit, window, max_keys)

    def reserve(self, account: str, address: str) -> Attempt:
        """Count an attempt before it is checked, or raise `Throttled` (counting nothing) if
        the account or the address has used up its attempts."""
        now = self._now()
        account_key = _account_key(account)
        wait = max(
            self._accounts.retry_after(account_key, now),
            self._addresses.retry_after(address, now),
        )
        if wait > 0:
            raise Throttled(math.ceil(wait))
        self._accounts.add(account_key, now)
        self._addresses.add(address, now)
        return Attempt(account_key, address, now)

    def succeeded(self, attempt: Attempt) -> None:
        self._accounts.clear(attempt.account)
        self._addresses.remove(attempt.address, attempt.at)

    def refund(self, attempt: Attempt) -> None:
        """The attempt checked nothing (the CRM could not be asked): it does not count."""
        self._accounts.remove(attempt.account, attempt.at)
        self._addresses.remove(attempt.address, attempt.at)


def _account_key(account: str) -> str:
    return account.strip().casefold()
