"""Several moves' floor changes merged into one write the floor as the moves one by one do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.model.agent import Agent, AgentProfile, AgentState
from agentbar.domain.model.call import Call, CallType
from agentbar.domain.model.durable import FloorChanges, in_one

IDS = ["x1", "x2", "x3"]


def an_agent(agent_id: str, version: int) -> Agent:
    agent = Agent(AgentProfile(agent_id, agent_id, frozenset()))
    agent.state, agent.idle_since = AgentState.READY, float(version)
    return agent


def a_call(call_id: str, version: int) -> Call:
    return Call(call_id, CallType.INBOUND, "1", "+1555", f"crt-{call_id}", float(version))


@st.composite
def changes(draw: st.DrawFn) -> FloorChanges:
    version = draw(st.integers(0, 1000))
    some = st.lists(st.sampled_from(IDS), unique=True, max_size=3)
    return FloorChanges(
        agents=[an_agent(i, version) for i in draw(some)],
        agents_gone=draw(some),
        calls=[a_call(i, version) for i in draw(some)],
        calls_gone=draw(some),
        queues=draw(st.dictionaries(st.sampled_from(["1", "2"]), st.lists(st.sampled_from(IDS)))),
        timers=draw(st.dictionaries(st.sampled_from(IDS), st.none() | st.floats(0, 100))),
    )


def written(moves: list[FloorChanges]) -> tuple[object, ...]:
    """The floor as a store writes each move: what stands, then what is gone removed."""
    agents: dict[str, Agent] = {}
    calls: dict[str, Call] = {}
    queues: dict[str, list[str]] = {}
    timers: dict[str, float] = {}
    for move in moves:
        agents.update((a.agent_id, a) for a in move.agents)
        for agent_id in move.agents_gone:
            agents.pop(agent_id, None)
        calls.update((c.call_id, c) for c in move.calls)
        for call_id in move.calls_gone:
            calls.pop(call_id, None)
        queues.update(move.queues)
        for key, due in move.timers.items():
            if due is None:
                timers.pop(key, None)
            else:
                timers[key] = due
    return agents, calls, queues, timers


@given(st.lists(changes(), max_size=6), st.lists(changes(), max_size=4))
def test_merged_moves_leave_the_floor_as_the_moves_in_turn(
    before: list[FloorChanges], moves: list[FloorChanges]
) -> None:
    assert written([*before, in_one(moves)]) == written([*before, *moves])


def test_nothing_merged_is_nothing_to_write() -> None:
    assert not in_one([])
    assert not in_one([FloorChanges(), FloorChanges()])
