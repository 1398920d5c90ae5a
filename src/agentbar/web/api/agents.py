"""Agents through the admin API: provision them (create, update, read), and end an agent's
session as a supervisor (force logout).

PUT creates or replaces an agent by its id (idempotent); validation errors answer 422 with
what is wrong, and change nothing. Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.auth.policy import AgentLogin
from agentbar.services.configuration import READABLE
from agentbar.services.provisioning import AgentSummary, InvalidConfiguration
from agentbar.services.sessions import SUPERVISOR_LOGOUT, NoActiveSession
from agentbar.web.api.answers import ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, ProvisioningDep, SessionsDep, require_admin

router = APIRouter(
    prefix="/api/v1/agents",
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

AgentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
LoggedInAgentId = Annotated[str, Path(min_length=1, max_length=64)]
"""Any id a session may stand for, provisioned under today's rules or not."""


class AgentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=READABLE)]
    password: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    """None (and no passwordHash): the agent logs in by CRM single sign-on or a login token."""
    passwordHash: Annotated[str, Field(max_length=255)] | None = None
    """An argon2id hash, as exported; instead of `password`."""
    authPolicy: AgentLogin = AgentLogin.ANY
    """Which login policies the agent may use: any (the default), password, or sso."""
    campaigns: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list
    )


class AgentView(BaseModel):
    id: str
    name: str
    hasPassword: bool
    authPolicy: AgentLogin
    campaigns: list[str]


def agent_view(a: AgentSummary) -> AgentView:
    return AgentView(
        id=a.agent_id,
        name=a.name,
        hasPassword=a.password_hash is not None,
        authPolicy=AgentLogin(a.auth_policy),
        campaigns=a.campaigns,
    )


@router.get("", tags=["provisioning"])
async def list_agents(provisioning: ProvisioningDep) -> list[AgentView]:
    return [agent_view(a) for a in await provisioning.agents()]


@router.get("/{agent_id}", tags=["provisioning"], responses=NOT_FOUND)
async def get_agent(agent_id: AgentId, provisioning: ProvisioningDep) -> AgentView:
    summary = await provisioning.agent(agent_id)
    if summary is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent '{agent_id}'")
    return agent_view(summary)


@router.put("/{agent_id}", tags=["provisioning"], status_code=status.HTTP_204_NO_CONTENT)
async def put_agent(
    agent_id: AgentId, body: AgentBody, provisioning: ProvisioningDep, client: ClientDep
) -> None:
    """Create or update an agent; its campaigns are exactly the ones named (from next login).

    `authPolicy` `password` needs a password; `sso` has none (CRM login or login token only);
    `any` (the default) lets the CRM page choose, as long as the credentials verify.
    """
    try:
        await provisioning.put_agent(
            agent_id,
            body.name,
            body.password,
            body.campaigns,
            body.authPolicy,
            body.passwordHash,
            client=client,
        )
    except InvalidConfiguration as error:
        raise refused(error) from None


@router.post(
    "/{agent_id}/logout",
    tags=["agents"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
)
async def log_out_agent(
    agent_id: LoggedInAgentId, sessions: SessionsDep, client: ClientDep
) -> None:
    """End the agent's session with reason 'supervisor logout', whatever the agent is doing.

    A ringing call goes back to the front of its queue; a live call is ended and, like a call
    in wrap-up, disposed by the system with the campaign's default. The agent's toolbar is
    told (`session.ended`, then `logoutHandler('supervisor logout')` on the CRM page).
    """
    try:
        await sessions.force_logout(agent_id, SUPERVISOR_LOGOUT, client=client)
    except NoActiveSession as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, error.message) from None
