"""The floor owner's gate on its doors' asks: every ask counts in flight and teaches the learnt
limit how long it took here; only new work is refused, and only once the limit is reached."""

from __future__ import annotations

from agentbar.services.owner_gate import OwnerGate
from agentbar.services.queue_limit import LEAST_LIMIT, QUEUE_EVIDENCE, QUEUE_WINDOW


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _slow_window(gate: OwnerGate, clock: FakeClock, seconds: float) -> None:
    """A window in which QUEUE_EVIDENCE asks, carried out together, each took `seconds`."""
    carrying = [gate.carrying() for _ in range(QUEUE_EVIDENCE)]
    for ask in carrying:
        ask.__enter__()
    clock.now += seconds
    for ask in carrying:
        ask.__exit__(None, None, None)
    clock.now += QUEUE_WINDOW


def test_asks_carried_out_count_in_flight_until_they_end() -> None:
    gate = OwnerGate(target=0.02, ceiling=256, clock=FakeClock())
    with gate.carrying():
        assert gate.in_flight == 1
        with gate.carrying():
            assert gate.in_flight == 2
    assert gate.in_flight == 0


def test_asks_that_waited_here_two_windows_running_cut_the_limit_and_new_work_is_refused() -> None:
    clock = FakeClock()
    gate = OwnerGate(target=0.02, ceiling=256, clock=clock)
    _slow_window(gate, clock, 0.005)
    assert not gate.refuses()  # quick: nothing standing
    _slow_window(gate, clock, 0.08)
    _slow_window(gate, clock, 0.08)
    assert gate.limit == LEAST_LIMIT  # half the most in flight (5), never under the least
    assert not gate.refuses()  # nothing in flight: a few always get through
    with gate.carrying(), gate.carrying():
        assert gate.refuses()
        assert gate.refuses()
    assert gate.shed == 2
    assert not gate.refuses()


def test_a_gate_without_a_target_never_refuses_under_its_ceiling() -> None:
    clock = FakeClock()
    gate = OwnerGate(target=0.0, ceiling=3, clock=clock)
    for _ in range(4):
        _slow_window(gate, clock, 1.0)
    with gate.carrying(), gate.carrying():
        assert not gate.refuses()
        with gate.carrying():
            assert gate.refuses()  # the ceiling holds all the same
