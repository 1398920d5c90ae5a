"""Predictive calls: placed ahead of agents (`Floor.pace`), answered by a person or not, then
connected to a free auto-call agent within 2 seconds — or abandoned with the campaign's
message. Every ending feeds the campaign's figures and, for a person, its abandon window
(docs/dialer.md)."""

from __future__ import annotations

from agentbar.domain.dialer.campaign_dialer import CONNECT_WITHIN_SECONDS
from agentbar.domain.dialer.campaign_figures import DialOutcome
from agentbar.domain.floor import Floor, Outcome, abandon_timer, no_answer_timer
from agentbar.domain.handlers import lead_outcomes
from agentbar.domain.handlers.inbound import withdraw_offer
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentInput
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.instructions import EndCall, PlayAbandonMessage
from agentbar.domain.model.legs import live_legs

NOT_REACHED = {o.value: o for o in DialOutcome if o is not DialOutcome.HUMAN}


def person_answered(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    """A person answered: the call waits for a free auto-call agent, for 2 seconds at most."""
    call.state = call_sm.next_state(call.state, CallInput.ANSWER)
    customer = call.leg(call.customer_crt)
    if customer is not None:
        customer.answer(now)
    floor.touch(call, out)
    floor.cancel_timer(no_answer_timer(call.call_id), out)
    floor.waiting[call.campaign_id].push(call.call_id)
    out.events.append(ev.CallQueued(call.call_id, call.campaign_id, call.phone))
    floor.start_timer(abandon_timer(call.call_id), CONNECT_WITHIN_SECONDS, out)
    floor.route(call.campaign_id, now, out)


def not_reached(floor: Floor, call: Call, reason: str, now: float, out: Outcome) -> None:
    """The dial ended with no person (busy, no answer, machine, failed): the call is over."""
    outcome = NOT_REACHED.get(reason, DialOutcome.FAILED)
    call.state = call_sm.next_state(call.state, CallInput.HANGUP)
    call.ended_at, call.ended_by = now, outcome.value
    for leg in list(live_legs(call.legs)):
        leg.end(now, outcome.value)
    floor.touch(call, out)
    del floor.calls[call.call_id]
    if outcome is not DialOutcome.NO_ANSWER:
        floor.cancel_timer(no_answer_timer(call.call_id), out)
    answered = outcome is DialOutcome.MACHINE
    floor.dialer(call.campaign_id).not_reached(outcome, now - call.queued_at if answered else None)
    out.events.append(ev.CustomerNotReached(call.call_id, call.campaign_id, outcome.value))
    lead_outcomes.attempt_over(floor, call, outcome.value, now, out)
    floor.route(call.campaign_id, now, out)


def no_answer(floor: Floor, call_id: str, now: float, out: Outcome) -> None:
    """The minimum ring time passed with nobody answering: give the dial up."""
    call = floor.calls.get(call_id)
    if call is None or call.state is not CallState.RINGING:
        return  # answered or ended meanwhile: the timer is stale
    out.instructions.append(EndCall(call.call_id))
    not_reached(floor, call, DialOutcome.NO_ANSWER.value, now, out)


def no_agent_in_time(floor: Floor, call_id: str, now: float, out: Outcome) -> None:
    """2 seconds after the person answered no agent is on the call: abandon it, and the
    customer hears the campaign's message."""
    call = floor.calls.get(call_id)
    if call is None or call.state not in (CallState.QUEUED, CallState.OFFERED):
        return  # an agent answered, or the customer hung up, meanwhile
    rung = None
    if call.state is CallState.OFFERED:
        rung = floor.agent_of(call)
        withdraw_offer(floor, call, rung, now, out)
    message = floor.campaigns[call.campaign_id].abandon_message or ""
    out.instructions.append(PlayAbandonMessage(call.call_id, message))
    abandon(floor, call, "no_agent", "dialer", now, out)
    if rung is not None:
        floor.become_idle(rung, AgentInput.OFFER_WITHDRAWN, now, out)
    else:
        floor.route(call.campaign_id, now, out)


def hung_up_waiting(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    """The person hung up before an agent reached them: abandoned all the same (the caller
    ends the call and frees an agent it rang)."""
    floor.cancel_timer(abandon_timer(call.call_id), out)
    _count_abandoned(floor, call, "hung_up", now, out)


def abandon(floor: Floor, call: Call, reason: str, ended_by: str, now: float, out: Outcome) -> None:
    floor.waiting[call.campaign_id].discard(call.call_id)
    call.state = call_sm.next_state(call.state, CallInput.HANGUP)
    call.ended_at, call.ended_by = now, ended_by
    for leg in list(live_legs(call.legs)):
        leg.end(now, ended_by)
    floor.touch(call, out)
    del floor.calls[call.call_id]
    out.events.append(ev.CallAbandoned(call.call_id, call.campaign_id))
    _count_abandoned(floor, call, reason, now, out)


def _count_abandoned(floor: Floor, call: Call, reason: str, now: float, out: Outcome) -> None:
    lead_outcomes.attempt_over(floor, call, "abandoned", now, out)
    floor.dialer(call.campaign_id).abandoned(call.queued_at, call.ring_seconds())
    played = reason == "no_agent"
    out.events.append(
        ev.DialerAbandoned(call.call_id, call.campaign_id, call.phone, reason, played)
    )
