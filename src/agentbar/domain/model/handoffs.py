"""What a transfer or conference names (its kind) and how a transfer is recorded.

Kept apart from the handlers (transfers.py, conferences.py) so the call record, commands and
events can share these names without importing the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TransferKind(StrEnum):
    PHONE = "phone"
    """Blind: the customer is bridged to an external number; the agent leaves at once."""
    INCALL = "incall"
    """Consult: the customer is held while the agent talks to the target, then completes or
    cancels."""
    QUEUE = "queue"
    """Back into routing, through an inbound campaign's agent queue."""
    IVR = "ivr"
    USER = "user"
    """Offered to one named agent, who must be ready."""
    CAMPAIGN = "campaign"
    """Back into routing, through any campaign's queue (inbound or outbound)."""


class ConferenceKind(StrEnum):
    PHONE = "phone"
    TPV = "tpv"
    USER = "user"
    IVR = "ivr"


class TransferState(StrEnum):
    REQUESTED = "requested"
    """Asked of telephony; a consult stays here until completed or cancelled."""
    COMPLETED = "completed"
    """The agent's part is over: the customer went to the target (or its queue)."""
    CANCELLED = "cancelled"
    FAILED = "failed"
    """The consult target never answered or hung up before the transfer completed."""


@dataclass
class Transfer:
    transfer_id: str
    kind: TransferKind
    target: str
    """As resolved: an E.164 number, an IVR's name, a campaign id, an agent id."""
    agent_id: str
    requested_at: float
    leg_id: str | None = None
    """The leg the customer goes to (phone, IVR, consult target), if any."""
    new_call_id: str | None = None
    """The call the customer continues as (queue, user, campaign transfers)."""
    state: TransferState = TransferState.REQUESTED
    finished_at: float | None = None
