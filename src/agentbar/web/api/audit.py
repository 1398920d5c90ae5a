"""The audit log for administrators: logins, refusals, logouts and admin actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from agentbar.web.api.answers import ERRORS
from agentbar.web.deps import AuditDep, require_admin

router = APIRouter(
    prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(require_admin)], responses=ERRORS
)


class AuditEntryView(BaseModel):
    id: int
    at: float
    action: str
    """login, login_failed, force_login, logout, admin_logout, admin_put, admin_delete,
    admin_import."""
    username: str | None
    client: str | None
    reason: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntryView]


@router.get("")
async def read_audit(
    audit: AuditDep,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="the last id already read; 0 from the start")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """Entries with an id above `after`, oldest first (newest last). To follow the log, pass
    the last id read as `after` again; an empty list means nothing new yet."""
    entries = await audit.after(after, limit)
    return AuditPage(
        entries=[
            AuditEntryView(
                id=e.audit_id,
                at=e.at,
                action=e.action,
                username=e.username,
                client=e.client,
                reason=e.reason,
            )
            for e in entries
        ]
    )
