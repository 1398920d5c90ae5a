"""Wrap-up: a call that reached an agent ends with a disposition — the agent's, on timeout the
campaign's default, or the system's when the agent is forced out. The first two release the
agent to READY; the last leaves the agent to the forced logout."""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome, wrap_up_timer
from agentbar.domain.handlers import callbacks, lead_outcomes
from agentbar.domain.handlers.calls import end_by_system
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState
from agentbar.domain.model.errors import CallbackNotAllowed, IllegalTransition, NoCurrentCall


def dispose(floor: Floor, c: cmd.Dispose, now: float, out: Outcome) -> None:
    call = _in_wrap_up(floor, floor.agent(c.agent_id), c.call_ref)
    klass, code = floor.campaigns[call.campaign_id].plan.resolve(c.code)
    if c.callback is not None:
        callbacks.check_request(c.callback, now)
    _stop_wrap_up_timer(floor, call, out)
    _close(floor, call, klass, code, c.note, "agent", now, out)
    if c.callback is not None:
        callbacks.schedule(floor, c.callback, call.campaign_id, call.phone, c.agent_id, now, out)


def _in_wrap_up(floor: Floor, agent: Agent, call_ref: str | None) -> Call:
    """The agent's call waiting for its disposition (and named by `call_ref`, if given)."""
    if agent.state is not AgentState.WRAP_UP or agent.call_id is None:
        raise NoCurrentCall("no current call to dispose")
    call = floor.calls[agent.call_id]
    if call_ref and call_ref not in {call.call_id, call.user_crt, call.customer_crt}:
        raise NoCurrentCall(f"'{call_ref}' is not the current call")
    return call


CALLBACK = "callback"


def dispose_and_dial(floor: Floor, c: cmd.DisposeAndDial, now: float, out: Outcome) -> None:
    """The disposition ends wrap-up and the dial starts at once; nothing changes unless both
    can happen."""
    agent = floor.agent(c.agent_id)
    call = _in_wrap_up(floor, agent, None)
    campaign = floor.campaigns[call.campaign_id]
    klass, code = campaign.plan.resolve(c.code)
    if code.casefold() == CALLBACK and not campaign.callback_in_dispose_dial:
        raise CallbackNotAllowed(
            f"'{code}' cannot be used with dispose-and-dial in campaign '{campaign.name}'"
        )
    if c.dial.agent_id != agent.agent_id:
        raise IllegalTransition("an agent dials only for themselves")
    dial_campaign = floor.check_dial(agent, c.dial)
    _stop_wrap_up_timer(floor, call, out)
    _close(floor, call, klass, code, None, "agent", now, out, release=False)
    floor.start_dial(agent, dial_campaign, c.dial, now, out)


def wrap_up_timed_out(floor: Floor, call_id: str, now: float, out: Outcome) -> None:
    call = floor.calls.get(call_id)
    if call is None or call.state is not CallState.WRAP_UP:
        return  # disposed meanwhile: the timer is stale
    klass, code = floor.campaigns[call.campaign_id].timeout_disposition()
    _close(floor, call, klass, code, None, "timeout", now, out)


def close_by_system(floor: Floor, call: Call, now: float, out: Outcome) -> None:
    """Close the call of an agent being forced out: a live call is ended by the system first,
    then either is disposed as a wrap-up timeout would be, so every call that reached an agent
    still reaches a disposition. The agent is not released: the caller logs it out."""
    klass, code = floor.campaigns[call.campaign_id].timeout_disposition()
    if call.state is CallState.WRAP_UP:
        _stop_wrap_up_timer(floor, call, out)
    else:
        end_by_system(floor, call, now, out)  # no wrap-up timer was started for it
    _record(floor, call, klass, code, None, "system", now, out)


def _stop_wrap_up_timer(floor: Floor, call: Call, out: Outcome) -> None:
    """A call in wrap-up has a timer running exactly when its campaign configures one."""
    if floor.campaigns[call.campaign_id].wrap_up_timeout is not None:
        floor.cancel_timer(wrap_up_timer(call.call_id), out)


def _close(
    floor: Floor,
    call: Call,
    klass: str,
    code: str,
    note: str | None,
    disposed_by: str,
    now: float,
    out: Outcome,
    release: bool = True,
) -> None:
    agent = _record(floor, call, klass, code, note, disposed_by, now, out)
    if call.dialled_ahead() and call.ended_at is not None:
        floor.dialer(call.campaign_id).wrapped(now - call.ended_at)
    if not release:
        return  # the caller moves the agent on (dispose-and-dial)
    back_to, agent.after_call = agent.after_call, AgentInput.DISPOSE
    floor.become_idle(agent, back_to, now, out)


def _record(
    floor: Floor,
    call: Call,
    klass: str,
    code: str,
    note: str | None,
    disposed_by: str,
    now: float,
    out: Outcome,
) -> Agent:
    """The call is disposed and forgotten; its agent, returned, holds no call any more."""
    agent = floor.agent_of(call)
    call.state = call_sm.next_state(call.state, CallInput.DISPOSE)
    call.disposed_at = now
    call.disposition_class = klass
    call.disposition_code = code
    call.disposition_note = note
    floor.touch(call, out)
    agent.call_id = None
    out.events.append(ev.CallDisposed(call.call_id, agent.agent_id, klass, code, note, disposed_by))
    del floor.calls[call.call_id]
    reached = call.answered_at is not None
    outcome = code if reached else lead_outcomes.unanswered_outcome(call.ended_by)
    lead_outcomes.attempt_over(floor, call, outcome, now, out)
    if any(leg.live for leg in call.legs):
        # Transferred to a phone or an IVR: the customer is still talking there.
        floor.handed_off[call.call_id] = call
    return agent
