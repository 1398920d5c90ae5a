"""Agent sessions and the audit log of logins, logouts and admin changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentbar.ports.values import AuditEntry, SessionRecord


class SessionStore(Protocol):
    async def create_session(
        self,
        session_id: str,
        token_hash: str,
        agent_id: str,
        crm_origin: str,
        now: float,
        crm_session_id: str | None = None,
    ) -> None: ...

    async def session_by_token(self, token_hash: str) -> SessionRecord | None:
        """The session with this token hash, open or ended."""
        ...

    async def active_session_of(self, agent_id: str) -> SessionRecord | None:
        """The agent's open session, if any."""
        ...

    async def end_session(self, session_id: str, reason: str, now: float) -> None:
        """End the session if it is open; an ended one keeps its first end."""
        ...

    async def open_sessions(self) -> Sequence[SessionRecord]:
        """Every session not yet ended, oldest first."""
        ...


class AuditLog(Protocol):
    async def append_audit(
        self, at: float, action: str, username: str | None, client: str | None, reason: str | None
    ) -> None: ...

    async def audit_after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        """Entries with an id above `after`, oldest first, at most `limit`."""
        ...
