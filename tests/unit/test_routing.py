"""Longest-idle agent selection and first-come-first-served call queues."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from agentbar.domain.model.routing import IdleAgents, WaitingCalls

# -- IdleAgents ---------------------------------------------------------------------------


def drain(idle: IdleAgents) -> list[str]:
    popped: list[str] = []
    while (agent_id := idle.pop_longest_idle()) is not None:
        popped.append(agent_id)
    return popped


def test_an_empty_pool_pops_none() -> None:
    idle = IdleAgents()
    assert len(idle) == 0
    assert idle.pop_longest_idle() is None


def test_longest_idle_comes_first_regardless_of_insertion_order() -> None:
    idle = IdleAgents()
    idle.add("b", 20.0)
    idle.add("c", 30.0)
    idle.add("a", 10.0)
    assert drain(idle) == ["a", "b", "c"]
    assert len(idle) == 0


def test_equal_idle_times_are_served_in_insertion_order() -> None:
    idle = IdleAgents()
    idle.add("second", 5.0)
    idle.add("first", 5.0)
    assert drain(idle) == ["second", "first"]


def test_discard_removes_an_agent() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 2.0)
    idle.discard("a")
    assert "a" not in idle
    assert len(idle) == 1
    assert drain(idle) == ["b"]


def test_discarding_an_unknown_agent_is_harmless() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.discard("ghost")
    assert len(idle) == 1
    assert drain(idle) == ["a"]


def test_re_adding_after_discard_uses_the_new_time() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 5.0)
    idle.discard("a")
    idle.add("a", 9.0)
    assert len(idle) == 2
    assert drain(idle) == ["b", "a"]


def test_re_adding_without_discard_replaces_the_old_entry() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 5.0)
    idle.add("a", 9.0)
    assert len(idle) == 2
    assert drain(idle) == ["b", "a"]


def test_stale_heap_entries_are_skipped() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 2.0)
    idle.discard("a")
    idle.discard("b")
    assert len(idle) == 0
    assert idle.pop_longest_idle() is None


def test_a_stale_entry_on_top_does_not_hide_a_live_one() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 2.0)
    idle.discard("a")
    assert idle.pop_longest_idle() == "b"
    assert idle.pop_longest_idle() is None


def test_len_and_contains_follow_adds_pops_and_discards() -> None:
    idle = IdleAgents()
    idle.add("a", 1.0)
    idle.add("b", 2.0)
    assert len(idle) == 2
    assert "a" in idle
    assert "b" in idle
    assert "c" not in idle
    assert 42 not in idle
    assert idle.pop_longest_idle() == "a"
    assert "a" not in idle
    assert len(idle) == 1


# -- IdleAgents against a reference model ---------------------------------------------------


@dataclass(frozen=True)
class Add:
    agent_id: str
    since: float


@dataclass(frozen=True)
class Discard:
    agent_id: str


@dataclass(frozen=True)
class Pop:
    pass


Op = Add | Discard | Pop

AGENT_IDS = st.sampled_from(["a", "b", "c", "d"])
OPS: st.SearchStrategy[Op] = st.one_of(
    st.builds(Add, AGENT_IDS, st.integers(0, 4).map(float)),
    st.builds(Discard, AGENT_IDS),
    st.just(Pop()),
)


class IdleModel:
    """The obvious implementation: a dict agent -> (since, insertion order)."""

    def __init__(self) -> None:
        self.live: dict[str, tuple[float, int]] = {}
        self.order = itertools.count()

    def add(self, agent_id: str, since: float) -> None:
        self.live[agent_id] = (since, next(self.order))

    def discard(self, agent_id: str) -> None:
        self.live.pop(agent_id, None)

    def pop(self) -> str | None:
        if not self.live:
            return None
        agent_id = min(self.live, key=lambda a: self.live[a])
        del self.live[agent_id]
        return agent_id


@settings(max_examples=200)
@given(st.lists(OPS, max_size=40))
def test_idle_agents_behaves_like_the_reference_model(ops: list[Op]) -> None:
    idle, model = IdleAgents(), IdleModel()
    for op in ops:
        if isinstance(op, Add):
            idle.add(op.agent_id, op.since)
            model.add(op.agent_id, op.since)
        elif isinstance(op, Discard):
            idle.discard(op.agent_id)
            model.discard(op.agent_id)
        else:
            assert idle.pop_longest_idle() == model.pop()
        assert len(idle) == len(model.live)
        for agent_id in ("a", "b", "c", "d"):
            assert (agent_id in idle) == (agent_id in model.live)
    assert drain(idle) == [model.pop() for _ in range(len(model.live))]


# -- WaitingCalls ---------------------------------------------------------------------------


def drain_calls(waiting: WaitingCalls) -> list[str]:
    popped: list[str] = []
    while (call_id := waiting.pop_oldest()) is not None:
        popped.append(call_id)
    return popped


def test_an_empty_queue_pops_none() -> None:
    waiting = WaitingCalls()
    assert len(waiting) == 0
    assert waiting.pop_oldest() is None


def test_calls_are_served_first_come_first_served() -> None:
    waiting = WaitingCalls()
    for call_id in ("c1", "c2", "c3"):
        waiting.push(call_id)
    assert len(waiting) == 3
    assert drain_calls(waiting) == ["c1", "c2", "c3"]
    assert len(waiting) == 0


def test_push_front_jumps_the_queue() -> None:
    waiting = WaitingCalls()
    waiting.push("c1")
    waiting.push("c2")
    waiting.push_front("c3")
    assert drain_calls(waiting) == ["c3", "c1", "c2"]


def test_push_front_of_a_queued_call_moves_it_to_the_front() -> None:
    waiting = WaitingCalls()
    waiting.push("c1")
    waiting.push("c2")
    waiting.push_front("c2")
    assert len(waiting) == 2
    assert drain_calls(waiting) == ["c2", "c1"]


def test_push_front_on_an_empty_queue() -> None:
    waiting = WaitingCalls()
    waiting.push_front("c1")
    assert "c1" in waiting
    assert drain_calls(waiting) == ["c1"]


def test_discard_from_the_middle_keeps_the_order_of_the_rest() -> None:
    waiting = WaitingCalls()
    for call_id in ("c1", "c2", "c3"):
        waiting.push(call_id)
    waiting.discard("c2")
    assert "c2" not in waiting
    assert len(waiting) == 2
    assert drain_calls(waiting) == ["c1", "c3"]


def test_discarding_an_unknown_call_is_harmless() -> None:
    waiting = WaitingCalls()
    waiting.push("c1")
    waiting.discard("ghost")
    assert len(waiting) == 1
    assert "c1" in waiting
    assert drain_calls(waiting) == ["c1"]
