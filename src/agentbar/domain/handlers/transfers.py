"""Transfers: the agent hands the current call on.

Rules kept here (every check runs before the first change):
- only the call's own agent, ON_CALL with the call CONNECTED, may transfer it; not while a
  consult holds the customer (complete or cancel it first) nor while conference parties are
  on the call (drop them first);
- blind transfers (phone, IVR) bridge the customer to a new leg and the agent's part ends
  at once: the call goes to WRAP_UP and waits for a disposition like any ended call;
- a consult (incall) holds the customer (CONSULTING) while the agent talks to the target on
  a new leg; completing it needs the target to have answered;
- queue, campaign and user transfers end the agent's part too, and the customer continues as
  a new call (its own id, user CRT and screen pop; `transferred_from` links the two), so the
  transferring agent disposes their part while another agent takes the rest.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers.calls import to_wrap_up
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.campaign import Campaign, CampaignKind
from agentbar.domain.model.errors import (
    ConferenceInProgress,
    ConsultInProgress,
    ConsultNotAnswered,
    NoConsult,
    NoCurrentCall,
    TargetUnavailable,
    UnknownTarget,
)
from agentbar.domain.model.handoffs import Transfer, TransferKind, TransferState
from agentbar.domain.model.instructions import (
    CompleteConsult,
    ConsultCall,
    HangUpLeg,
    Requeue,
    ResumeCall,
    TransferCall,
)
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState, live_legs

TRANSFERRED = "transfer"
"""How a call that was transferred says who ended the agent's part (`ended_by`)."""


def owned_call(floor: Floor, agent_id: str) -> tuple[Agent, Call]:
    """The agent and the call they are talking on, or NoCurrentCall."""
    agent = floor.agent(agent_id)
    if agent.state is not AgentState.ON_CALL or agent.call_id is None:
        raise NoCurrentCall("there is no connected call")
    return agent, floor.calls[agent.call_id]


def transfer(floor: Floor, c: cmd.Transfer, now: float, out: Outcome) -> None:
    agent, call = owned_call(floor, c.agent_id)
    if call.state is CallState.CONSULTING:
        raise ConsultInProgress("a consult is in progress: complete or cancel it first")
    call_sm.next_state(call.state, CallInput.TRANSFER)
    if any(live_legs(call.legs, LegPurpose.CONFERENCE)):
        raise ConferenceInProgress("conference parties are on the call: drop them first")
    target = c.target.strip()
    if not target:
        raise UnknownTarget(f"a transfer to {c.kind.value} needs a target")
    if c.kind is TransferKind.PHONE:
        _blind(floor, call, agent, c.kind, LegKind.PHONE, target, now, out)
    elif c.kind is TransferKind.IVR:
        _blind(floor, call, agent, c.kind, LegKind.IVR, ivr_named(floor, target), now, out)
    elif c.kind is TransferKind.INCALL:
        _consult(floor, call, agent, target, now, out)
    elif c.kind is TransferKind.USER:
        to = _ready_agent(floor, call, agent, target)
        own_campaign = floor.campaigns[call.campaign_id]
        _continue_as_new_call(floor, call, agent, c.kind, own_campaign, now, out, to)
    else:
        campaign = _campaign(floor, target, queue=c.kind is TransferKind.QUEUE)
        _continue_as_new_call(floor, call, agent, c.kind, campaign, now, out)


def complete_transfer(floor: Floor, c: cmd.CompleteTransfer, now: float, out: Outcome) -> None:
    agent, call = owned_call(floor, c.agent_id)
    consult, leg = _consult_of(call)
    if leg.state is not LegState.CONNECTED:
        raise ConsultNotAnswered("the consult target has not answered yet")
    consult.state = TransferState.COMPLETED
    consult.finished_at = now
    floor.end_leg(call, call.user_crt, now, "transferred")
    out.instructions.append(CompleteConsult(call.call_id, leg.leg_id))
    to_wrap_up(floor, call, agent, CallInput.TRANSFER, TRANSFERRED, now, out)
    _finished(call, agent, consult, out)


