"""The supervisor's API over agents: end an agent's session (force logout)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status

from agentbar.services.audit import ADMIN_LOGOUT, Audit
from agentbar.services.sessions import SUPERVISOR_LOGOUT, NoActiveSession, Sessions
from agentbar.web.api.changes import ERRORS, NOT_FOUND
from agentbar.web.security import require_admin

router = APIRouter(
    prefix="/api/v1/agents",
    tags=["agents"],
    dependencies=[Depends(require_admin)],
    responses={**ERRORS, **NOT_FOUND},
)

AgentId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/{agent_id}/logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out_agent(agent_id: AgentId, request: Request) -> None:
    """End the agent's session with reason 'supervisor logout', whatever the agent is doing.

    A ringing call goes back to the front of its queue; a live call is ended and, like a call
    in wrap-up, disposed by the system with the campaign's default. The agent's toolbar is
    told (`session.ended`, then `logoutHandler('supervisor logout')` on the CRM page).
    """
    container = request.app.state.container
    sessions: Sessions = container.sessions
    audit: Audit = container.audit
    client = request.client.host if request.client else None
    try:
        await sessions.force_logout(agent_id, SUPERVISOR_LOGOUT)
    except NoActiveSession as error:
        await audit.record(ADMIN_LOGOUT, agent_id, client, "no active session")
        raise HTTPException(status.HTTP_404_NOT_FOUND, error.message) from None
    await audit.record(ADMIN_LOGOUT, agent_id, client, SUPERVISOR_LOGOUT)
