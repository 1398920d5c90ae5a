"""Outbound calls placed by an agent: manual dial and click-to-dial.

The agent's phone rings first, then the customer's (third-party call control); the screen pop
comes as the call starts, so the agent sees the record while it rings. A call that never
connects (busy, no answer) still goes to wrap-up: the agent disposes it like any other.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers.calls import call_ended, connected, screen_pop
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.campaign import Campaign
from agentbar.domain.model.errors import CampaignNotAssigned, IllegalTransition, NotSetUp
from agentbar.domain.model.instructions import DialOut
from agentbar.domain.model.legs import LegKind, LegPurpose, LegState, live_legs


def dial(floor: Floor, c: cmd.Dial, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state is AgentState.WRAP_UP:
        raise IllegalTransition("dispose the current call first (or use dispose-and-dial)")
    campaign = check_dial(floor, agent, c)
    start_dial(floor, agent, campaign, c, now, out)


def check_dial(floor: Floor, agent: Agent, c: cmd.Dial) -> Campaign:
    """Everything a dial needs, checked before anything changes; the campaign to dial in."""
    agent_sm.next_state(agent.state, AgentInput.DIAL)
    if agent.extension is None:
        raise NotSetUp("choose an extension before dialling")
    campaign_id = c.campaign_id or agent.campaign_id
    if campaign_id is None:
        raise NotSetUp("choose a campaign before dialling")
    campaign = floor.campaign(campaign_id)
    if campaign.campaign_id not in agent.profile.campaign_ids:
        raise CampaignNotAssigned(f"campaign '{campaign.name}' is not assigned to this agent")
    if c.call_id in floor.calls:
        raise IllegalTransition(f"call '{c.call_id}' already exists")
    return campaign


def start_dial(
    floor: Floor, agent: Agent, campaign: Campaign, c: cmd.Dial, now: float, out: Outcome
) -> None:
    assert agent.extension is not None
    if agent.state is not AgentState.WRAP_UP:  # dispose-and-dial keeps the earlier preference
        agent.after_call = (
            AgentInput.DISPOSE_NOT_READY
            if agent.state is AgentState.NOT_READY
            else AgentInput.DISPOSE
        )
    floor.leave_idle(agent)
    call = Call(
        call_id=c.call_id,
        call_type=c.call_type,
        campaign_id=campaign.campaign_id,
        phone=c.phone,
        customer_crt=floor.new_id("crt"),
        queued_at=now,
        state=CallState.DIALING,
        agent_id=agent.agent_id,
        user_crt=floor.new_id("crt"),
        screen_pop_id=floor.new_id("pop"),
        offered_at=now,
        crm_params=dict(c.crm_params),
    )
    assert call.user_crt is not None
    assert call.screen_pop_id is not None
    floor.open_leg(call, call.user_crt, LegKind.AGENT, agent.agent_id, LegPurpose.CALL, now)
    floor.open_leg(call, call.customer_crt, LegKind.CUSTOMER, call.phone, LegPurpose.CALL, now)
    floor.calls[call.call_id] = call
    floor.touch(call, out)
    agent.call_id = call.call_id
    floor.move(agent, AgentInput.DIAL, now, out)
    out.events.append(
        ev.CallDialing(
            call.call_id,
            agent.agent_id,
            call.call_type.value,
            call.phone,
            call.campaign_id,
            call.user_crt,
            call.customer_crt,
        )
    )
    out.events.append(screen_pop(floor, call))
    out.instructions.append(
        DialOut(call.call_id, call.user_crt, agent.extension.phone, call.customer_crt, c.phone)
    )


def customer_answered(floor: Floor, s: cmd.CustomerAnswered, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    call_sm.next_state(call.state, CallInput.ANSWER)
    agent = floor.agent_of(call)
    agent_sm.next_state(agent.state, AgentInput.ANSWER)
    call.state = CallState.CONNECTED
    call.answered_at = now
    # Third-party call control bridges the two legs only once both have answered.
    for leg in live_legs(call.legs, LegPurpose.CALL):
        if leg.state is LegState.RINGING:
            leg.answer(now)
    floor.touch(call, out)
    floor.move(agent, AgentInput.ANSWER, now, out)
    out.events.append(connected(floor, call))


def dial_failed(floor: Floor, s: cmd.DialFailed, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    if call.state is not CallState.DIALING:
        raise IllegalTransition(f"call '{call.call_id}' is {call.state.value}, not dialling")
    # A failed dial is the end of the call, with the failure as who ended it.
    call_ended(floor, cmd.CallEnded(s.call_id, s.reason), now, out)
