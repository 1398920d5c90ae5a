"""Sessions and presence: log in and out, extension, campaign, ready, break."""

from __future__ import annotations

from agentbar.domain import agent as agent_sm
from agentbar.domain import commands as cmd
from agentbar.domain import events as ev
from agentbar.domain.agent import Agent, AgentInput, AgentState
from agentbar.domain.errors import (
    CampaignNotAssigned,
    IllegalTransition,
    NotSetUp,
    UnknownBreakReason,
)
from agentbar.domain.floor import Floor, Outcome

BUSY_STATES = frozenset(
    {
        AgentState.RESERVED,
        AgentState.ON_CALL,
        AgentState.WRAP_UP,
        AgentState.INVITED,
        AgentState.CONFERENCING,
    }
)


def log_in(floor: Floor, c: cmd.LogIn, now: float, out: Outcome) -> None:
    existing = floor.agents.get(c.profile.agent_id)
    if existing is not None and existing.state is not AgentState.LOGGED_OUT:
        raise IllegalTransition(f"agent '{c.profile.agent_id}' is already logged in")
    agent = Agent(profile=c.profile)
    floor.agents[agent.agent_id] = agent
    out.events.append(ev.AgentLoggedIn(agent.agent_id))
    floor.move(agent, AgentInput.LOGIN, now, out)


def log_out(floor: Floor, c: cmd.LogOut, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    agent_sm.next_state(agent.state, AgentInput.LOGOUT)
    floor.leave_idle(agent)
    floor.move(agent, AgentInput.LOGOUT, now, out, reason=c.reason)
    agent.extension = None
    agent.campaign_id = None
    out.events.append(ev.AgentLoggedOut(agent.agent_id, c.reason))
    del floor.agents[agent.agent_id]


def select_extension(floor: Floor, c: cmd.SelectExtension, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state in BUSY_STATES:
        raise IllegalTransition("cannot change the extension during a call")
    changed = agent.extension is not None
    agent.extension = c.extension
    out.events.append(
        ev.ExtensionSelected(agent.agent_id, c.extension.name, c.extension.phone, changed)
    )


def select_campaign(floor: Floor, c: cmd.SelectCampaign, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    campaign = floor.campaign(c.campaign_id)
    if campaign.campaign_id not in agent.profile.campaign_ids:
        raise CampaignNotAssigned(
            f"campaign '{campaign.name}' is not assigned to agent '{agent.agent_id}'"
        )
    if agent.state in BUSY_STATES:
        raise IllegalTransition("cannot change the campaign during a call")
    was_idle = agent.state is AgentState.READY
    floor.leave_idle(agent)
    agent.campaign_id = campaign.campaign_id
    out.events.append(ev.CampaignSelected(agent.agent_id, campaign.campaign_id, campaign.name))
    if was_idle:
        floor.add_idle(agent)
        floor.route(campaign.campaign_id, now, out)


def go_ready(floor: Floor, c: cmd.GoReady, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    agent_sm.next_state(agent.state, AgentInput.READY)
    if agent.extension is None:
        raise NotSetUp("choose an extension before becoming ready")
    if agent.campaign_id is None:
        raise NotSetUp("choose a campaign before becoming ready")
    agent.break_reason = None
    agent.missed = 0
    floor.become_idle(agent, AgentInput.READY, now, out)


def take_break(floor: Floor, c: cmd.TakeBreak, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    agent_sm.next_state(agent.state, AgentInput.BREAK)
    reason = floor.break_reason_names.get(c.reason.strip().casefold())
    if reason is None:
        known = ", ".join(floor.break_reasons) or "none"
        raise UnknownBreakReason(f"unknown break reason '{c.reason}' (known: {known})")
    floor.leave_idle(agent)
    agent.break_reason = reason
    floor.move(agent, AgentInput.BREAK, now, out, reason=reason)
