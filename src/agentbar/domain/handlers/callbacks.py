"""Callbacks: a disposition can schedule a later call to the customer, for the same agent or
for anyone in the campaign. When it falls due it waits, ahead of inbound calls, for a ready
agent; that agent's phone then rings first and the customer's next, as a 'callback' call.

Scheduled callbacks are stored, and restored when the server starts, so a restart loses none.
Dialling a due callback happens as an agent becomes ready or a campaign is routed, so that move
is the floor's (`Floor.start_callback`).
"""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.callback_book import Callback, CallbackState, InvalidCallback
from agentbar.domain.model.instructions import StartTimer

MAX_CALLBACK_DELAY = 366 * 24 * 3600.0


def callback_timer(callback_id: str) -> str:
    return f"callback:{callback_id}"


def check_request(request: cmd.CallbackRequest, now: float) -> None:
    """Refuse a callback request before anything changes."""
    if request.at <= now:
        raise InvalidCallback("the callback time must be in the future")
    if request.at - now > MAX_CALLBACK_DELAY:
        raise InvalidCallback("the callback time must be within a year")


def schedule(
    floor: Floor,
    request: cmd.CallbackRequest,
    campaign_id: str,
    phone: str,
    scheduled_by: str,
    now: float,
    out: Outcome,
) -> Callback:
    callback = Callback(
        callback_id=floor.new_id("cb"),
        campaign_id=campaign_id,
        phone=request.phone or phone,
        due_at=request.at,
        scheduled_by=scheduled_by,
        for_agent=scheduled_by if request.self_callback else None,
        params=dict(request.params),
    )
    _track(floor, callback, now, out)
    out.events.append(
        ev.CallbackScheduled(
            callback_id=callback.callback_id,
            agent_id=scheduled_by,
            campaign_id=campaign_id,
            phone=callback.phone,
            due_at=callback.due_at,
            for_agent=callback.for_agent,
        )
    )
    return callback


def restore(floor: Floor, c: cmd.RestoreCallbacks, now: float, out: Outcome) -> None:
    """Bring back callbacks stored by an earlier run: each waits for its time again."""
    for callback in c.callbacks:
        if callback.callback_id not in floor.callbacks.all:
            _track(floor, callback, now, out)


def _track(floor: Floor, callback: Callback, now: float, out: Outcome) -> None:
    floor.callbacks.add(callback)
    out.callbacks[callback.callback_id] = callback
    out.instructions.append(
        StartTimer(callback_timer(callback.callback_id), max(callback.due_at - now, 0.0))
    )


def fall_due(floor: Floor, callback_id: str, now: float, out: Outcome) -> None:
    callback = floor.callbacks.all.get(callback_id)
    if callback is None or callback.state is not CallbackState.SCHEDULED:
        return
    floor.callbacks.fall_due(callback)
    out.callbacks[callback.callback_id] = callback
    out.events.append(
        ev.CallbackDue(callback.callback_id, callback.campaign_id, callback.for_agent)
    )
    if callback.for_agent is None:
        floor.route(callback.campaign_id, now, out)
        return
    # A self callback waits for its agent to be free (find_work takes it then); an agent
    # who is only looking at a preview lead puts the lead back and makes the callback.
    agent = floor.agents.get(callback.for_agent)
    if agent is None or agent.state is not AgentState.READY:
        return
    if agent.lead_id is not None:
        floor.release_lead(agent, now, out, skipped=False)
    floor.leave_idle(agent)
    floor.find_work(agent, now, out)
