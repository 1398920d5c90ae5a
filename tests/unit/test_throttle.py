"""Failed-login throttling in virtual time: per account, per address, bounded, reset by success."""

from __future__ import annotations

import pytest

from agentbar.auth.throttle import LoginThrottle, Throttled


class Time:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle: LoginThrottle, times: int, account: str = "agent1", address: str = "a") -> None:
    for _ in range(times):
        throttle.check(account, address)
        throttle.failed(account, address)


def test_ten_failures_in_the_window_refuse_the_account_until_the_oldest_leaves_it() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, window=300)
    fail(throttle, 9)
    clock.now += 100
    fail(throttle, 1)
    with pytest.raises(Throttled) as refused:
        throttle.check("AGENT1 ", "another address")  # the account, however it is spelt
    assert refused.value.retry_after == 200
    clock.now += 199
    with pytest.raises(Throttled):
        throttle.check("agent1", "a")
    clock.now += 1
    throttle.check("agent1", "a")  # the oldest failures left the window
    throttle.check("agent2", "a")  # another account was never refused


def test_refusal_never_lasts_longer_than_the_window() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=3, window=60)
    fail(throttle, 3)
    for _ in range(20):  # refused attempts do not prolong the refusal
        with pytest.raises(Throttled) as refused:
            throttle.check("agent1", "a")
        assert refused.value.retry_after <= 60
        clock.now += 1
    clock.now += 40
    throttle.check("agent1", "a")


def test_a_success_clears_the_accounts_failures() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=3, window=60)
    fail(throttle, 2)
    throttle.succeeded("agent1")
    fail(throttle, 2)
    throttle.check("agent1", "a")


def test_an_address_failing_across_accounts_is_refused() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=10, address_limit=5, window=60)
    for n in range(5):
        fail(throttle, 1, account=f"agent{n}", address="10.0.0.9")
    with pytest.raises(Throttled):
        throttle.check("agent99", "10.0.0.9")
    throttle.check("agent99", "10.0.0.10")


def test_memory_is_bounded() -> None:
    clock = Time()
    throttle = LoginThrottle(clock, account_limit=1, address_limit=1000, window=60, max_keys=3)
    for n in range(10):
        throttle.failed(f"agent{n}", f"addr{n}")
    # the oldest accounts were forgotten, the newest still count
    throttle.check("agent0", "elsewhere")
    with pytest.raises(Throttled):
        throttle.check("agent9", "elsewhere")
