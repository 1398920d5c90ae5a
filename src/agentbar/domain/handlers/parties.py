"""One leg at a time: telephony says a consult, conference or transfer leg answered or ended;
the agent drops one.

A leg the contact center hangs up itself (dropped, a cancelled consult) is ended here at
once: telephony is told, and does not report it back. Reports about calls already forgotten,
or legs already ended, are ignored: the first report counted.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers.transfers import current_consult, end_consult, owned_call
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model import legs as leg_sm
from agentbar.domain.model.agent import AgentInput, AgentState
from agentbar.domain.model.errors import IllegalTransition, UnknownLeg
from agentbar.domain.model.handoffs import TransferState
from agentbar.domain.model.instructions import HangUpLeg
from agentbar.domain.model.legs import LegInput, LegKind, LegPurpose


def leg_answered(floor: Floor, s: cmd.LegAnswered, now: float, out: Outcome) -> None:
    call = floor.any_call(s.call_id)
    if call is None:
        return
    leg = call.leg(s.leg_id)
    if leg is None:
        raise UnknownLeg(f"call '{call.call_id}' has no leg '{s.leg_id}'")
    leg_sm.next_state(leg.state, LegInput.ANSWER)
    joining = floor.agents.get(leg.party) if leg.kind is LegKind.USER else None
    if joining is not None and (
        joining.state is not AgentState.INVITED or joining.call_id != call.call_id
    ):
        raise IllegalTransition(f"agent '{leg.party}' is not invited to call '{call.call_id}'")
    leg.answer(now)
    floor.touch(call, out)
    if call.agent_id is not None and call.call_id in floor.calls:
        out.events.append(
            ev.LegConnected(
                call.call_id,
                call.agent_id,
                leg.leg_id,
                leg.kind.value,
                leg.party,
                leg.purpose.value,
            )
        )
    if joining is not None:
        assert call.agent_id is not None
        floor.move(joining, AgentInput.ANSWER, now, out)
        out.events.append(
            ev.ConferenceJoined(
                call.call_id,
                joining.agent_id,
                call.agent_id,
                leg.leg_id,
                call.phone,
                call.campaign_id,
            )
        )


def leg_ended(floor: Floor, s: cmd.LegEnded, now: float, out: Outcome) -> None:
    call = floor.any_call(s.call_id)
    if call is None:
        return
    leg = call.leg(s.leg_id)
    if leg is None:
        raise UnknownLeg(f"call '{call.call_id}' has no leg '{s.leg_id}'")
    if not leg.live:
        return
    consult = current_consult(call)
    if consult is not None and consult[1] is leg:
        end_consult(floor, call, consult[0], leg, TransferState.FAILED, s.reason, now, out)
    else:
        floor.leg_gone(call, leg, now, s.reason, out)


def digits_collected(floor: Floor, s: cmd.DigitsCollected, now: float, out: Outcome) -> None:
    """Telephony heard a caller's keys in an IVR: reported, once per collection. Reports for a
    call or leg that is gone, or a leg that is not an IVR, are ignored: nothing to tell."""
    call = floor.any_call(s.call_id)
    leg = call.leg(s.leg_id) if call is not None else None
    if call is None or leg is None or leg.kind is not LegKind.IVR or not leg.live:
        return
    agent = call.agent_id if leg.purpose is LegPurpose.CONFERENCE else None
    out.events.append(ev.IvrDigits(call.call_id, agent, leg.leg_id, leg.party, s.digits, s.ended))


def drop_leg(floor: Floor, c: cmd.DropLeg, now: float, out: Outcome) -> None:
    _, call = owned_call(floor, c.agent_id)
    leg = call.leg(c.leg_id)
    if leg is None or not leg.live:
        raise UnknownLeg(f"no live leg '{c.leg_id}' on this call")
    if leg.purpose is LegPurpose.CALL:
        raise IllegalTransition("the customer's and the agent's own legs end with a hangup")
    consult = current_consult(call)
    if consult is not None and consult[1] is leg:
        end_consult(floor, call, consult[0], leg, TransferState.CANCELLED, "dropped", now, out)
    else:
        floor.leg_gone(call, leg, now, "dropped", out)
    out.instructions.insert(0, HangUpLeg(call.call_id, leg.leg_id))
