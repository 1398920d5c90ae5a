"""What the outside asks of the contact center: agent commands and telephony signals."""

from __future__ import annotations

from dataclasses import dataclass

from agentbar.domain.agent import AgentProfile, Extension
from agentbar.domain.call import CallType

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
class Dispose:
    agent_id: str
    code: str
    note: str | None = None
    crt_object_id: str | None = None


Command = (
    LogIn
    | LogOut
    | ForceLogOut
    | SelectExtension
    | SelectCampaign
    | GoReady
    | TakeBreak
    | SetAutoCall
    | HangUp
    | Dispose
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


@dataclass(frozen=True)
class AgentDidNotAnswer:
    call_id: str


@dataclass(frozen=True)
class CallEnded:
    """Every leg of the call is gone; `ended_by` is 'customer', 'agent' or 'system'."""

    call_id: str
    ended_by: str


@dataclass(frozen=True)
class TimerFired:
    """A timer the center started (StartTimer) ran out; `key` names what it was for."""

    key: str


Signal = CallArrived | AgentAnswered | AgentDidNotAnswer | CallEnded | TimerFired
