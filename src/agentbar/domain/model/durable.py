"""What of the live floor is stored, so that a process that died can be followed by one that
goes on where it stopped.

The floor is stored as its entities, not as a log of moves: every agent logged in and every
live call (legs, transfers, offer and all) as it stands after the last move, the order of each
queue, and every timer the floor started with the moment it runs out. Idle heaps are not
stored: they follow from the agents (`FloorState.restore`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agentbar.domain.model.agent import Agent
from agentbar.domain.model.call import Call


@dataclass
class FloorChanges:
    """What one move changed of the stored floor: written with its events, in one transaction."""

    agents: list[Agent] = field(default_factory=list)
    """Agents as they now stand (new ones included)."""
    agents_gone: list[str] = field(default_factory=list)
    """Agents who logged out."""
    calls: list[Call] = field(default_factory=list)
    """Live calls as they now stand; a disposed call whose customer is still out on the
    network (a blind transfer's) counts as live until its legs end."""
    calls_gone: list[str] = field(default_factory=list)
    queues: dict[str, list[str]] = field(default_factory=dict)
    """Each campaign queue that changed: its waiting calls, first in line first."""
    timers: dict[str, float | None] = field(default_factory=dict)
    """Each timer started (its key: when it runs out, on the floor's clock) or gone (None)."""
    dialers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each predictive campaign's dialer that recorded a call's ending, as plain values
    (`CampaignDialer.to_dict`): its abandon window above all, the law's count."""

    def __bool__(self) -> bool:
        stored = (self.agents, self.agents_gone, self.calls, self.calls_gone, self.queues)
        return any(stored) or bool(self.timers) or bool(self.dialers)


def in_one(moves: Iterable[FloorChanges]) -> FloorChanges:
    """What several moves in a row changed of the stored floor, as one change: each agent,
    call, queue and timer as the last of them left it (so it is written once)."""
    agents: dict[str, Agent | None] = {}
    calls: dict[str, Call | None] = {}
    queues: dict[str, list[str]] = {}
    timers: dict[str, float | None] = {}
    dialers: dict[str, dict[str, Any]] = {}
    for move in moves:
        # Within one move the stored floor writes what stands, then removes what is gone.
        agents.update((agent.agent_id, agent) for agent in move.agents)
        agents.update(dict.fromkeys(move.agents_gone))
        calls.update((call.call_id, call) for call in move.calls)
        calls.update(dict.fromkeys(move.calls_gone))
        queues.update(move.queues)
        timers.update(move.timers)
        dialers.update(move.dialers)
    return FloorChanges(
        agents=[agent for agent in agents.values() if agent is not None],
        agents_gone=[agent_id for agent_id, agent in agents.items() if agent is None],
        calls=[call for call in calls.values() if call is not None],
        calls_gone=[call_id for call_id, call in calls.items() if call is None],
        queues=queues,
        timers=timers,
        dialers=dialers,
    )


@dataclass
class FloorImage:
    """The stored floor, as a starting process reads it back."""

    agents: list[Agent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    queues: dict[str, list[str]] = field(default_factory=dict)
    timers: dict[str, float] = field(default_factory=dict)
    """Each pending timer's key and when it runs out."""
    dialers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each predictive campaign's dialer, as `CampaignDialer.to_dict` wrote it."""
