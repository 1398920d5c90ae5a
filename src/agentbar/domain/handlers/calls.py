"""A call with its agent: hold and resume, the agent's hangup (an instruction), the end that
telephony reports, and wrap-up once the agent's part is over."""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome, party_leg, ring_timer, wrap_up_timer
from agentbar.domain.handlers import predictive
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import PARTY_STATES, Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.errors import ConsultInProgress, IllegalTransition, NoCurrentCall
from agentbar.domain.model.handoffs import TransferState
from agentbar.domain.model.instructions import EndCall, HangUpLeg, HoldCall, ResumeCall
from agentbar.domain.model.legs import LegKind, live_legs


def hang_up(floor: Floor, c: cmd.HangUp, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state in PARTY_STATES and agent.call_id is not None:
        # A conferenced agent hanging up leaves the conference; the call goes on.
        call = floor.calls[agent.call_id]
        leg = party_leg(call, agent.agent_id)
        # Hung up before anything leaving frees (the agent's next offer) is carried out.
        out.instructions.append(HangUpLeg(call.call_id, leg.leg_id))
        floor.leg_gone(call, leg, now, "hung_up", out)
        return
    if agent.state not in (AgentState.ON_CALL, AgentState.DIALING) or agent.call_id is None:
        raise NoCurrentCall("there is no call to hang up")
    out.instructions.append(EndCall(agent.call_id))


def hold(floor: Floor, c: cmd.Hold, now: float, out: Outcome) -> None:
    call = _talking(floor, c.agent_id)
    if call.on_hold:
        raise IllegalTransition("the call is already on hold")
    call.put_on_hold(now)
    floor.touch(call, out)
    out.events.append(ev.CallHeld(call.call_id, c.agent_id))
    out.instructions.append(HoldCall(call.call_id))


def resume(floor: Floor, c: cmd.Resume, now: float, out: Outcome) -> None:
    call = _talking(floor, c.agent_id)
    if not call.on_hold:
        raise IllegalTransition("the call is not on hold")
    call.end_hold(now)
    floor.touch(call, out)
    out.events.append(ev.CallResumed(call.call_id, c.agent_id))
    out.instructions.append(ResumeCall(call.call_id))


def _talking(floor: Floor, agent_id: str) -> Call:
    agent = floor.agent(agent_id)
    if agent.state is not AgentState.ON_CALL or agent.call_id is None:
        raise NoCurrentCall("there is no connected call")
    call = floor.calls[agent.call_id]
    if call.state is CallState.CONSULTING:
        raise ConsultInProgress("the customer is held for a consult: complete or cancel it")
    return call


def call_ended(floor: Floor, s: cmd.CallEnded, now: float, out: Outcome) -> None:
    call = floor.calls.get(s.call_id)
    if call is None or call.state is CallState.WRAP_UP:
        # Telephony may report an end twice, or after the call was abandoned or disposed
        # (and forgotten here); the first report counted. After a transfer to a phone or an
        # IVR the customer's side ends later: only its legs are left to record.
        gone = call or floor.handed_off.pop(s.call_id, None)
        if gone is None:
            return
        if any(leg.live for leg in gone.legs):
            for leg in list(live_legs(gone.legs)):
                leg.end(now, s.ended_by)
            floor.touch(gone, out)
        # Telephony renames a line it requeues, so an end under the old name means the
        # customer hung up before the transfer reached it: the continuation is over too.
        for transfer in gone.transfers:
            if transfer.new_call_id is not None and transfer.new_call_id in floor.calls:
                call_ended(floor, cmd.CallEnded(transfer.new_call_id, s.ended_by), now, out)
        return
    if call.state is CallState.RINGING:
        predictive.not_reached(floor, call, s.ended_by, now, out)
        return
    new_state = call_sm.next_state(call.state, CallInput.HANGUP)
    campaign = floor.campaigns[call.campaign_id]
    agent = floor.agent_of(call) if new_state is CallState.WRAP_UP else None
    call.end_hold(now)
    call.ended_at = now
    call.ended_by = s.ended_by
    floor.touch(call, out)
    if agent is None:
        if call.awaits_first_agent():
            predictive.hung_up_waiting(floor, call, now, out)
        floor.waiting[call.campaign_id].discard(call.call_id)
        ringers = list(call.ringing) or ([call.agent_id] if call.agent_id else [])
        offered_to = [floor.agents[a] for a in ringers if a in floor.agents]
        call.state = new_state
        call.ringing = {}
        _end_every_leg(floor, call, now, s.ended_by, out)
        del floor.calls[call.call_id]
        out.events.append(ev.CallAbandoned(call.call_id, call.campaign_id))
        if offered_to and campaign.ring_timeout is not None:
            floor.cancel_timer(ring_timer(call.call_id, call.offer_token or ""), out)
        for agent_rung in offered_to:
            agent_rung.call_id = None
            floor.become_idle(agent_rung, AgentInput.OFFER_WITHDRAWN, now, out)
        return
    _end_every_leg(floor, call, now, s.ended_by, out)
    to_wrap_up(floor, call, agent, CallInput.HANGUP, s.ended_by, now, out)


def _end_every_leg(floor: Floor, call: Call, now: float, reason: str, out: Outcome) -> None:
    """Every leg ends with the call: a held consult fails, conferenced agents are freed."""
    for transfer in call.transfers:
        if transfer.state is TransferState.REQUESTED:
            transfer.state = TransferState.FAILED
            transfer.finished_at = now
            assert call.agent_id is not None
            out.events.append(
                ev.TransferFinished(
                    call.call_id, call.agent_id, transfer.transfer_id, transfer.kind.value, "failed"
                )
            )
    for leg in list(live_legs(call.legs)):
        if leg.kind in (LegKind.CUSTOMER, LegKind.AGENT):
            leg.end(now, reason)
        else:
            floor.leg_gone(call, leg, now, reason, out)


def to_wrap_up(
    floor: Floor,
    call: Call,
    agent: Agent,
    given: CallInput,
    ended_by: str,
    now: float,
    out: Outcome,
) -> None:
    """The agent's part of the call is over (it ended, or was transferred): wrap it up."""
    call.state = call_sm.next_state(call.state, given)
    call.end_hold(now)
    call.ended_at = now
    call.ended_by = ended_by
    floor.touch(call, out)
    floor.move(agent, AgentInput.CALL_ENDED, now, out)
    out.events.append(_ended(call))
    campaign = floor.campaigns[call.campaign_id]
    floor.start_timer(wrap_up_timer(call.call_id), campaign.wrap_up_timeout, out)
    if call.dialled_ahead() and call.answered_at is not None:
        # Talking became wrapping up: sooner free, so the pacer may place more now.
        floor.dialer(call.campaign_id).talked(now - call.answered_at)
        floor.pace(call.campaign_id, now, out)


def end_by_system(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    """End a live call because its agent is being forced out: telephony is told to hang up
    every leg, and the call is in wrap-up now rather than when telephony confirms (whose late
    report call_ended then ignores). No wrap-up timer: the caller disposes the call at once,
    and moves the agent itself."""
    call.state = call_sm.next_state(call.state, CallInput.HANGUP)
    call.end_hold(now)
    call.ended_at = now
    call.ended_by = "system"
    floor.touch(call, out)
    _end_every_leg(floor, call, now, "system", out)
    out.instructions.append(EndCall(call.call_id))
    out.events.append(_ended(call))


def _ended(call: Call) -> ev.CallEnded:
    assert call.agent_id is not None
    assert call.user_crt is not None
    assert call.ended_by is not None
    return ev.CallEnded(
        call_id=call.call_id,
        agent_id=call.agent_id,
        ended_by=call.ended_by,
        phone=call.phone,
        campaign_id=call.campaign_id,
        user_crt=call.user_crt,
        customer_crt=call.customer_crt,
    )
