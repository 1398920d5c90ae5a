"""Legs: the SIP dialogs agentbar holds with each phone (RFC 3261 §12), and building the
requests sent on them. agentbar is a back-to-back user agent: every phone talks to it, never
to another phone, except for the media, which flows between the phones directly."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from agentbar.drivers.media.janus import Participant
from agentbar.drivers.telephony.sip.endpoint import Address, ClientTransaction
from agentbar.drivers.telephony.sip.keys import Keypad
from agentbar.drivers.telephony.sip.message import SipMessage
from agentbar.drivers.telephony.sip.sdp import Origin


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    OFFER = "offer"
    """An agent's phone ringing for a call; it becomes the AGENT leg when answered."""
    TARGET = "target"
    """The party a blind transfer handed the customer to."""


@dataclass
class Leg:
    role: Role
    sip_call_id: str
    local: str
    """Our From (outgoing) or To (incoming) header value, with our tag."""
    remote: str
    """The phone's header value; with its tag once it answered."""
    target: str
    """The phone's Contact URI: where in-dialog requests go."""
    address: Address
    origin: Origin
    incoming: bool
    invite: SipMessage | None = None
    client: ClientTransaction | None = None
    cseq: int = 1
    remote_sdp: bytes | None = None
    """The phone's media as it last described it."""
    sent_sdp: bytes | None = None
    """The session description agentbar last gave the phone."""
    ack: SipMessage | None = None
    up: bool = False
    ended: bool = False
    crt: str | None = None
    """The centre's id of the leg this dialog carries (its CRT id), once it has one."""
    extension: str | None = None
    """The extension an agent's phone registered as (offers and agent legs)."""
    browser: bool = False
    """The phone is a browser phone: its BYE means its page went away (see reattach.py)."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """Headers of our own to send with the INVITE."""
    final: asyncio.Future[SipMessage] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One re-INVITE at a time on a leg (RFC 3261 §14.1: no overlapping offers)."""

    def request(self, method: str, via: str, contact: str, sdp: bytes | None = None) -> SipMessage:
        """A new in-dialog request (§12.2.1.1)."""
        self.cseq += 1
        return self.build(method, via, contact, self.cseq, sdp)

    def build(
        self, method: str, via: str, contact: str, cseq: int, sdp: bytes | None = None
    ) -> SipMessage:
        message = SipMessage(method=method, uri=self.target)
        message.headers += [
            ("Via", via),
            ("Max-Forwards", "70"),
            ("From", self.local),
            ("To", self.remote),
            ("Call-ID", self.sip_call_id),
            ("CSeq", f"{cseq} {method}"),
        ]
        if method in ("INVITE", "ACK") or method == "UPDATE":
            message.headers.append(("Contact", contact))
        if method == "INVITE" and cseq == 1:
            message.headers += self.headers
        if sdp is not None:
            message.headers.append(("Content-Type", "application/sdp"))
            message.body = sdp
        return message


@dataclass
class Room:
    """A conferenced call's AudioBridge room, and each leg's participant in it (by CRT id)."""

    number: int
    members: dict[str, Participant] = field(default_factory=dict)
    prompts: set[str] = field(default_factory=set)
    """IVR legs playing their prompt in the room (by CRT id, which is the file's id)."""
    keypad: Keypad | None = None
    """The IVR collection under way, if any: one at a time (the caller has one keypad)."""


@dataclass
class SipCall:
    """The legs of one call, by the part each plays in it."""

    call_id: str
    customer: Leg | None = None
    agent: Leg | None = None
    offers: dict[str, Leg] = field(default_factory=dict)
    """Agent phones ringing for the call: CRT id -> leg."""
    target: Leg | None = None
    target_leg_id: str | None = None
    parties: dict[str, Leg] = field(default_factory=dict)
    """Consult targets and conference parties, by their CRT id (see parties.py)."""
    room: Room | None = None

    def legs(self) -> list[Leg]:
        found = [self.customer, self.agent, self.target, *self.offers.values()]
        found += self.parties.values()
        return [leg for leg in found if leg is not None]


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"
