"""A connected call's end: the agent hangs up (an instruction), telephony reports the end."""

from __future__ import annotations

from agentbar.domain import call as call_sm
from agentbar.domain import commands as cmd
from agentbar.domain import events as ev
from agentbar.domain.agent import AgentInput, AgentState
from agentbar.domain.call import CallInput, CallState
from agentbar.domain.errors import NoCurrentCall
from agentbar.domain.floor import Floor, Outcome, ring_timer, wrap_up_timer
from agentbar.domain.instructions import EndCall


def hang_up(floor: Floor, c: cmd.HangUp, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state is not AgentState.ON_CALL or agent.call_id is None:
        raise NoCurrentCall("there is no call to hang up")
    out.instructions.append(EndCall(agent.call_id))


def call_ended(floor: Floor, s: cmd.CallEnded, now: float, out: Outcome) -> None:
    call = floor.calls.get(s.call_id)
    if call is None or call.state is CallState.WRAP_UP:
        # Telephony may report an end twice, or after the call was abandoned or disposed
        # (and forgotten here); the first report counted.
        return
    new_state = call_sm.next_state(call.state, CallInput.HANGUP)
    campaign = floor.campaigns[call.campaign_id]
    agent = floor.agent_of(call) if new_state is CallState.WRAP_UP else None
    call.ended_at = now
    call.ended_by = s.ended_by
    floor.touch(call, out)
    if agent is None:
        floor.waiting[call.campaign_id].discard(call.call_id)
        offered_to = floor.agents.get(call.agent_id) if call.agent_id else None
        call.state = new_state
        del floor.calls[call.call_id]
        out.events.append(ev.CallAbandoned(call.call_id, call.campaign_id))
        if offered_to is not None:
            if campaign.ring_timeout is not None and call.user_crt is not None:
                floor.cancel_timer(ring_timer(call.call_id, call.user_crt), out)
            offered_to.call_id = None
            floor.become_idle(offered_to, AgentInput.OFFER_WITHDRAWN, now, out)
        return
    call.state = new_state
    floor.move(agent, AgentInput.CALL_ENDED, now, out)
    assert call.user_crt is not None
    out.events.append(
        ev.CallEnded(
            call_id=call.call_id,
            agent_id=agent.agent_id,
            ended_by=s.ended_by,
            phone=call.phone,
            campaign_id=call.campaign_id,
            user_crt=call.user_crt,
            customer_crt=call.customer_crt,
        )
    )
    floor.start_timer(wrap_up_timer(call.call_id), campaign.wrap_up_timeout, out)
