"""Inbound ACD: a call arrives, waits, is offered, answered — or missed and offered again.

A missed offer (no answer within the campaign's ring timeout, or the phone refused it) puts
the call back at the front of its queue; an agent who misses `max_misses` offers in a row is
put on break 'Unavailable' so calls stop ringing an empty desk.
"""

from __future__ import annotations

from agentbar.domain import agent as agent_sm
from agentbar.domain import call as call_sm
from agentbar.domain import commands as cmd
from agentbar.domain import events as ev
from agentbar.domain.agent import AgentInput
from agentbar.domain.call import Call, CallInput, CallState
from agentbar.domain.calls import connected, screen_pop
from agentbar.domain.errors import IllegalTransition
from agentbar.domain.floor import Floor, Outcome, ring_timer
from agentbar.domain.instructions import CancelOffer
from agentbar.domain.legs import LegKind, LegPurpose, LegState

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
    call_sm.next_state(call.state, CallInput.ANSWER)
    agent = floor.agent_of(call)
    agent_sm.next_state(agent.state, AgentInput.ANSWER)
    assert call.user_crt is not None
    assert call.agent_id is not None
    call.state = CallState.CONNECTED
    call.answered_at = now
    call.show_crm_request_id = floor.new_id("pop")
    agent_leg = call.leg(call.user_crt)
    if agent_leg is not None:
        agent_leg.answer(now)
    floor.touch(call, out)
    agent.missed = 0
    floor.move(agent, AgentInput.ANSWER, now, out)
    campaign = floor.campaigns[call.campaign_id]
    if campaign.ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.user_crt), out)
    out.events.append(connected(floor, call))
    out.events.append(screen_pop(floor, call))


def agent_did_not_answer(floor: Floor, s: cmd.AgentDidNotAnswer, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    floor.agent_of(call)
    if floor.campaigns[call.campaign_id].ring_timeout is not None:
        assert call.user_crt is not None
        floor.cancel_timer(ring_timer(call.call_id, call.user_crt), out)
    _offer_missed(floor, call, now, out, "refused")


def ring_timed_out(floor: Floor, offer: str, now: float, out: Outcome) -> None:
    call_id, _, user_crt = offer.partition("/")
    call = floor.calls.get(call_id)
    if call is None or call.state is not CallState.OFFERED or call.user_crt != user_crt:
        return  # answered, abandoned or re-offered meanwhile: the timer is stale
    assert call.user_crt is not None
    out.instructions.append(CancelOffer(call.call_id, call.user_crt))
    _offer_missed(floor, call, now, out, "no_answer")


def withdraw_offer(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    """The agent an offered call rings is leaving (forced logout): stop the ringing and put the
    call back at the front of its queue, as a missed offer does — but no miss is counted, and
    the caller routes the campaign once the agent is gone, so the call cannot ring it again."""
    agent = floor.agent_of(call)
    assert call.user_crt is not None
    call.state = call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    out.instructions.append(CancelOffer(call.call_id, call.user_crt))
    if floor.campaigns[call.campaign_id].ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.user_crt), out)
    floor.end_leg(call, call.user_crt, now, "withdrawn")
    call.agent_id = None
    call.user_crt = None
    floor.touch(call, out)
    floor.waiting[call.campaign_id].push_front(call.call_id)
    agent.call_id = None


def _offer_missed(floor: Floor, call: Call, now: float, out: Outcome, reason: str) -> None:
    agent = floor.agent_of(call)
    campaign = floor.campaigns[call.campaign_id]
    floor.end_leg(call, call.user_crt, now, reason)
    call.state = CallState.QUEUED
    call.agent_id = None
    call.user_crt = None
    floor.touch(call, out)
    floor.waiting[call.campaign_id].push_front(call.call_id)
    agent.call_id = None
    agent.missed += 1
    if campaign.max_misses is not None and agent.missed >= campaign.max_misses:
        floor.move(agent, AgentInput.OFFER_WITHDRAWN, now, out)
        agent.break_reason = floor.break_reason_names.get(UNAVAILABLE.casefold(), UNAVAILABLE)
        floor.move(agent, AgentInput.BREAK, now, out, reason=agent.break_reason)
        floor.route(call.campaign_id, now, out)
    else:
        floor.become_idle(agent, AgentInput.OFFER_WITHDRAWN, now, out)
        # A call transferred to this agent may belong to another campaign than the one
        # the agent idles in: its own queue's agents get the next offer.
        if agent.campaign_id != call.campaign_id:
            floor.route(call.campaign_id, now, out)
