"""What happened: the one vocabulary shared by storage, the socket, webhooks and the toolbar.

Each event names itself (`kind`, dotted, stable on the wire) and the agent it concerns, so the
service layer can route it to that agent's sockets without knowing event types. Its payload is
what the wire carries: the fields under their camelCase names (`call_id` -> `callId`), the one
casing of every frame, snapshot, webhook and event-API answer.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, fields
from typing import Any, ClassVar


def camel_case(name: str) -> str:
    """`call_id` -> `callId`: a field's name on the wire."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


_WIRE_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}
"""Each event class's (field, wire name) pairs, worked out once: payloads are built for every
event, on the hot path."""


def _wire_names(event_type: type[Event]) -> tuple[tuple[str, str], ...]:
    names = _WIRE_NAMES.get(event_type)
    if names is None:
        names = tuple((f.name, camel_case(f.name)) for f in fields(event_type))
        _WIRE_NAMES[event_type] = names
    return names


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        """The fields under their wire names. Values stay as they are (a CRM's own params
        keep their keys); mutable ones are copied, so the payload never aliases the event."""
        payload: dict[str, Any] = {}
        for name, wire in _wire_names(type(self)):
            value = getattr(self, name)
            payload[wire] = deepcopy(value) if isinstance(value, dict | list) else value
        return payload

    @property
    def topic_agent(self) -> str | None:
        value = getattr(self, "agent_id", None)
        return value if isinstance(value, str) else None

    @property
    def topic_call(self) -> str | None:
        value = getattr(self, "call_id", None)
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class AgentLoggedIn(Event):
    kind: ClassVar[str] = "agent.logged_in"
    agent_id: str


@dataclass(frozen=True)
class AgentLoggedOut(Event):
    kind: ClassVar[str] = "agent.logged_out"
    agent_id: str
    reason: str


@dataclass(frozen=True)
class ExtensionSelected(Event):
    kind: ClassVar[str] = "agent.extension_selected"
    agent_id: str
    name: str
    phone: str
    changed: bool


@dataclass(frozen=True)
class CampaignSelected(Event):
    kind: ClassVar[str] = "agent.campaign_selected"
    agent_id: str
    campaign_id: str
    campaign_name: str


@dataclass(frozen=True)
class AgentStateChanged(Event):
    kind: ClassVar[str] = "agent.state_changed"
    agent_id: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class AutoCallChanged(Event):
    kind: ClassVar[str] = "agent.auto_call_changed"
    agent_id: str
    on: bool


@dataclass(frozen=True)
class CallQueued(Event):
    kind: ClassVar[str] = "call.queued"
    call_id: str
    campaign_id: str
    phone: str


@dataclass(frozen=True)
class CallOffered(Event):
    kind: ClassVar[str] = "call.offered"
    call_id: str
    agent_id: str
    user_crt: str


@dataclass(frozen=True)
class CallConnected(Event):
    """The customer and the agent are talking (inbound: the agent answered; outbound: the
    customer did)."""

    kind: ClassVar[str] = "call.connected"
    call_id: str
    agent_id: str
    call_type: str
    phone: str
    campaign_id: str
    campaign_name: str
    user_crt: str
    customer_crt: str
    screen_pop_id: str


@dataclass(frozen=True)
class CallDialing(Event):
    """An outbound call started: the agent's phone, then the customer's, are ringing."""

    kind: ClassVar[str] = "call.dialing"
    call_id: str
    agent_id: str
    call_type: str
    phone: str
    campaign_id: str
    user_crt: str
    customer_crt: str


@dataclass(frozen=True)
class ScreenPop(Event):
    """The moment the CRM should show the customer: once per call and agent."""

    kind: ClassVar[str] = "call.screen_pop"
    call_id: str
    agent_id: str
    call_type: str
    phone: str
    campaign_id: str
    campaign_name: str
    user_crt: str
    customer_crt: str
    screen_pop_id: str
    crm_params: dict[str, Any]


@dataclass(frozen=True)
class CallHeld(Event):
    kind: ClassVar[str] = "call.held"
    call_id: str
    agent_id: str


@dataclass(frozen=True)
class CallResumed(Event):
    kind: ClassVar[str] = "call.resumed"
    call_id: str
    agent_id: str


@dataclass(frozen=True)
class CallEnded(Event):
    kind: ClassVar[str] = "call.ended"
    call_id: str
    agent_id: str
    ended_by: str
    phone: str
    campaign_id: str
    user_crt: str
    customer_crt: str


@dataclass(frozen=True)
class CallAbandoned(Event):
    kind: ClassVar[str] = "call.abandoned"
    call_id: str
    campaign_id: str


