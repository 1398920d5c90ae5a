"""Inbound ACD: a call arrives, waits, is offered, answered — or missed and offered again.

A missed offer (no answer within the campaign's ring timeout, or the phone refused it) puts
the call back at the front of its queue; an agent who misses `max_misses` offers in a row is
put on break 'Unavailable' so calls stop ringing an empty desk.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome, abandon_timer, ring_timer
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.call_events import connected, screen_pop
from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.instructions import CancelOffer
from agentbar.domain.model.legs import LegKind, LegPurpose, LegState

CONNECTED = LegState.CONNECTED

UNAVAILABLE = "Unavailable"


def call_arrived(floor: Floor, s: cmd.CallArrived, now: float, out: Outcome) -> None:
    campaign = floor.campaign(s.campaign_id)
    if s.call_id in floor.calls:
        raise IllegalTransition(f"call '{s.call_id}' already exists")
    call = Call(
        call_id=s.call_id,
        call_type=s.call_type,
        campaign_id=campaign.campaign_id,
        phone=s.phone,
        customer_crt=s.customer_crt,
        queued_at=now,
    )
    # The customer is on the line with the network (hearing the queue) from the start.
    customer = LegKind.CUSTOMER
    floor.open_leg(call, call.customer_crt, customer, call.phone, LegPurpose.CALL, now, CONNECTED)
    floor.calls[call.call_id] = call
    floor.touch(call, out)
    floor.waiting[campaign.campaign_id].push(call.call_id)
    out.events.append(ev.CallQueued(call.call_id, campaign.campaign_id, call.phone))
    floor.route(campaign.campaign_id, now, out)


def agent_answered(floor: Floor, s: cmd.AgentAnswered, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    answered = call_sm.next_state(call.state, CallInput.ANSWER)
    winner = floor.agents[ringing_agent(call, s.user_crt)]
    first_reach = call.awaits_first_agent()
    agent_sm.next_state(winner.state, AgentInput.ANSWER)
    others = [(a, crt) for a, crt in call.ringing.items() if a != winner.agent_id]
    call.agent_id = winner.agent_id
    call.user_crt = call.ringing.get(winner.agent_id, call.user_crt)
    call.ringing = {}
    assert call.user_crt is not None
    call.state = answered
    call.answered_at = now
    call.screen_pop_id = floor.new_id("pop")
    agent_leg = call.leg(call.user_crt)
    if agent_leg is not None:
        agent_leg.answer(now)
    floor.touch(call, out)
    winner.missed = 0
    floor.move(winner, AgentInput.ANSWER, now, out)
    campaign = floor.campaigns[call.campaign_id]
    if first_reach:
        # In time (the 2-second timer had not fired): the window counts it connected.
        floor.cancel_timer(abandon_timer(call.call_id), out)
        floor.dialer(call.campaign_id).connected(call.queued_at, call.ring_seconds())
    if campaign.ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.offer_token or ""), out)
    out.events.append(connected(call, campaign))
    out.events.append(screen_pop(call, campaign))
    # Ring-all: the other phones stop ringing and their agents are free again.
    for agent_id, user_crt in others:
        out.instructions.append(CancelOffer(call.call_id, user_crt))
        floor.end_leg(call, user_crt, now, "answered elsewhere")
        loser = floor.agents[agent_id]
        loser.call_id = None
        floor.become_idle(loser, AgentInput.OFFER_WITHDRAWN, now, out)


def ringing_agent(call: Call, user_crt: str | None) -> str:
    """Whose offer of the call `user_crt` is (None: the call's current one); a report about
    an offer no longer ringing is refused, so a late answer never takes a re-offered call."""
    if user_crt is None or user_crt == call.user_crt:
        if call.agent_id is None:
            raise IllegalTransition(f"call '{call.call_id}' has no agent")
        return call.agent_id
    for agent_id, ringing_crt in call.ringing.items():
        if ringing_crt == user_crt:
            return agent_id
    raise IllegalTransition(f"offer '{user_crt}' of call '{call.call_id}' no longer rings")


def agent_did_not_answer(floor: Floor, s: cmd.AgentDidNotAnswer, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    agent_id = ringing_agent(call, s.user_crt)
    if len(call.ringing) > 1:
        _drop_ringer(floor, call, agent_id, now, out, "refused", cancel=False)
        _release(floor, floor.agents[agent_id], call, missed=True, now=now, out=out)
        return
    if floor.campaigns[call.campaign_id].ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.offer_token or ""), out)
    _offer_missed(floor, call, now, out, "refused")


def ring_timed_out(floor: Floor, offer: str, now: float, out: Outcome) -> None:
    call_id, _, token = offer.partition("/")
    call = floor.calls.get(call_id)
    if call is None or call.state is not CallState.OFFERED or call.offer_token != token:
        return  # answered, abandoned or re-offered meanwhile: the timer is stale
    # Nobody answered: with ring-all every phone stops ringing and each agent missed it.
    for agent_id in [a for a in call.ringing if a != call.agent_id]:
        _drop_ringer(floor, call, agent_id, now, out, "no_answer", cancel=True)
        _release(floor, floor.agents[agent_id], call, missed=True, now=now, out=out)
    assert call.user_crt is not None
    out.instructions.append(CancelOffer(call.call_id, call.user_crt))
    _offer_missed(floor, call, now, out, "no_answer")


def withdraw_offer(floor: Floor, call: Call, agent: Agent, now: float, out: Outcome) -> None:
    """The agent an offered call rings is leaving (forced logout): stop the ringing. With
    ring-all the other phones ring on; otherwise the call goes back to the front of its queue,
    as a missed offer does — but no miss is counted, and the caller routes the campaign once
    the agent is gone, so the call cannot ring it again."""
    if len(call.ringing) > 1:
        _drop_ringer(floor, call, agent.agent_id, now, out, "withdrawn", cancel=True)
        agent.call_id = None
        return
    assert call.user_crt is not None
    call.state = call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    out.instructions.append(CancelOffer(call.call_id, call.user_crt))
    if floor.campaigns[call.campaign_id].ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.offer_token or ""), out)
    floor.end_leg(call, call.user_crt, now, "withdrawn")
    call.agent_id = None
    call.user_crt = None
    call.ringing = {}
    floor.touch(call, out)
    floor.waiting[call.campaign_id].push_front(call.call_id)
    agent.call_id = None


def _drop_ringer(
    floor: Floor, call: Call, agent_id: str, now: float, out: Outcome, reason: str, cancel: bool
) -> None:
    """One phone of a ring-all offer stops ringing; another ringing agent stands for the
    offer if this one did."""
    user_crt = call.ringing.pop(agent_id)
    if cancel:
        out.instructions.append(CancelOffer(call.call_id, user_crt))
    floor.end_leg(call, user_crt, now, reason)
    if call.agent_id == agent_id:
        call.agent_id, call.user_crt = next(iter(call.ringing.items()))
    if len(call.ringing) == 1:
        call.ringing = {}  # one phone left: an ordinary offer from here on
    floor.touch(call, out)


def _offer_missed(floor: Floor, call: Call, now: float, out: Outcome, reason: str) -> None:
    agent = floor.agent_of(call)
    floor.end_leg(call, call.user_crt, now, reason)
    call.state = call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    call.agent_id = None
    call.user_crt = None
    call.ringing = {}
    floor.touch(call, out)
    floor.waiting[call.campaign_id].push_front(call.call_id)
    _release(floor, agent, call, missed=True, now=now, out=out)
    # A call transferred to this agent may belong to another campaign than the one the agent
    # idles in (or the agent went on break): its own queue's agents get the next offer.
    if agent.campaign_id != call.campaign_id or agent.state is not AgentState.READY:
        floor.route(call.campaign_id, now, out)


def _release(
    floor: Floor, agent: Agent, call: Call, missed: bool, now: float, out: Outcome
) -> None:
    """An agent whose phone rang for the call is free again — or, having missed
    `max_misses` offers in a row, on break 'Unavailable' so calls stop ringing an empty desk."""
    agent.call_id = None
    campaign = floor.campaigns[call.campaign_id]
    if missed:
        agent.missed += 1
    if missed and campaign.max_misses is not None and agent.missed >= campaign.max_misses:
        floor.move(agent, AgentInput.OFFER_WITHDRAWN, now, out)
        agent.break_reason = floor.break_reason_names.get(UNAVAILABLE.casefold(), UNAVAILABLE)
        floor.move(agent, AgentInput.BREAK, now, out, reason=agent.break_reason)
    else:
        floor.become_idle(agent, AgentInput.OFFER_WITHDRAWN, now, out)
