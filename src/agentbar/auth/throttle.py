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
- An address whose count is full only because some of its attempts are still being checked is
  *busy*, not throttled: `Throttled(busy=True)` asks the caller to try again in a moment, for
  those checks are about to settle (a call center's agents log in together at the start of a
  shift, behind one address). Only settled failures throttle an address for the window. An
  attempt left unsettled (its caller went away) stops counting as under way after
  `UNSETTLED_SECONDS`. An account gets no such grace: one agent does not log in ten times at
  once.
- Memory is bounded: at most `max_keys` keys are remembered, the least recently tried go.
- Time comes from an injected function, so tests run it in virtual time.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

UNSETTLED_SECONDS = 30.0
"""How long a reserved attempt counts as being checked at most (a check is bounded well within)."""
BUSY_RETRY = 0.25
"""Seconds a busy address's next attempt is asked to wait."""


class Throttled(Exception):
    def __init__(self, retry_after: float, busy: bool = False) -> None:
        super().__init__(f"retry after {retry_after:g} s")
        self.retry_after = retry_after
        self.busy = busy
        """The limit is reached only by attempts still being checked: retry in a moment."""


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
        self._unsettled: OrderedDict[str, list[float]] = OrderedDict()
        """Per address, when each of its attempts still being checked was reserved."""
        self._max_keys = max_keys

    def reserve(self, account: str, address: str) -> Attempt:
        """Count an attempt before it is checked, or raise `Throttled` (counting nothing) if
        the account or the address has used up its attempts."""
        now = self._now()
        account_key = _account_key(account)
        account_wait = self._accounts.retry_after(account_key, now)
        if account_wait > 0:
            raise Throttled(math.ceil(account_wait))
        if self._addresses.retry_after(address, now) > 0:
            if self._under_way(address, now):
                raise Throttled(BUSY_RETRY, busy=True)
            raise Throttled(math.ceil(self._addresses.retry_after(address, now)))
        self._accounts.add(account_key, now)
        self._addresses.add(address, now)
        self._unsettled.setdefault(address, []).append(now)
        self._unsettled.move_to_end(address)
        while len(self._unsettled) > self._max_keys:
            self._unsettled.popitem(last=False)
        return Attempt(account_key, address, now)

    def succeeded(self, attempt: Attempt) -> None:
        self._settled(attempt)
        self._accounts.clear(attempt.account)
        self._addresses.remove(attempt.address, attempt.at)

    def failed(self, attempt: Attempt) -> None:
        """The attempt was a wrong guess: it keeps counting, and is no longer under way."""
        self._settled(attempt)

    def refund(self, attempt: Attempt) -> None:
        """The attempt checked nothing (the CRM could not be asked): it does not count."""
        self._settled(attempt)
        self._accounts.remove(attempt.account, attempt.at)
        self._addresses.remove(attempt.address, attempt.at)

    def _under_way(self, address: str, now: float) -> bool:
        reserved = self._unsettled.get(address)
        if reserved is None:
            return False
        reserved[:] = [at for at in reserved if at > now - UNSETTLED_SECONDS]
        if not reserved:
            del self._unsettled[address]
        return bool(reserved)

    def _settled(self, attempt: Attempt) -> None:
        reserved = self._unsettled.get(attempt.address)
        if reserved is not None and attempt.at in reserved:
            reserved.remove(attempt.at)
            if not reserved:
                del self._unsettled[attempt.address]


def _account_key(account: str) -> str:
    return account.strip().casefold()
