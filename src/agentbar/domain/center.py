"""The contact center as one deterministic state machine.

`Center.handle(command, now)` and `Center.signal(signal, now)` either raise a DomainError
having changed nothing, or apply the change and return an Outcome: the events that happened
and the telephony instructions to carry out. Every check runs before the first mutation.

Invariants kept: an agent is on at most one call (its own, or another's as a conference
party); a waiting call is offered to one agent at
a time and stays queued until answered or abandoned; a connected call ends in wrap-up and
only a disposition (the agent's, or the wrap-up timeout's) releases the agent; a forced
logout takes the agent's call back to the queue or closes it with a system disposition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.floor_state import IdSource
from agentbar.domain.handlers import (
    callbacks,
    calls,
    conferences,
    inbound,
    leads,
    outbound,
    parties,
    predictive,
    presence,
    recovery,
    transfers,
    wrapup,
)
from agentbar.domain.model import commands as cmd

__all__ = ["Center", "IdSource", "Outcome"]

Handler = Callable[[Floor, Any, float, Outcome], None]

_HANDLERS: dict[type[Any], Handler] = {
    cmd.LogIn: presence.log_in,
    cmd.LogOut: presence.log_out,
    cmd.ForceLogOut: presence.force_log_out,
    cmd.SelectExtension: presence.select_extension,
    cmd.SelectCampaign: presence.select_campaign,
    cmd.GoReady: presence.go_ready,
    cmd.TakeBreak: presence.take_break,
    cmd.SetAutoCall: presence.set_auto_call,
    cmd.HangUp: calls.hang_up,
    cmd.Dispose: wrapup.dispose,
    cmd.CallArrived: inbound.call_arrived,
    cmd.AgentAnswered: inbound.agent_answered,
    cmd.AgentDidNotAnswer: inbound.agent_did_not_answer,
    cmd.CallEnded: calls.call_ended,
    cmd.Dial: outbound.dial,
    cmd.DisposeAndDial: wrapup.dispose_and_dial,
    cmd.CustomerAnswered: outbound.customer_answered,
    cmd.DialFailed: outbound.dial_failed,
    cmd.RestoreCallbacks: callbacks.restore,
    cmd.RecoverFloor: recovery.recover,
    cmd.AddLeads: leads.add_leads,
    cmd.RemoveLeads: leads.remove_leads,
    cmd.DialLead: leads.dial_lead,
    cmd.SkipLead: leads.skip_lead,
    cmd.Hold: calls.hold,
    cmd.Resume: calls.resume,
    cmd.Transfer: transfers.transfer,
    cmd.CompleteTransfer: transfers.complete_transfer,
    cmd.CancelTransfer: transfers.cancel_transfer,
    cmd.Conference: conferences.conference,
    cmd.DropLeg: parties.drop_leg,
    cmd.LegAnswered: parties.leg_answered,
    cmd.LegEnded: parties.leg_ended,
    cmd.DigitsCollected: parties.digits_collected,
}

_TIMERS: dict[str, Callable[[Floor, str, float, Outcome], None]] = {
    "ring": inbound.ring_timed_out,
    "wrapup": wrapup.wrap_up_timed_out,
    "callback": callbacks.fall_due,
    "hours": leads.calling_hours_open,
    "noanswer": predictive.no_answer,
    "abandon": predictive.no_agent_in_time,
}


def _timer_fired(floor: Floor, s: cmd.TimerFired, now: float, out: Outcome) -> None:
    kind, _, subject = s.key.partition(":")
    fired = _TIMERS.get(kind)
    if fired is not None:
        fired(floor, subject, now, out)


_HANDLERS[cmd.TimerFired] = _timer_fired


class Center(Floor):
    def handle(self, command: cmd.Command, now: float) -> Outcome:
        return self._run(command, now)

    def signal(self, signal: cmd.Signal, now: float) -> Outcome:
        return self._run(signal, now)

    def _run(self, message: object, now: float) -> Outcome:
        outcome = Outcome()
        _HANDLERS[type(message)](self, message, now, outcome)
        outcome.floor = self.take_changes(outcome.calls, outcome.instructions, now)
        if isinstance(message, cmd.TimerFired):
            outcome.floor.timers.setdefault(message.key, None)  # it ran out, unless restarted
        return outcome
