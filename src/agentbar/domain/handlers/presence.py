"""Sessions and presence: log in and out (by choice or forced), extension, campaign, ready,
break, auto-call.

Rules kept here: an agent assigned to exactly one campaign works in it from login on; a
forced logout never refuses a logged-in agent and loses no call — a ringing offer goes back to
the front of its queue, a live call is ended and, like a call in wrap-up, disposed by the
system; auto-call is only ever on in an outbound campaign.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome, party_leg
from agentbar.domain.handlers.inbound import withdraw_offer
from agentbar.domain.handlers.wrapup import close_by_system
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import BUSY_STATES, PARTY_STATES, Agent, AgentInput, AgentState
from agentbar.domain.model.call import CallState
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import (
    CampaignNotAssigned,
    IllegalTransition,
    NotOutboundCampaign,
    NotSetUp,
    UnknownBreakReason,
)
from agentbar.domain.model.instructions import HangUpLeg


def log_in(floor: Floor, c: cmd.LogIn, now: float, out: Outcome) -> None:
    existing = floor.agents.get(c.profile.agent_id)
    if existing is not None and existing.state is not AgentState.LOGGED_OUT:
        raise IllegalTransition(f"agent '{c.profile.agent_id}' is already logged in")
    agent = Agent(profile=c.profile)
    floor.admit(agent)
    out.events.append(ev.AgentLoggedIn(agent.agent_id))
    floor.move(agent, AgentInput.LOGIN, now, out)
    _select_only_campaign(floor, agent, out)


def _select_only_campaign(floor: Floor, agent: Agent, out: Outcome) -> None:
    """With a single campaign there is nothing to choose: save the agent the step."""
    if len(agent.profile.campaign_ids) != 1:
        return
    [campaign_id] = agent.profile.campaign_ids
    campaign = floor.campaigns.get(campaign_id)
    if campaign is None:
        return  # assigned in storage but not (yet) configured here: the agent cannot use it
    agent.campaign_id = campaign.campaign_id
    out.events.append(ev.CampaignSelected(agent.agent_id, campaign.campaign_id, campaign.name))


def log_out(floor: Floor, c: cmd.LogOut, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    agent_sm.next_state(agent.state, AgentInput.LOGOUT)
    _leave(floor, agent, AgentInput.LOGOUT, c.reason, now, out)


def force_log_out(floor: Floor, c: cmd.ForceLogOut, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    agent_sm.next_state(agent.state, AgentInput.FORCE_LOGOUT)
    call = floor.call(agent.call_id) if agent.call_id is not None else None
    # Nothing below refuses: the floor keeps a RESERVED agent's call OFFERED, an ON_CALL
    # agent's CONNECTED and a WRAP_UP agent's in WRAP_UP, and each has a legal move.
    if call is not None and agent.state in PARTY_STATES:
        # A conference party leaves another agent's call, which goes on without them.
        leg = party_leg(call, agent.agent_id)
        floor.leg_gone(call, leg, now, c.reason, out, release_party=False)
        out.instructions.append(HangUpLeg(call.call_id, leg.leg_id))
        agent.call_id = None
        call = None
    elif call is not None and call.state is CallState.OFFERED:
        withdraw_offer(floor, call, agent, now, out)
    elif call is not None:
        close_by_system(floor, call, now, out)
    _leave(floor, agent, AgentInput.FORCE_LOGOUT, c.reason, now, out)
    if call is not None and call.state is CallState.QUEUED:
        floor.route(call.campaign_id, now, out)  # the agent is gone: someone else may take it


def _leave(
    floor: Floor, agent: Agent, given: AgentInput, reason: str, now: float, out: Outcome
) -> None:
    floor.leave_idle(agent)
    floor.move(agent, given, now, out, reason=reason)
    agent.extension = None
    agent.campaign_id = None
    agent.auto_call = False
    out.events.append(ev.AgentLoggedOut(agent.agent_id, reason))
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
    if agent.lead_id is not None:
        floor.release_lead(agent, now, out, skipped=False)
    agent.campaign_id = campaign.campaign_id
    out.events.append(ev.CampaignSelected(agent.agent_id, campaign.campaign_id, campaign.name))
    if agent.auto_call and campaign.kind is not CampaignKind.OUTBOUND:
        agent.auto_call = False  # nothing to dial in this campaign
        out.events.append(ev.AutoCallChanged(agent.agent_id, False))
    if was_idle:
        floor.find_work(agent, now, out)


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
        known = ", ".join(r.name for r in floor.break_reasons) or "none"
        raise UnknownBreakReason(f"unknown break reason '{c.reason}' (known: {known})")
    floor.leave_idle(agent)
    agent.break_reason = reason
    floor.move(agent, AgentInput.BREAK, now, out, reason=reason)


def set_auto_call(floor: Floor, c: cmd.SetAutoCall, now: float, out: Outcome) -> None:
    """Switching to what it already is changes nothing and reports nothing."""
    agent = floor.agent(c.agent_id)
    if agent.campaign_id is None:
        raise NotOutboundCampaign("choose an outbound campaign before switching auto-call")
    campaign = floor.campaign(agent.campaign_id)
    if campaign.kind is not CampaignKind.OUTBOUND:
        raise NotOutboundCampaign(
            f"auto-call needs an outbound campaign; '{campaign.name}' is {campaign.kind.value}"
        )
    if agent.auto_call is c.on:
        return
    agent.auto_call = c.on
    out.events.append(ev.AutoCallChanged(agent.agent_id, c.on))
    if agent.agent_id in floor.idle[campaign.campaign_id]:
        # An idle agent joins (or leaves) the progressive dialer's pool at once.
        floor.leave_idle(agent)
        floor.find_work(agent, now, out)