def cancel_transfer(floor: Floor, c: cmd.CancelTransfer, now: float, out: Outcome) -> None:
    _, call = owned_call(floor, c.agent_id)
    consult, leg = _consult_of(call)
    end_consult(floor, call, consult, leg, TransferState.CANCELLED, "cancelled", now, out)
    out.instructions.insert(0, HangUpLeg(call.call_id, leg.leg_id))


def end_consult(
    floor: Floor,
    call: Call,
    consult: Transfer,
    leg: Leg,
    outcome: TransferState,
    reason: str,
    now: float,
    out: Outcome,
) -> None:
    """The consult leg is gone before the transfer completed: back to the held customer."""
    agent = floor.agent_of(call)
    call.state = call_sm.next_state(call.state, CallInput.CONSULT_ENDED)
    call.end_hold(now)
    consult.state = outcome
    consult.finished_at = now
    floor.leg_gone(call, leg, now, reason, out)
    _finished(call, agent, consult, out)
    out.events.append(ev.CallResumed(call.call_id, agent.agent_id))
    out.instructions.append(ResumeCall(call.call_id))


def current_consult(call: Call) -> tuple[Transfer, Leg] | None:
    """The consult in progress on a CONSULTING call, with its leg."""
    if call.state is not CallState.CONSULTING:
        return None
    for transfer_ in reversed(call.transfers):
        if transfer_.kind is TransferKind.INCALL and transfer_.state is TransferState.REQUESTED:
            assert transfer_.leg_id is not None
            leg = call.leg(transfer_.leg_id)
            assert leg is not None
            return transfer_, leg
    return None


def _consult_of(call: Call) -> tuple[Transfer, Leg]:
    found = current_consult(call)
    if found is None:
        raise NoConsult("there is no consult to complete or cancel")
    return found


# -- resolving targets --------------------------------------------------------------------


def ivr_named(floor: Floor, name: str) -> str:
    found = floor.ivr_names.get(name.strip().casefold())
    if found is None:
        known = ", ".join(floor.ivr_names.values()) or "none"
        raise UnknownTarget(f"no IVR named '{name}' (known: {known})")
    return found


def _campaign(floor: Floor, target: str, queue: bool) -> Campaign:
    """A campaign by id or name; a queue transfer needs an inbound campaign's agent queue."""
    campaign = floor.campaigns.get(target) or floor.campaign_named(target)
    what = "agent queue" if queue else "campaign"
    if campaign is None:
        raise UnknownTarget(f"no {what} '{target}'")
    if queue and campaign.kind is not CampaignKind.INBOUND:
        kind = campaign.kind.value
        raise UnknownTarget(f"'{campaign.name}' is an {kind} campaign, not an {what}")
    return campaign


def _ready_agent(floor: Floor, call: Call, agent: Agent, target: str) -> Agent:
    to = floor.find_agent(target)
    if to is None:
        raise TargetUnavailable(f"agent '{target}' is not logged in")
    if to is agent:
        raise TargetUnavailable("cannot transfer a call to yourself")
    if to.state is not AgentState.READY or to.extension is None:
        raise TargetUnavailable(f"agent '{target}' is not ready (they are {to.state.value})")
    if call.campaign_id not in to.profile.campaign_ids:
        raise TargetUnavailable(
            f"agent '{target}' does not work campaign '{floor.campaigns[call.campaign_id].name}'"
        )
    agent_sm.next_state(to.state, agent_sm.AgentInput.OFFER)
    return to


# -- the moves ------------------------------------------------------------------------------


def _request(
    floor: Floor, call: Call, agent: Agent, kind: TransferKind, target: str, now: float
) -> Transfer:
    transfer_ = Transfer(floor.new_id("xfer"), kind, target, agent.agent_id, now)
    call.transfers.append(transfer_)
    return transfer_


def _announce(call: Call, agent: Agent, transfer_: Transfer, out: Outcome) -> None:
    assert call.user_crt is not None
    out.events.append(
        ev.TransferRequested(
            call_id=call.call_id,
            agent_id=agent.agent_id,
            transfer_id=transfer_.transfer_id,
            transfer_kind=transfer_.kind.value,
            target=transfer_.target,
            leg_id=transfer_.leg_id,
            new_call_id=transfer_.new_call_id,
            phone=call.phone,
            campaign_id=call.campaign_id,
            user_crt=call.user_crt,
            customer_crt=call.customer_crt,
        )
    )


