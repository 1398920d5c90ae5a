"""Wrap-up: a call that reached an agent ends with a disposition — the agent's, or on timeout
the campaign's default. Either releases the agent to READY."""

from __future__ import annotations

from agentbar.domain import call as call_sm
from agentbar.domain import commands as cmd
from agentbar.domain import events as ev
from agentbar.domain.agent import AgentInput, AgentState
from agentbar.domain.call import Call, CallInput, CallState
from agentbar.domain.errors import NoCurrentCall
from agentbar.domain.floor import Floor, Outcome, wrap_up_timer


def dispose(floor: Floor, c: cmd.Dispose, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.state is not AgentState.WRAP_UP or agent.call_id is None:
        raise NoCurrentCall("no current call to dispose (crtObjectId is null)")
    call = floor.calls[agent.call_id]
    if c.crt_object_id and c.crt_object_id not in {call.call_id, call.user_crt, call.customer_crt}:
        raise NoCurrentCall(f"crtObjectId '{c.crt_object_id}' is not the current call")
    klass, code = floor.campaigns[call.campaign_id].plan.resolve(c.code)
    _close(floor, call, klass, code, c.note, "agent", now, out)


def wrap_up_timed_out(floor: Floor, call_id: str, now: float, out: Outcome) -> None:
    call = floor.calls.get(call_id)
    if call is None or call.state is not CallState.WRAP_UP:
        return  # disposed meanwhile: the timer is stale
    klass, code = floor.campaigns[call.campaign_id].timeout_disposition()
    _close(floor, call, klass, code, None, "timeout", now, out)


def _close(
    floor: Floor,
    call: Call,
    klass: str,
    code: str,
    note: str | None,
    disposed_by: str,
    now: float,
    out: Outcome,
) -> None:
    agent = floor.agent_of(call)
    call_sm.next_state(call.state, CallInput.DISPOSE)
    call.state = CallState.DISPOSED
    call.disposed_at = now
    call.disposition_class = klass
    call.disposition_code = code
    call.disposition_note = note
    floor.touch(call, out)
    if disposed_by == "agent" and floor.campaigns[call.campaign_id].wrap_up_timeout is not None:
        floor.cancel_timer(wrap_up_timer(call.call_id), out)
    agent.call_id = None
    out.events.append(ev.CallDisposed(call.call_id, agent.agent_id, klass, code, note, disposed_by))
    release, agent.after_call = agent.after_call, AgentInput.DISPOSE
    if release is AgentInput.DISPOSE:
        floor.become_idle(agent, release, now, out)
    else:
        floor.move(agent, release, now, out)
    del floor.calls[call.call_id]
    if any(leg.live for leg in call.legs):
        # Transferred to a phone or an IVR: the customer is still talking there.
        floor.handed_off[call.call_id] = call
