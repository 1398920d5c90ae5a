"""What the sessions service hands out and keeps: a session, a login's result, and the live
state the deciding node holds beside each stored session."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentbar.ports import Cancellable


class NoActiveSession(Exception):
    """A supervisor asked to end the session of an agent who has none."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Session:
    session_id: str
    agent_id: str
    crm_origin: str


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: Session
    forced: bool


@dataclass
class LiveSession:
    """What the deciding node knows of an active session beyond its stored row."""

    agent_id: str
    crm_session_id: str | None = None
    by_node: dict[str, int] = field(default_factory=dict)
    """Toolbar sockets open for the session, per node."""
    idle_timer: Cancellable | None = None
    """Running exactly while no socket is open."""
    lifetime_timer: Cancellable | None = None
    """Runs out when the session reaches its absolute lifetime."""
