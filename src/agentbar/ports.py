"""The contracts between the services and the drivers; each driver implements one of these.

The services see only these Protocols; `bootstrap` is the one place that picks concrete drivers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agentbar.domain.model.agent import BreakReason
from agentbar.domain.model.call import Call
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.campaign import Campaign
from agentbar.domain.model.commands import Signal
from agentbar.domain.model.instructions import Instruction
from agentbar.domain.model.lead_book import Lead

# -- values that cross the ports ------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """A stored event: what happened, its place in the one rising sequence, and its topics."""

    seq: int
    kind: str
    at: float
    agent_id: str | None
    call_id: str | None
    data: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        return {"seq": self.seq, "event": self.kind, "at": self.at, "data": self.data}


@dataclass(frozen=True)
class AgentRecord:
    agent_id: str
    name: str
    password_hash: str | None
    campaign_ids: frozenset[str]
    auth_policy: str = "any"
    """Which login policies the agent may use: 'any', 'password' or 'sso'."""


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    agent_id: str
    crm_origin: str
    created_at: float
    ended_at: float | None
    end_reason: str | None
    crm_session_id: str | None = None
    """The CRM's own session id, for sessions opened through CRM single sign-on."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: a login, a refused login, a logout, an admin action.

    Never a password or a token: `reason` is a reason code or a session-ending reason.
    """

    audit_id: int
    at: float
    action: str
    username: str | None
    client: str | None
    reason: str | None


@dataclass(frozen=True)
class CallRecord:
    """A call as stored: the domain's view plus what the CRM told us about it."""

    call: Call
    record_id: str | None


# -- the ports -----------------------------------------------------------------------------


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable: ...


class TelephonyDriver(Protocol):
    """Carries out instructions and reports what happened on the lines as signals."""

    def attach(self, emit: Callable[[Signal], None]) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, instruction: Instruction) -> None: ...


class Sandbox(Protocol):
    """Customer-side controls only a simulated telephone network has."""

    def place_inbound_call(self, phone: str, campaign_id: str) -> str:
        """Start a customer's call into the campaign; returns the call id."""
        ...

    def hang_up_customer(self, call_id: str) -> None:
        """The customer hangs up; raises UnknownCall if no such live call."""
        ...


class Subscription(Protocol):
    async def get(self) -> Envelope: ...

    def close(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, envelope: Envelope) -> None: ...

    def subscribe(self, topic: str) -> Subscription: ...


class Storage(Protocol):
    def migrate(self) -> None: ...

    def close(self) -> None: ...

    # configuration
    async def agent(self, agent_id: str) -> AgentRecord | None: ...

    async def campaigns(self) -> Sequence[Campaign]: ...

    async def break_reasons(self) -> Sequence[BreakReason]:
        """Every configured break reason, in display order."""
        ...

    async def ivrs(self) -> Sequence[str]:
        """The names of the IVRs calls can be transferred or conferenced to."""
        ...

    async def extensions(self, limit: int | None = None) -> Sequence[tuple[str, str]]:
        """Provisioned extensions as (name, phone), by phone; at most `limit` of them."""
        ...

    async def extension_with_phone(self, phone: str) -> tuple[str, str] | None:
        """(name, phone) of the provisioned extension with that phone number."""
        ...

    async def extension(self, name: str) -> tuple[str, str] | None:
        """(name, phone) of a provisioned extension, matched regardless of case."""
        ...

    # sessions
    async def create_session(
        self,
        session_id: str,
        token_hash: str,
        agent_id: str,
        crm_origin: str,
        now: float,
        crm_session_id: str | None = None,
    ) -> None: ...

    async def session_by_token(self, token_hash: str) -> SessionRecord | None: ...

    async def active_session_of(self, agent_id: str) -> SessionRecord | None: ...

    async def end_session(self, session_id: str, reason: str, now: float) -> None: ...

    async def end_all_sessions(self, reason: str, now: float) -> Sequence[SessionRecord]:
        """End every open session; returns them as they were."""
        ...

    # the audit log
    async def append_audit(
        self, at: float, action: str, username: str | None, client: str | None, reason: str | None
    ) -> None: ...

    async def audit_after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        """Entries with an id above `after`, oldest first, at most `limit`."""
        ...

    # the record of what happened
    async def last_seq(self) -> int: ...

    async def record(
        self,
        envelopes: Sequence[Envelope],
        calls: Sequence[Call],
        callbacks: Sequence[Callback] = (),
        leads: Sequence[Lead] = (),
    ) -> None:
        """Store events, call states, callbacks and leads in one transaction."""
        ...

    async def pending_leads(self) -> Sequence[Lead]:
        """Leads not yet dialled or skipped, in list order, to restore at start."""
        ...

    async def pending_callbacks(self) -> Sequence[Callback]:
        """Callbacks not yet dialled, to restore at start."""
        ...

    async def set_record_for_show_crm(
        self, show_crm_request_id: str, agent_id: str, record_id: str
    ) -> bool:
        """Remember the CRM record a screen pop opened; False if no such pop of this agent."""
        ...

    async def set_record_for_crt(self, crt_object_id: str, agent_id: str, record_id: str) -> bool:
        """The same, for the call one of whose legs (agent's or customer's) has this CRT id."""
        ...

    async def call_record(self, call_id: str) -> CallRecord | None: ...

    async def events_after(self, agent_id: str, seq: int, limit: int) -> Sequence[Envelope]: ...

    async def events_since(self, seq: int, limit: int) -> Sequence[Envelope]:
        """Every stored event after `seq`, in order: the replay cursor of the events API."""
        ...
