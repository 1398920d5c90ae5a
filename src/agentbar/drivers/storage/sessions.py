"""The SessionStore and AuditLog ports on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from agentbar.drivers.storage import schema as t
from agentbar.drivers.storage.database import Connections, reads, writes
from agentbar.ports.values import AuditEntry, SessionRecord


class SqlSessionStore:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def create_session(
        self,
        session_id: str,
        token_hash: str,
        agent_id: str,
        crm_origin: str,
        now: float,
        crm_session_id: str | None = None,
    ) -> None:
        with self._db.write() as c:
            c.execute(
                insert(t.sessions).values(
                    session_id=session_id,
                    token_hash=token_hash,
                    agent_id=agent_id,
                    crm_origin=crm_origin,
                    created_at=now,
                    crm_session_id=crm_session_id,
                )
            )

    @reads
    def session_by_token(self, token_hash: str) -> SessionRecord | None:
        return self._one_session(t.sessions.c.token_hash == token_hash)

    @reads
    def active_session_of(self, agent_id: str) -> SessionRecord | None:
        return self._one_session(
            (t.sessions.c.agent_id == agent_id) & t.sessions.c.ended_at.is_(None)
        )

    def _one_session(self, where: Any) -> SessionRecord | None:
        with self._db.read() as c:
            row = c.execute(select(t.sessions).where(where)).first()
        return None if row is None else _session_record(row)

    @writes
    def end_session(self, session_id: str, reason: str, now: float) -> None:
        with self._db.write() as c:
            c.execute(
                update(t.sessions)
                .where((t.sessions.c.session_id == session_id) & t.sessions.c.ended_at.is_(None))
                .values(ended_at=now, end_reason=reason)
            )

    @reads
    def open_sessions(self) -> Sequence[SessionRecord]:
        with self._db.read() as c:
            open_ = t.sessions.c.ended_at.is_(None)
            rows = c.execute(select(t.sessions).where(open_).order_by(t.sessions.c.created_at))
            return [_session_record(row) for row in rows]


class SqlAuditLog:
    def __init__(self, db: Connections) -> None:
        self._db = db

    @writes
    def append_audit(
        self, at: float, action: str, username: str | None, client: str | None, reason: str | None
    ) -> None:
        with self._db.write() as c:
            c.execute(
                insert(t.audit_log).values(
                    at=at, action=action, username=username, client=client, reason=reason
                )
            )

    @reads
    def audit_after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        with self._db.read() as c:
            rows = c.execute(
                select(t.audit_log)
                .where(t.audit_log.c.audit_id > after)
                .order_by(t.audit_log.c.audit_id)
                .limit(limit)
            ).all()
        return [
            AuditEntry(r.audit_id, r.at, r.action, r.username, r.client, r.reason) for r in rows
        ]


def _session_record(row: Row[Any]) -> SessionRecord:
    return SessionRecord(
        session_id=row.session_id,
        agent_id=row.agent_id,
        crm_origin=row.crm_origin,
        created_at=row.created_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        crm_session_id=row.crm_session_id,
    )
