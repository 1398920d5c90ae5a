"""The link between the node that owns the floor and the nodes that only serve sockets (doors).

One writer, many doors: the owner decides every move; a door serves its own toolbars, API
callers and supervisors, asks the owner to carry out what they ask for (`ask` / `serve`), and
keeps a copy of the floor to read from, fed by every move the owner stored (`publish` /
`follow`). A move is published after it is stored, so a door that lost moves (a gap in their
numbers, a new epoch, a broken feed) loads the floor from storage again and replays what it
buffered meanwhile; the floor's `follow` makes that replay safe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from agentbar.domain.model.commands import Command
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.events import Event
from agentbar.domain.model.lead_book import Lead
from agentbar.ports.values import Envelope


@dataclass(frozen=True)
class FloorMove:
    """One stored move of the floor, as the owner tells the doors."""

    epoch: int
    """The owner's lease epoch: a new one means a new owner (doors reload the floor)."""
    number: int
    """1, 2, 3… within the epoch: a gap means moves were missed."""
    changes: FloorChanges
    leads: list[Lead] = field(default_factory=list)
    events: list[Envelope] = field(default_factory=list)
    reconfigured: bool = False
    """The owner reloaded campaigns, break reasons and IVRs: doors reload theirs."""


@dataclass(frozen=True)
class CommandAsk:
    command: Command


@dataclass(frozen=True)
class NoteAsk:
    """Store and publish an event the service layer originates (`Runtime.note`)."""

    kind: str
    agent_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ServiceAsk:
    """A service's own request to its counterpart on the owner (a simulated customer's call,
    a configuration reload), by name, with JSON arguments and a JSON result."""

    name: str
    args: dict[str, Any]
    new_work: bool = False
    """The first thing its request asks, so a refusal leaves nothing done: an owner that is
    behind may refuse it (`OwnerBusy`) rather than queue it."""


FloorAsk = CommandAsk | NoteAsk | ServiceAsk


@dataclass(frozen=True)
class FloorAnswer:
    """What the owner answered: a command's events (and the leads it touched; nothing else
    of its outcome crosses the link), a note's envelope, a service's result, or the refusal."""

    epoch: int
    moved_to: int
    """The number of the last move the owner had published when it answered (0 when none
    was published while it carried the ask out): the door reads its copy once that move is
    in it, so a command's effect is visible after it."""
    events: list[Event] | None = None
    leads: list[Lead] = field(default_factory=list)
    envelope: Envelope | None = None
    result: dict[str, Any] | None = None
    refusal: DomainError | None = None


ANSWER_ROOM = 3.0
"""Seconds of a door's patience kept for the owner to carry an ask out and answer it."""


def start_by(patience: float) -> float:
    """Seconds after it is asked that an owner may still start an ask: the rest of the door's
    patience (ANSWER_ROOM, or half of a short patience) is left for carrying it out and
    answering, so an ask carried out is answered before the door gives up on it."""
    return patience - min(ANSWER_ROOM, patience / 2)


NO_ANSWER = (
    "no node owning the floor answered in time: it was not done, unless an owner stopped "
    "while doing it; check before trying again"
)
"""What an ask that timed out tells its client (see `OwnerUnreachable`)."""


class OwnerUnreachable(DomainError):
    """No node owning the floor answered in time: nothing was acknowledged. Nothing was done
    either, unless an owner took the ask and stopped before its answer got out: a client
    checks (a snapshot, the call's record) before trying again."""

    code = "floor_unavailable"


class OwnerBusy(DomainError):
    """The node owning the floor is behind and refused new work at once: nothing was done, and
    the same ask may be sent again (`services/owner_gate.py`)."""

    code = "busy"


class MoveFeed(Protocol):
    async def get(self) -> FloorMove:
        """The next move; raises SubscriptionClosed once the feed broke (moves may be lost)."""
        ...

    def close(self) -> None: ...


Answerer = Callable[[FloorAsk], Awaitable[FloorAnswer]]


class FloorLink(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def serve(self, answer: Answerer) -> None:
        """This node owns the floor: take every ask from now on (asks from any node, those
        that waited while no node owned the floor included, unless their time ran out)."""
        ...

    async def publish(self, move: FloorMove) -> None:
        """Tell every door a stored move (best effort: a door that misses it resyncs)."""
        ...

    async def ask(self, ask: FloorAsk, patience: float) -> FloorAnswer:
        """Have the owner carry `ask` out; raises OwnerUnreachable after `patience` seconds.
        An owner starts the ask only within `start_by(patience)` and drops it afterwards, so
        an ask the door gave up on is never carried out."""
        ...

    def follow(self) -> MoveFeed:
        """Every move published from now on, in order."""
        ...
