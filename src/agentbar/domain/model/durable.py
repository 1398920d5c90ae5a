"""What of the live floor is stored, so that a process that died can be followed by one that
goes on where it stopped.

The floor is stored as its entities, not as a log of moves: every agent logged in and every
live call (legs, transfers, offer and all) as it stands after the last move, the order of each
queue, and every timer the floor started with the moment it runs out. Idle heaps are not
stored: they follow from the agents (`FloorState.restore`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def __bool__(self) -> bool:
        stored = (self.agents, self.agents_gone, self.calls, self.calls_gone, self.queues)
        return any(stored) or bool(self.timers)


@dataclass
class FloorImage:
    """The stored floor, as a starting process reads it back."""

    agents: list[Agent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    queues: dict[str, list[str]] = field(default_factory=dict)
    timers: dict[str, float] = field(default_factory=dict)
    """Each pending timer's key and when it runs out."""
