"""What the outside asks of the contact center: agent commands and telephony signals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentbar.domain.model.agent import AgentProfile, Extension
from agentbar.domain.model.call import CallType
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.lead_book import Lead

# -- agent commands ---------------------------------------------------------------------


@dataclass(frozen=True)
class LogIn:
    profile: AgentProfile


@dataclass(frozen=True)
class LogOut:
    agent_id: str
    reason: str


@dataclass(frozen=True)
class ForceLogOut:
    """Log the agent out whatever it is doing (supervisor, idle timeout); never refused for a
    logged-in agent: its call is withdrawn, or ended and disposed by the system."""

    agent_id: str
    reason: str


@dataclass(frozen=True)
class SelectExtension:
    agent_id: str
    extension: Extension


@dataclass(frozen=True)
class SelectCampaign:
    agent_id: str
    campaign_id: str


@dataclass(frozen=True)
class GoReady:
    agent_id: str


@dataclass(frozen=True)
class TakeBreak:
    agent_id: str
    reason: str


@dataclass(frozen=True)
class SetAutoCall:
    """Let the outbound campaign's dialer place calls for the agent (on), or stop it (off)."""

    agent_id: str
    on: bool


@dataclass(frozen=True)
class HangUp:
    agent_id: str


@dataclass(frozen=True)
class CallbackRequest:
    """Call the customer back at `at` (epoch seconds): the same agent, or anyone in the
    campaign; `phone` defaults to the call's."""

    at: float
    self_callback: bool = False
    phone: str | None = None
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Dispose:
    agent_id: str
    code: str
    note: str | None = None
    call_ref: str | None = None
    callback: CallbackRequest | None = None


@dataclass(frozen=True)
class AddLeads:
    """New leads for outbound campaigns (or stored ones, restored at start)."""

    leads: tuple[Lead, ...]


@dataclass(frozen=True)
class RemoveLeads:
    """Take leads off a campaign's list before they are dialled: the ones named, or every
    waiting one when none is named. A lead being shown to an agent stays."""

    campaign_id: str
    lead_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DialLead:
    """Dial the lead a preview campaign is showing the agent."""

    agent_id: str
    call_id: str


@dataclass(frozen=True)
class SkipLead:
    agent_id: str


@dataclass(frozen=True)
class RecoverFloor:
    """The floor was just restored from storage by a new process: what only the old process
    could have carried on (a phone ringing for an offer, a lead on screen) is made again."""


@dataclass(frozen=True)
class RestoreCallbacks:
    """Callbacks stored by an earlier run, brought back at start."""

    callbacks: tuple[Callback, ...]


@dataclass(frozen=True)
class Dial:
    """The agent calls `phone` (already E.164) in a campaign: manual or click-to-dial."""

    agent_id: str
    phone: str
    call_id: str
    call_type: CallType
    campaign_id: str | None = None
    crm_params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class DisposeAndDial:
    """Dispose the call in wrap-up, then dial `dial.phone` at once (disposeNDial)."""

    agent_id: str
    code: str
    dial: Dial


@dataclass(frozen=True)
class Hold:
    agent_id: str


@dataclass(frozen=True)
class Resume:
    agent_id: str


@dataclass(frozen=True)
class Transfer:
    """Hand the agent's current call on. `target` is an E.164 number (phone, incall), an IVR's
    name, a campaign's id or name (queue, campaign) or an agent id (user)."""

    agent_id: str
    kind: TransferKind
    target: str


@dataclass(frozen=True)
class CompleteTransfer:
    """Bridge the held customer to the answered consult target; the agent leaves."""

    agent_id: str


@dataclass(frozen=True)
class CancelTransfer:
    """Drop the consult leg and return to the held customer."""

    agent_id: str


@dataclass(frozen=True)
class Conference:
    """Add a party to the agent's current call; the agent stays on it."""

    agent_id: str
    kind: ConferenceKind
    target: str


@dataclass(frozen=True)
class DropLeg:
    """Hang up one conference or consult leg of the agent's current call."""

    agent_id: str
    leg_id: str


Command = (
    LogIn
    | LogOut
    | ForceLogOut
    | SelectExtension
    | SelectCampaign
    | GoReady
    | TakeBreak
    | HangUp
    | Dispose
    | Dial
    | DisposeAndDial
    | Hold
    | Resume
    | RestoreCallbacks
    | RecoverFloor
    | AddLeads
    | RemoveLeads
    | DialLead
    | SkipLead
    | SetAutoCall
    | Transfer
    | CompleteTransfer
    | CancelTransfer
    | Conference
    | DropLeg
)

# -- telephony signals ------------------------------------------------------------------


@dataclass(frozen=True)
class CallArrived:
    """A customer's call entered a campaign (inbound ACD)."""

    call_id: str
    call_type: CallType
    campaign_id: str
    phone: str
    customer_crt: str


@dataclass(frozen=True)
class AgentAnswered:
    call_id: str
    user_crt: str | None = None
    """The offer answered (its leg's CRT id); None means the call's current offer."""


@dataclass(frozen=True)
class AgentDidNotAnswer:
    call_id: str
    user_crt: str | None = None


@dataclass(frozen=True)
class CallEnded:
    """Every leg of the call is gone; `ended_by` is 'customer', 'agent' or 'system'."""

    call_id: str
    ended_by: str


@dataclass(frozen=True)
class CustomerAnswered:
    """The customer picked up an outbound call; agent and customer are bridged."""

    call_id: str


@dataclass(frozen=True)
class DialFailed:
    """An outbound call never connected: 'busy', 'no_answer', 'agent_busy', 'agent_no_answer'."""

    call_id: str
    reason: str


@dataclass(frozen=True)
class LegAnswered:
    """A consult, conference or transfer target picked up its leg."""

    call_id: str
    leg_id: str


@dataclass(frozen=True)
class LegEnded:
    """One leg is gone, the rest of the call goes on: 'busy', 'no_answer' (it never
    answered), 'hung_up' (the party left), 'dropped' (the agent dropped it)."""

    call_id: str
    leg_id: str
    reason: str


@dataclass(frozen=True)
class DigitsCollected:
    """An IVR leg that asks for digits (its DigitCollection) heard the caller's keys, and the
    collection is over: `ended` is 'max_digits', 'terminator' or 'timeout'."""

    call_id: str
    leg_id: str
    digits: str
    ended: str


@dataclass(frozen=True)
class TimerFired:
    """A timer the center started (StartTimer) ran out; `key` names what it was for."""

    key: str


Signal = (
    CallArrived
    | AgentAnswered
    | AgentDidNotAnswer
    | CallEnded
    | CustomerAnswered
    | DialFailed
    | LegAnswered
    | LegEnded
    | DigitsCollected
    | TimerFired
)