@dataclass(frozen=True)
class LeadPresented(Event):
    """A preview campaign shows the agent the next lead, to dial or skip."""

    kind: ClassVar[str] = "lead.presented"
    agent_id: str
    lead_id: str
    campaign_id: str
    phone: str
    name: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class LeadReleased(Event):
    """The lead shown to the agent was skipped, or went back to its list."""

    kind: ClassVar[str] = "lead.released"
    agent_id: str
    lead_id: str
    skipped: bool


@dataclass(frozen=True)
class CallbackScheduled(Event):
    kind: ClassVar[str] = "callback.scheduled"
    callback_id: str
    agent_id: str
    campaign_id: str
    phone: str
    due_at: float
    for_agent: str | None


@dataclass(frozen=True)
class CallbackDue(Event):
    kind: ClassVar[str] = "callback.due"
    callback_id: str
    campaign_id: str
    for_agent: str | None


@dataclass(frozen=True)
class CallDisposed(Event):
    kind: ClassVar[str] = "call.disposed"
    call_id: str
    agent_id: str
    disposition_class: str
    disposition_code: str
    note: str | None
    disposed_by: str = "agent"


@dataclass(frozen=True)
class TransferRequested(Event):
    """The agent asked for a transfer (the CRM page hears of it). `leg_id` is the leg the
    customer goes to, `new_call_id` the call it continues as, when there is one."""

    kind: ClassVar[str] = "call.transfer_requested"
    call_id: str
    agent_id: str
    transfer_id: str
    transfer_kind: str
    target: str
    leg_id: str | None
    new_call_id: str | None
    phone: str
    campaign_id: str
    user_crt: str
    customer_crt: str


@dataclass(frozen=True)
class TransferFinished(Event):
    """The transfer's outcome for the agent: 'completed' (the agent's part is over),
    'cancelled' or 'failed' (back to the customer)."""

    kind: ClassVar[str] = "call.transfer_finished"
    call_id: str
    agent_id: str
    transfer_id: str
    transfer_kind: str
    outcome: str


@dataclass(frozen=True)
class ConferenceRequested(Event):
    """The agent started a conference (the CRM page hears of it)."""

    kind: ClassVar[str] = "call.conference_requested"
    call_id: str
    agent_id: str
    conference_kind: str
    target: str
    leg_id: str
    phone: str
    campaign_id: str
    user_crt: str
    customer_crt: str


@dataclass(frozen=True)
class LegConnected(Event):
    """A consult, conference or transfer leg answered; `agent_id` is the call's agent."""

    kind: ClassVar[str] = "call.leg_connected"
    call_id: str
    agent_id: str
    leg_id: str
    leg_kind: str
    party: str
    purpose: str


@dataclass(frozen=True)
class LegEnded(Event):
    kind: ClassVar[str] = "call.leg_ended"
    call_id: str
    agent_id: str
    leg_id: str
    leg_kind: str
    party: str
    purpose: str
    reason: str


@dataclass(frozen=True)
class IvrDigits(Event):
    """The digits a caller keyed in an IVR that asked for them. Sent to the call's agent when
    the IVR is conferenced (the agent is still on the call); after a transfer to an IVR only
    the event log and webhooks carry it (`agent_id` None)."""

    kind: ClassVar[str] = "call.ivr_digits"
    call_id: str
    agent_id: str | None
    leg_id: str
    ivr: str
    digits: str
    ended_by: str


@dataclass(frozen=True)
class ConferenceJoined(Event):
    """Told to the agent who was conferenced in (`agent_id`), once their phone answered."""

    kind: ClassVar[str] = "call.conference_joined"
    call_id: str
    agent_id: str
    host_agent_id: str
    leg_id: str
    phone: str
    campaign_id: str


@dataclass(frozen=True)
class CustomerDialled(Event):
    """A predictive campaign rings a customer ahead of its agents."""

    kind: ClassVar[str] = "dialer.dialled"
    call_id: str
    campaign_id: str
    phone: str
    lead_id: str | None


@dataclass(frozen=True)
class CustomerNotReached(Event):
    """A predictive dial ended with no person: `busy`, `no_answer`, `machine` or `failed`."""

    kind: ClassVar[str] = "dialer.not_reached"
    call_id: str
    campaign_id: str
    outcome: str


@dataclass(frozen=True)
class DialerAbandoned(Event):
    """A person answered a predictive call and no agent reached them within 2 seconds
    (`no_agent`: they hear the campaign's abandon message) or they hung up first
    (`hung_up`). Either way it counts against the campaign's abandon limit."""

    kind: ClassVar[str] = "dialer.abandoned"
    call_id: str
    campaign_id: str
    phone: str
    reason: str
    message_played: bool
