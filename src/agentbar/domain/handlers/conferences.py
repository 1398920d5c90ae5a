"""Conferences: parties join the agent's call on legs of their own; the agent stays on it.

Rules kept here: only the call's own agent, with the call CONNECTED (no consult holding the
customer), adds parties. Another agent joins only from READY: they are INVITED while their
phone rings and CONFERENCING once it answers, their `call_id` naming this call — so an agent
is still on at most one call — and leave back to READY (no wrap-up: the call's own agent
disposes it) when their leg ends, is dropped, or the call ends.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers.transfers import ivr_named, owned_call
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallState
from agentbar.domain.model.errors import ConsultInProgress, TargetUnavailable, UnknownTarget
from agentbar.domain.model.handoffs import ConferenceKind
from agentbar.domain.model.instructions import AddLeg
from agentbar.domain.model.legs import LegKind, LegPurpose

LEG_KINDS = {
    ConferenceKind.PHONE: LegKind.PHONE,
    ConferenceKind.TPV: LegKind.TPV,
    ConferenceKind.USER: LegKind.USER,
    ConferenceKind.IVR: LegKind.IVR,
}


def conference(floor: Floor, c: cmd.Conference, now: float, out: Outcome) -> None:
    agent, call = owned_call(floor, c.agent_id)
    if call.state is CallState.CONSULTING:
        raise ConsultInProgress("a consult is in progress: complete or cancel it first")
    target = c.target.strip()
    if not target:
        raise UnknownTarget(f"a conference with {c.kind.value} needs a target")
    invited: Agent | None = None
    party = address = target
    if c.kind is ConferenceKind.IVR:
        party = address = ivr_named(floor, target)
    elif c.kind is ConferenceKind.USER:
        invited = _invitable(floor, call, agent, target)
        assert invited.extension is not None
        address = invited.extension.phone

    leg_id = floor.new_id("crt")
    floor.open_leg(call, leg_id, LEG_KINDS[c.kind], party, LegPurpose.CONFERENCE, now)
    if c.kind is ConferenceKind.TPV:
        call.tpv = True
    floor.touch(call, out)
    assert call.user_crt is not None
    out.events.append(
        ev.ConferenceRequested(
            call_id=call.call_id,
            agent_id=agent.agent_id,
            conference_kind=c.kind.value,
            target=party,
            leg_id=leg_id,
            phone=call.phone,
            campaign_id=call.campaign_id,
            user_crt=call.user_crt,
            customer_crt=call.customer_crt,
        )
    )
    if invited is not None:
        floor.leave_idle(invited)
        invited.call_id = call.call_id
        floor.move(invited, AgentInput.INVITE, now, out)
    out.instructions.append(AddLeg(call.call_id, leg_id, LEG_KINDS[c.kind], address))


def _invitable(floor: Floor, call: Call, agent: Agent, target: str) -> Agent:
    invited = floor.find_agent(target)
    if invited is None:
        raise TargetUnavailable(f"agent '{target}' is not logged in")
    if invited is agent:
        raise TargetUnavailable("cannot conference yourself in")
    if invited.state is not AgentState.READY or invited.extension is None:
        raise TargetUnavailable(f"agent '{target}' is not ready (they are {invited.state.value})")
    agent_sm.next_state(invited.state, AgentInput.INVITE)
    return invited
