"""The event log and the call records: what happened, in one rising sequence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.lead_book import Lead
from agentbar.ports.values import CallRecord, Envelope


@dataclass(frozen=True)
class StoredMove:
    """What one move of the floor stores: its events, and every call, callback and lead it
    touched and what it changed of the live floor, each as the move left it."""

    envelopes: Sequence[Envelope]
    calls: Sequence[Call] = ()
    callbacks: Sequence[Callback] = ()
    leads: Sequence[Lead] = ()
    floor: FloorChanges = field(default_factory=FloorChanges)


class EventLog(Protocol):
    async def last_seq(self) -> int:
        """The highest stored event's `seq`; 0 when none is stored."""
        ...

    async def record(
        self,
        envelopes: Sequence[Envelope],
        calls: Sequence[Call],
        callbacks: Sequence[Callback] = (),
        leads: Sequence[Lead] = (),
        floor: FloorChanges | None = None,
        fence: int | None = None,
    ) -> None:
        """Store events, call states, callbacks, leads and what changed of the live floor in
        one transaction. A call, callback or lead already stored is replaced by its new state;
        a new lead goes to the end of the list, a known one keeps its place. With `fence` (the
        writer's lease epoch), nothing is written and Fenced is raised unless it is still the
        lease's epoch; an event whose `seq` is stored already raises StorageConflict."""
        ...

    async def record_moves(self, moves: Sequence[StoredMove], fence: int | None = None) -> None:
        """Store several moves, in order, in one transaction (a group commit): all of them or,
        on any error, none. What they store ends as if each had been recorded in turn."""
        ...

    async def record_decided(
        self, decide: Callable[[], Sequence[StoredMove]], fence: int | None = None
    ) -> None:
        """Take the database's write lock first, then call `decide()` (on the caller's thread)
        for the moves to store, and store them as `record_moves` does. A database that takes
        no write within the storage's bound raises StorageUnavailable before `decide` is
        called: nothing was decided. An empty list writes nothing."""
        ...

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]:
        """The agent's events after `seq`, in order, at most `limit`: a socket's replay."""
        ...

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        """Every stored event after `seq`, in order: the replay cursor of the events API."""
        ...

    async def call_record(self, call_id: str) -> CallRecord | None: ...

    async def set_record_for_screen_pop(
        self, screen_pop_id: str, agent_id: str, record_id: str
    ) -> bool:
        """Remember the CRM record a screen pop opened; False if no such pop of this agent."""
        ...

    async def set_record_for_leg(self, leg_crt: str, agent_id: str, record_id: str) -> bool:
        """The same, for the call one of whose legs (agent's or customer's) has this CRT id."""
        ...
