"""The SIP side of legs: placing, answering, acknowledging, re-offering and ending the
dialogs agentbar holds with the phones, knowing which call each dialog belongs to, and keeping
each established one's state as it changes (`stored.DialogKeeper`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, Protocol, TypeVar

from agentbar.drivers.telephony.sip.endpoint import Address, SipEndpoint
from agentbar.drivers.telephony.sip.legs import Leg, Role, new_call_id
from agentbar.drivers.telephony.sip.message import (
    SipMessage,
    new_tag,
    response_to,
    uri_of,
    user_of,
)
from agentbar.drivers.telephony.sip.sdp import Origin, mirrored_direction, relay
from agentbar.drivers.telephony.sip.stored import DialogKeeper
from agentbar.ports.dialogs import DialogStore

log = logging.getLogger(__name__)


class _Call(Protocol):
    @property
    def call_id(self) -> str: ...


C = TypeVar("C", bound=_Call)


class Dialogs(Generic[C]):
    """Every live dialog by SIP Call-ID, with the call (of type C) it is a leg of."""

    def __init__(
        self, endpoint: SipEndpoint, ring_timeout: float, store: DialogStore | None
    ) -> None:
        self._endpoint = endpoint
        self._ring_timeout = ring_timeout
        self._known: dict[str, tuple[Leg, C]] = {}
        self.keeper = DialogKeeper(store, self._call_of)

    def _call_of(self, leg: Leg) -> str | None:
        known = self._known.get(leg.sip_call_id)
        return known[1].call_id if known is not None and known[0] is leg else None

    def track(self, leg: Leg, call: C) -> None:
        self._known[leg.sip_call_id] = (leg, call)

    def find(self, sip_call_id: str) -> tuple[Leg, C] | None:
        return self._known.get(sip_call_id)

    def outgoing(
        self, role: Role, uri: str, address: Address, caller: str, crt: str | None = None
    ) -> Leg:
        host, port = self._endpoint.address
        caller = caller or "agentbar"
        return Leg(
            role=role,
            sip_call_id=new_call_id(host),
            local=f"<sip:{caller}@{host}:{port}>;tag={new_tag()}",
            remote=f"<{uri}>",
            target=uri,
            address=address,
            origin=Origin(host=host),
            incoming=False,
            crt=crt,
        )

    async def ring(self, leg: Leg, sdp: bytes | None) -> SipMessage:
        """INVITE the leg's phone; its final response, a 408 if it rang out."""
        leg.sent_sdp = sdp
        invite = leg.build("INVITE", self._endpoint.via(), self.contact(leg), leg.cseq, sdp)
        leg.invite = invite
        leg.client = self._endpoint.request(
            invite, leg.address, lambda response: self._on_invite_response(leg, response)
        )
        try:
            return await asyncio.wait_for(asyncio.shield(leg.final), self._ring_timeout)
        except TimeoutError:
            if leg.client is not None:
                self._endpoint.cancel(leg.client)  # rang out: its final answer will be a 487
            return await leg.final

    def _on_invite_response(self, leg: Leg, response: SipMessage) -> None:
        if response.status < 200:
            return
        if response.status >= 300:
            leg.ended = True
            if not leg.final.done():
                leg.final.set_result(response)
            return
        if leg.up:
            if leg.ack is not None:
                self._endpoint.send_ack(leg.ack, leg.address)  # our ACK got lost
            return
        leg.remote = response.require("To")
        contact = response.get("Contact")
        if contact:
            # In-dialog requests name the phone's Contact but go where the INVITE reached it
            # (a registered phone's source address), which also works behind simple NATs.
            leg.target = uri_of(contact)
        leg.remote_sdp = response.sdp
        leg.up = True
        if not leg.final.done():
            leg.final.set_result(response)
        if leg.ended:
            # Answered as we gave up on it: take the call and end it at once.
            self.acknowledge(leg)
            leg.up = False
            self.send_bye(leg)

    def acknowledge(self, leg: Leg, sdp: bytes | None = None) -> None:
        invite_cseq = leg.invite.cseq[0] if leg.invite is not None else 1
        leg.ack = leg.build("ACK", self._endpoint.via(), self.contact(leg), invite_cseq, sdp)
        self._endpoint.send_ack(leg.ack, leg.address)

    async def reoffer(self, leg: Leg, media: bytes, direction: str) -> None:
        """re-INVITE `leg` with `media` (another phone's description) in `direction`."""
        async with leg.lock:
            if leg.ended or not leg.up:
                return
            sdp = relay(media, leg.origin, direction)
            leg.sent_sdp = sdp
            request = leg.request("INVITE", self._endpoint.via(), self.contact(leg), sdp)
            # Its CSeq is kept before it leaves: a process taking over goes on above it.
            await self.keeper.store(leg)
            done: asyncio.Future[SipMessage] = asyncio.get_running_loop().create_future()

            def on_response(response: SipMessage) -> None:
                if response.status < 200:
                    return
                if 200 <= response.status < 300:
                    ack = leg.build("ACK", self._endpoint.via(), self.contact(leg), request.cseq[0])
                    self._endpoint.send_ack(ack, leg.address)
                if not done.done():
                    done.set_result(response)

            self._endpoint.request(request, leg.address, on_response)
            response = await done
            if response.status < 300 and response.sdp is not None:
                leg.remote_sdp = response.sdp
            elif response.status >= 300:
                log.warning("SIP: re-INVITE refused with %d", response.status)
            await self.keeper.store(leg)

    def hang_up(self, leg: Leg) -> None:
        """End one leg from our side: BYE if answered, CANCEL if ringing, refuse if incoming."""
        if leg.ended and not leg.up:
            return
        was_up = leg.up
        leg.ended = True
        self.forget(leg)
        if was_up:
            leg.up = False
            self.send_bye(leg)
        elif leg.incoming and leg.invite is not None:
            self._endpoint.respond(leg.invite, self.response(leg, 480))
        elif leg.client is not None:
            self._endpoint.cancel(leg.client)

    def send_bye(self, leg: Leg) -> None:
        bye = leg.request("BYE", self._endpoint.via(), self.contact(leg))
        self._endpoint.request(bye, leg.address, lambda _response: None)

    def response(self, leg: Leg, status: int, request: SipMessage | None = None) -> SipMessage:
        request = request or leg.invite
        assert request is not None
        response = response_to(request, status)
        response.set("To", leg.local)
        if status < 300:
            response.headers.append(("Contact", self.contact(leg)))
        if status == 200 and leg.sent_sdp is not None:
            response.headers.append(("Content-Type", "application/sdp"))
            response.body = leg.sent_sdp
        return response

    @property
    def host(self) -> str:
        """The address agentbar's SIP endpoint is reached at."""
        return self._endpoint.address[0]

    def contact(self, leg: Leg) -> str:
        return self._endpoint.contact(user_of(uri_of(leg.local)) or "agentbar")

    def answer_reinvite(self, leg: Leg, request: SipMessage) -> None:
        """The phone refreshes or changes its session (e.g. its own hold button)."""
        if leg.lock.locked():
            # Our own re-INVITE is under way on this dialog: glare (RFC 3261 §14.2).
            self._endpoint.respond(request, response_to(request, 491))
            return
        offer = request.sdp
        if offer is not None and leg.sent_sdp is not None:
            leg.remote_sdp = offer
            # The same media as before, in the direction that mirrors the phone's offer.
            leg.sent_sdp = relay(leg.sent_sdp, leg.origin, mirrored_direction(offer))
            self.keeper.keep(leg)
        self._endpoint.respond(request, self.response(leg, 200, request))

    def forget(self, leg: Leg) -> None:
        known = self._known.get(leg.sip_call_id)
        if known is not None and known[0] is leg:
            del self._known[leg.sip_call_id]
            self.keeper.drop(leg)
