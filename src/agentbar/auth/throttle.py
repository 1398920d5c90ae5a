"""Slowing down password guessing: failed logins per account and per client address.

Rules kept here:
- Only failures count. `limit` failures of one key (an account, or a client address) within
  `window` seconds refuse that key's further attempts until the oldest of them leaves the
  window — so a refusal never lasts longer than `window`, and an attacker cannot lock an
  agent out for long.
- Refused attempts are not counted (they verified nothing), and a success clears the
  account's failures.
- Memory is bounded: at most `max_keys` keys are remembered, the least recently failed go.
- Time comes from an injected function, so tests run it in virtual time.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable


class Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class _Counter:
    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self._limit = limit
        self._window = window
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        failures = self._failures.get(key)
        if failures is None:
            return 0.0
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0.0
        if len(failures) < self._limit:
            return 0.0
        return failures[-self._limit] + self._window - now

    def fail(self, key: str, now: float) -> None:
        failures = self._failures.pop(key, None) or deque(maxlen=self._limit)
        failures.append(now)
        self._failures[key] = failures  # now the most recent
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


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

    def check(self, account: str, address: str) -> None:
        """Raise `Throttled` if either the account or the address must wait."""
        now = self._now()
        wait = max(
            self._accounts.retry_after(_account_key(account), now),
            self._addresses.retry_after(address, now),
        )
        if wait > 0:
            raise Throttled(math.ceil(wait))

    def failed(self, account: str, address: str) -> None:
        now = self._now()
        self._accounts.fail(_account_key(account), now)
        self._addresses.fail(address, now)

    def succeeded(self, account: str) -> None:
        self._accounts.clear(_account_key(account))


def _account_key(account: str) -> str:
    return account.strip().casefold()
