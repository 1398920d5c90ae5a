"""Outbound calls placed by an agent: manual dial and click-to-dial.

The agent's phone rings first, then the customer's (third-party call control); the screen pop
comes as the call starts, so the agent sees the record while it rings. A call that never
connects (busy, no answer) still goes to wrap-up: the agent disposes it like any other.
Starting a dial is the floor's move (`Floor.check_dial`, `Floor.start_dial`): callbacks,
leads and dispose-and-dial start theirs the same way.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers import predictive
from agentbar.domain.handlers.calls import call_ended
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentInput, AgentState
from agentbar.domain.model.call import CallInput, CallState
from agentbar.domain.model.call_events import connected
from agentbar.domain.model.errors import IllegalTransition
from agentbar.domain.model.legs import LegPurpose, LegState, live_legs


def dial(floor: Floor, c: cmd.Dial, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state is AgentState.WRAP_UP:
        raise IllegalTransition("dispose the current call first (or use dispose-and-dial)")
    campaign = floor.check_dial(agent, c)
    floor.start_dial(agent, campaign, c, now, out)


def customer_answered(floor: Floor, s: cmd.CustomerAnswered, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    if call.state is CallState.RINGING:
        predictive.person_answered(floor, call, now, out)
        return
    if call.state is not CallState.DIALING:
        # Only a dial waits for its customer to answer (an offered call waits for its agent).
        raise IllegalTransition(f"call '{call.call_id}' is {call.state.value}, not dialling")
    answered = call_sm.next_state(call.state, CallInput.ANSWER)
    agent = floor.agent_of(call)
    agent_sm.next_state(agent.state, AgentInput.ANSWER)
    call.state = answered
    call.answered_at = now
    # Third-party call control bridges the two legs only once both have answered.
    for leg in live_legs(call.legs, LegPurpose.CALL):
        if leg.state is LegState.RINGING:
            leg.answer(now)
    floor.touch(call, out)
    floor.move(agent, AgentInput.ANSWER, now, out)
    out.events.append(connected(call, floor.campaigns[call.campaign_id]))


def dial_failed(floor: Floor, s: cmd.DialFailed, now: float, out: Outcome) -> None:
    call = floor.call(s.call_id)
    if call.state is CallState.RINGING:
        predictive.not_reached(floor, call, s.reason, now, out)
        return
    if call.state is not CallState.DIALING:
        raise IllegalTransition(f"call '{call.call_id}' is {call.state.value}, not dialling")
    # A failed dial is the end of the call, with the failure as who ended it.
    call_ended(floor, cmd.CallEnded(s.call_id, s.reason), now, out)
