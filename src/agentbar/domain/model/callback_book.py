"""The callback book: scheduled callbacks wait for their time, due ones for an agent.

Kept apart from the handlers in callbacks.py so the floor can hold a book without importing
the handlers that act on the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentbar.domain.model.agent import Agent
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.routing import WaitingCalls


class InvalidCallback(DomainError):
    code = "invalid_callback"


class CallbackState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    DIALLED = "dialled"
    BLOCKED = "blocked"
    """Its number was put on the do-not-call list before it was dialled: never dialled."""


@dataclass
class Callback:
    callback_id: str
    campaign_id: str
    phone: str
    due_at: float
    scheduled_by: str
    for_agent: str | None
    """The agent who must make the call (a self callback), or None for anyone in the campaign."""
    params: dict[str, Any] = field(default_factory=dict)
    state: CallbackState = CallbackState.SCHEDULED
    call_id: str | None = None


class CallbackBook:
    """The floor's callbacks: scheduled ones wait for their timer, due ones for an agent."""

    def __init__(self) -> None:
        self.all: dict[str, Callback] = {}
        self._due_for_campaign: dict[str, WaitingCalls] = {}
        self._due_for_agent: dict[str, WaitingCalls] = {}

    def add(self, callback: Callback) -> None:
        self.all[callback.callback_id] = callback

    def fall_due(self, callback: Callback) -> None:
        callback.state = CallbackState.DUE
        if callback.for_agent is not None:
            self._due_for_agent.setdefault(callback.for_agent, WaitingCalls()).push(
                callback.callback_id
            )
        else:
            self._due_for_campaign.setdefault(callback.campaign_id, WaitingCalls()).push(
                callback.callback_id
            )

    def next_for_agent(self, agent: Agent) -> Callback | None:
        """A due callback this agent should make now: their own first, then their campaign's."""
        for queue in (
            self._due_for_agent.get(agent.agent_id),
            self._due_for_campaign.get(agent.campaign_id or ""),
        ):
            first = queue.peek() if queue is not None else None
            if first is not None:
                return self.all[first]
        return None

    def has_due_for_campaign(self, campaign_id: str) -> bool:
        return bool(self._due_for_campaign.get(campaign_id))

    def peek_campaign(self, campaign_id: str) -> Callback:
        first = self._due_for_campaign[campaign_id].peek()
        assert first is not None
        return self.all[first]

    def taken(self, callback: Callback, call_id: str) -> None:
        """The callback is being dialled: it leaves every queue."""
        self._leave(callback)
        callback.state = CallbackState.DIALLED
        callback.call_id = call_id

    def blocked(self, callback: Callback) -> None:
        """The callback's number may not be dialled: it leaves every queue, never dialled."""
        self._leave(callback)
        callback.state = CallbackState.BLOCKED

    def _leave(self, callback: Callback) -> None:
        for queues, key in (
            (self._due_for_agent, callback.for_agent),
            (self._due_for_campaign, callback.campaign_id),
        ):
            if key is not None and key in queues:
                queues[key].discard(callback.callback_id)
        del self.all[callback.callback_id]
