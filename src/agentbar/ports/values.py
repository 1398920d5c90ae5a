"""The values that cross the ports: what the drivers hand the services and take from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentbar.domain.model.call import Call
from agentbar.domain.model.errors import DomainError


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


@dataclass(frozen=True)
class AgentSummary:
    """An agent as the catalog lists it: with the names (not ids) of its campaigns."""

    agent_id: str
    name: str
    password_hash: str | None
    auth_policy: str
    campaigns: list[str]


class StorageConflict(Exception):
    """A write would break a uniqueness rule of the store (e.g. two extensions, one phone);
    nothing was written."""


class StorageInUse(Exception):
    """Another live process uses this embedded database: a second server must not start on it."""


class StorageUnavailable(DomainError):
    """The database did not answer within its bound (locked by another process, a slow disk,
    a cut connection): nothing was written; the client may try again."""

    code = "storage_unavailable"


class Fenced(Exception):
    """A write of the floor carried a fencing token (the lease's epoch) that is no longer the
    lease's: another node owns the floor now; nothing was written."""


@dataclass(frozen=True)
class LeaseState:
    """Who holds the floor's lease: its owner (None once released), its epoch — the fencing
    token every floor write carries — and when it runs out unless renewed."""

    owner: str | None
    epoch: int
    expires_at: float


@dataclass(frozen=True)
class NodeSeen:
    """A node as its last heartbeat left it."""

    node_id: str
    last_seen: float
    sockets: int
