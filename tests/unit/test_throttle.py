"""Login throttling in virtual time: attempts reserved before their check, per account and per
address, bounded, settled by the outcome."""

from __future__ import annotations

import pytest

from agentbar.auth.throttle import LoginThrottle, Throttled


class Time:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: LoginThrottle, times: int, account: str = "agent1", address: str = "a") -> None:
    """Wrong guesses: each reserved, checked, and its reservation kept."""
    for _ in range(times):
        throttle.failed(throttle.reserve(account, address))


def test_ten_failures_in_the_window_refuse_the_account_until_the_oldest_leaves_it() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, window=300)
    fail(throttle, 9)
    clock.now += 100
    fail(throttle, 1)
    with pytest.raises(Throttled) as refused:
        throttle.reserve("AGENT1 ", "another address")  # the account, however it is spelt
    assert refused.value.retry_after == 200
    clock.now += 199
    with pytest.raises(Throttled):
        throttle.reserve("agent1", "a")
    clock.now += 1
    throttle.reserve("agent1", "a")  # the oldest attempts left the window
    throttle.reserve("agent2", "a")  # another account was never refused


def test_attempts_still_being_checked_count_so_a_burst_gets_only_the_limit() -> None:
    """Nothing has failed yet — every check is still under way — and still the eleventh
    simultaneous attempt is refused: a count taken after the check would let all through."""
    throttle = LoginThrottle(Time(), account_limit=10, address_limit=50, window=300)
    under_way = [throttle.reserve("agent1", f"10.0.0.{n}") for n in range(10)]
    assert len(under_way) == 10
    with pytest.raises(Throttled) as refused:
        throttle.reserve("agent1", "10.0.0.99")
    assert refused.value.retry_after == 300
    # and per address alike, across accounts: busy while the checks are under way (they may
    # yet succeed: a shift logging in behind one address), throttled once they have failed
    checks = [throttle.reserve(f"user{n}", "192.0.2.1") for n in range(50)]
    with pytest.raises(Throttled) as busy:
        throttle.reserve("someone-else", "192.0.2.1")
    assert (busy.value.busy, busy.value.retry_after) == (True, 0.25)
    for check in checks:
        throttle.failed(check)
    with pytest.raises(Throttled) as refused:
        throttle.reserve("someone-else", "192.0.2.1")
    assert (refused.value.busy, refused.value.retry_after) == (False, 300)


def test_a_busy_address_takes_the_next_attempt_as_soon_as_one_check_succeeds() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, address_limit=3, window=300)
    checks = [throttle.reserve(f"agent{n}", "192.0.2.1") for n in range(3)]
    with pytest.raises(Throttled) as busy:
        throttle.reserve("agent9", "192.0.2.1")
    assert busy.value.busy
    throttle.succeeded(checks[0])
    throttle.reserve("agent9", "192.0.2.1")


def test_an_attempt_never_settled_stops_counting_as_under_way() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, address_limit=2, window=300)
    throttle.reserve("agent1", "192.0.2.1")  # its caller went away: never settled
    throttle.reserve("agent2", "192.0.2.1")
    clock.now += 31
    with pytest.raises(Throttled) as refused:
        throttle.reserve("agent3", "192.0.2.1")
    assert not refused.value.busy  # counted as spent guesses: no waiting for them


def test_refusal_never_lasts_longer_than_the_window() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=3, window=60)
    fail(throttle, 3)
    for _ in range(20):  # refused attempts do not prolong the refusal
        with pytest.raises(Throttled) as refused:
            throttle.reserve("agent1", "a")
        assert refused.value.retry_after <= 60
        clock.now += 1
    clock.now += 40
    throttle.reserve("agent1", "a")


def test_a_success_clears_the_accounts_attempts_and_gives_the_address_its_attempt_back() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=3, address_limit=3, window=60)
    fail(throttle, 2)
    throttle.succeeded(throttle.reserve("agent1", "a"))
    fail(throttle, 2, address="b")
    throttle.reserve("agent1", "b")
    # agents sharing one address log in all day: successes do not use the address up
    for n in range(10):
        throttle.succeeded(throttle.reserve(f"agent{n + 10}", "shared"))
    fail(throttle, 3, account="agent99", address="shared")


def test_a_refunded_attempt_does_not_count() -> None:
    throttle = LoginThrottle(Time(), account_limit=2, address_limit=2, window=60)
    for _ in range(10):  # e.g. the CRM could not be asked: nothing was guessed
        throttle.refund(throttle.reserve("agent1", "a"))
    fail(throttle, 2)
    with pytest.raises(Throttled):
        throttle.reserve("agent1", "elsewhere")


def test_an_address_failing_across_accounts_is_refused() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, address_limit=5, window=60)
    for n in range(5):
        fail(throttle, 1, account=f"agent{n}", address="10.0.0.9")
    with pytest.raises(Throttled):
        throttle.reserve("agent99", "10.0.0.9")
    throttle.reserve("agent99", "10.0.0.10")


def test_memory_is_bounded() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=1, address_limit=1000, window=60, max_keys=3)
    for n in range(10):
        throttle.reserve(f"agent{n}", f"addr{n}")
    # the oldest accounts were forgotten, the newest still count
    throttle.reserve("agent0", "elsewhere")
    with pytest.raises(Throttled):
        throttle.reserve("agent9", "elsewhere")
