"""After a restart: what the floor cannot simply pick up where it stopped.

Everything stored is the floor as it was — agents, calls, queues, timers. Two things were only
ever held by the process that died: a phone ringing for an offer (the telephone network gave up
on that attempt with it) and a lead on an agent's screen. So every offer still ringing is
withdrawn, with no miss counted against its agents, who keep their place among the idle, and its
call goes back to the front of its queue; every lead shown goes back to its list. Routing then
offers and shows them again — once, and most likely to the same agents.
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome, ring_timer
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.instructions import CancelOffer

RESTARTED = "server restarted"


def recover(floor: Floor, c: cmd.RecoverFloor, now: float, out: Outcome) -> None:
    to_route: set[str] = set()
    offered = [call for call in floor.calls.values() if call.state is CallState.OFFERED]
    # Newest first, each to the front: the oldest ends up first, as they arrived.
    for call in sorted(offered, key=lambda call: call.queued_at, reverse=True):
        _withdraw(floor, call, now, out)
        to_route.add(call.campaign_id)
    for agent in list(floor.agents.values()):
        if agent.lead_id is None:
            continue
        out.events.append(ev.LeadReleased(agent.agent_id, agent.lead_id, skipped=False))
        agent.lead_id = None  # the lead itself is back in its list (restored from storage)
        if agent.state is AgentState.READY and agent.campaign_id in floor.campaigns:
            floor.add_idle(agent)
            to_route.add(agent.campaign_id)
    for campaign_id in sorted(to_route):
        floor.route(campaign_id, now, out)


def _withdraw(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    ringing = dict(call.ringing)
    if not ringing and call.agent_id is not None and call.user_crt is not None:
        ringing = {call.agent_id: call.user_crt}
    if floor.campaigns[call.campaign_id].ring_timeout is not None:
        floor.cancel_timer(ring_timer(call.call_id, call.offer_token or ""), out)
    for agent_id, user_crt in ringing.items():
        out.instructions.append(CancelOffer(call.call_id, user_crt))
        floor.end_leg(call, user_crt, now, RESTARTED)
        agent = floor.agents.get(agent_id)
        if agent is None or agent.call_id != call.call_id:
            continue
        agent.call_id = None
        floor.move(agent, AgentInput.OFFER_WITHDRAWN, now, out)
        if agent.campaign_id in floor.campaigns:
            floor.add_idle(agent)  # idle since before the offer: first in line again
    call.state = call_sm.next_state(call.state, CallInput.OFFER_FAILED)
    call.agent_id = None
    call.user_crt = None
    call.ringing = {}
    floor.touch(call, out)
    floor.waiting[call.campaign_id].push_front(call.call_id)