def _finished(call: Call, agent: Agent, transfer_: Transfer, out: Outcome) -> None:
    out.events.append(
        ev.TransferFinished(
            call.call_id,
            agent.agent_id,
            transfer_.transfer_id,
            transfer_.kind.value,
            transfer_.state.value,
        )
    )


def _blind(
    floor: Floor,
    call: Call,
    agent: Agent,
    kind: TransferKind,
    leg_kind: LegKind,
    target: str,
    now: float,
    out: Outcome,
) -> None:
    transfer_ = _request(floor, call, agent, kind, target, now)
    transfer_.leg_id = floor.new_id("crt")
    floor.open_leg(call, transfer_.leg_id, leg_kind, target, LegPurpose.TRANSFER, now)
    floor.end_leg(call, call.user_crt, now, "transferred")
    _announce(call, agent, transfer_, out)
    out.instructions.append(TransferCall(call.call_id, transfer_.leg_id, leg_kind, target))
    to_wrap_up(floor, call, agent, CallInput.TRANSFER, TRANSFERRED, now, out)
    transfer_.state = TransferState.COMPLETED
    transfer_.finished_at = now
    _finished(call, agent, transfer_, out)


def _consult(floor: Floor, call: Call, agent: Agent, target: str, now: float, out: Outcome) -> None:
    consulting = call_sm.next_state(call.state, CallInput.CONSULT)
    transfer_ = _request(floor, call, agent, TransferKind.INCALL, target, now)
    transfer_.leg_id = floor.new_id("crt")
    floor.open_leg(call, transfer_.leg_id, LegKind.PHONE, target, LegPurpose.CONSULT, now)
    call.state = consulting
    call.put_on_hold(now)
    floor.touch(call, out)
    _announce(call, agent, transfer_, out)
    out.instructions.append(ConsultCall(call.call_id, transfer_.leg_id, target))


def _continue_as_new_call(
    floor: Floor,
    call: Call,
    agent: Agent,
    kind: TransferKind,
    campaign: Campaign,
    now: float,
    out: Outcome,
    to: Agent | None = None,
) -> None:
    """The customer leaves this agent and continues as a new call, queued in `campaign` or
    offered straight to agent `to`."""
    target = to.agent_id if to is not None else campaign.campaign_id
    transfer_ = _request(floor, call, agent, kind, target, now)
    transfer_.new_call_id = floor.new_id("call")
    after = Call(
        call_id=transfer_.new_call_id,
        call_type=call.call_type,
        campaign_id=campaign.campaign_id,
        phone=call.phone,
        customer_crt=call.customer_crt,
        queued_at=now,
        transferred_from=call.call_id,
        # Echoed in the next agent's screen pop, so their CRM shows where the call came from.
        crm_params={
            **call.crm_params,
            "transferredFrom": call.call_id,
            "transferredBy": agent.agent_id,
            "transferKind": kind.value,
        },
    )
    floor.open_leg(
        after,
        after.customer_crt,
        LegKind.CUSTOMER,
        after.phone,
        LegPurpose.CALL,
        now,
        LegState.CONNECTED,
    )
    floor.end_leg(call, call.user_crt, now, "transferred")
    floor.end_leg(call, call.customer_crt, now, "transferred")
    floor.calls[after.call_id] = after
    floor.touch(after, out)
    _announce(call, agent, transfer_, out)
    out.instructions.append(Requeue(call.call_id, after.call_id))
    to_wrap_up(floor, call, agent, CallInput.TRANSFER, TRANSFERRED, now, out)
    transfer_.state = TransferState.COMPLETED
    transfer_.finished_at = now
    _finished(call, agent, transfer_, out)
    if to is not None:
        floor.leave_idle(to)
        floor.offer(after, to, now, out)
    else:
        floor.waiting[campaign.campaign_id].push(after.call_id)
        out.events.append(ev.CallQueued(after.call_id, campaign.campaign_id, after.phone))
        floor.route(campaign.campaign_id, now, out)
