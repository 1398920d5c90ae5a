"""The in-memory storage's tables: one object every in-memory store shares, so that a unit
of work can snapshot and restore all of them at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentbar.domain.model.agent import BreakReason, Extension
from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.campaign import Campaign
from agentbar.domain.model.handoffs import Transfer
from agentbar.domain.model.ivr import DigitCollection
from agentbar.domain.model.lead_book import Lead
from agentbar.domain.model.legs import Leg
from agentbar.ports import (
    AuditEntry,
    DoNotCallEntry,
    Envelope,
    LeaseState,
    NodeSeen,
    SessionRecord,
)


@dataclass
class AgentRow:
    name: str
    password_hash: str | None
    auth_policy: str


@dataclass
class IvrRow:
    position: int
    description: str | None = None
    collect: DigitCollection | None = None


@dataclass
class SessionRow:
    record: SessionRecord
    token_hash: str


@dataclass
class LeadRow:
    lead: Lead
    position: int


@dataclass
class CallParts:
    """What the call reports read of a stored call besides its record: its seconds on hold,
    its legs and its transfers (the SQL driver's hold_seconds column, call_legs and
    call_transfers)."""

    hold_seconds: float
    legs: list[Leg]
    transfers: list[Transfer]


@dataclass
class Tables:
    agents: dict[str, AgentRow] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)
    campaign_agents: set[tuple[int, str]] = field(default_factory=set)
    extensions: dict[str, Extension] = field(default_factory=dict)
    break_reasons: list[tuple[BreakReason, int]] = field(default_factory=list)
    ivrs: dict[str, IvrRow] = field(default_factory=dict)
    origins: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    events: dict[int, Envelope] = field(default_factory=dict)
    calls: dict[str, tuple[Call, str | None]] = field(default_factory=dict)
    call_parts: dict[str, CallParts] = field(default_factory=dict)
    callbacks: dict[str, Callback] = field(default_factory=dict)
    leads: dict[str, LeadRow] = field(default_factory=dict)
    webhooks: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    floor_agents: dict[str, str] = field(default_factory=dict)
    floor_calls: dict[str, str] = field(default_factory=dict)
    floor_queues: dict[str, list[str]] = field(default_factory=dict)
    floor_timers: dict[str, float] = field(default_factory=dict)
    floor_dialers: dict[str, str] = field(default_factory=dict)
    lease: LeaseState = field(default_factory=lambda: LeaseState(None, 0, 0.0))
    nodes: dict[str, NodeSeen] = field(default_factory=dict)
    dialogs: dict[str, str] = field(default_factory=dict)
    do_not_call: dict[str, DoNotCallEntry] = field(default_factory=dict)
