"""SIP over UDP on asyncio, with the transaction layer of RFC 3261 §17.

Client transactions retransmit their request (timers A/E, doubling from T1, non-INVITE capped
at T2) until a response comes, and give up after 64*T1 with a synthetic 408. A non-2xx final
response to an INVITE is acknowledged here; a 2xx is handed up, as its ACK belongs to the
dialog (and in third-party call control may carry an SDP answer).

Server transactions absorb retransmitted requests by answering again with the last response.
A 2xx to an INVITE is retransmitted until its ACK arrives (§13.3.1.4); the ACK is handed up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from agentbar.drivers.telephony.sip.message import (
    SipMessage,
    SipParseError,
    new_branch,
    parse,
    response_to,
)

log = logging.getLogger(__name__)

Address = tuple[str, int]
T1 = 0.5
T2 = 4.0
TIMEOUT = 64 * T1


@dataclass
class ClientTransaction:
    request: SipMessage
    address: Address
    on_response: Callable[[SipMessage], None]
    provisional: bool = False
    final: SipMessage | None = None
    cancel_wanted: bool = False
    timers: list[asyncio.TimerHandle] = field(default_factory=list)

    @property
    def is_invite(self) -> bool:
        return self.request.method == "INVITE"

    def stop_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


@dataclass
class ServerTransaction:
    request: SipMessage
    address: Address
    last: SipMessage | None = None
    retransmit: asyncio.TimerHandle | None = None


class SipEndpoint(asyncio.DatagramProtocol):
    def __init__(self, host: str, port: int, on_request: Callable[[SipMessage, Address], None]):
        self._bind = (host, port)
        self._on_request = on_request
        self._transport: asyncio.DatagramTransport | None = None
        self._clients: dict[tuple[str, str], ClientTransaction] = {}
        self._servers: dict[tuple[str, str], ServerTransaction] = {}
        self._awaiting_ack: dict[tuple[str, int], ServerTransaction] = {}
        self.address: Address = self._bind

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=self._bind)
        self._transport = transport
        host, port = transport.get_extra_info("sockname")[:2]
        self.address = (host, port)

    async def stop(self) -> None:
        for client in self._clients.values():
            client.stop_timers()
        for server in self._servers.values():
            if server.retransmit is not None:
                server.retransmit.cancel()
        self._clients.clear()
        self._servers.clear()
        self._awaiting_ack.clear()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def via(self) -> str:
        host, port = self.address
        return f"SIP/2.0/UDP {host}:{port};branch={new_branch()};rport"

    def contact(self, user: str = "agentbar") -> str:
        host, port = self.address
        return f"<sip:{user}@{host}:{port}>"

    # -- sending --------------------------------------------------------------------------

    def send(self, message: SipMessage, address: Address) -> None:
        if self._transport is None:
            return
        data = message.encode()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("SIP to %s:%d\n%s", *address, data.decode(errors="replace"))
        self._transport.sendto(data, address)

    def request(
        self, request: SipMessage, address: Address, on_response: Callable[[SipMessage], None]
    ) -> ClientTransaction:
        """Send `request` (its top Via carries a fresh branch) as a client transaction."""
        client = ClientTransaction(request, address, on_response)
        self._clients[(request.branch, request.cseq[1])] = client
        self.send(request, address)
        self._schedule_retransmit(client, T1)
        client.timers.append(self._later(TIMEOUT, lambda: self._timed_out(client)))
        return client

    def send_ack(self, ack: SipMessage, address: Address) -> None:
        """An ACK for a 2xx: its own transaction-less request (RFC 3261 §13.2.2.4)."""
        self.send(ack, address)

    def cancel(self, client: ClientTransaction) -> None:
        """CANCEL a pending INVITE (§9.1): at once if it rang, else as soon as it does."""
        if client.final is not None:
            return
        if not client.provisional:
            client.cancel_wanted = True
            return
        invite = client.request
        cancel = SipMessage(method="CANCEL", uri=invite.uri)
        for name in ("Via", "From", "To", "Call-ID"):
            cancel.headers.append((name, invite.require(name)))
        cancel.headers.append(("CSeq", f"{invite.cseq[0]} CANCEL"))
        cancel.headers.append(("Max-Forwards", "70"))
        self.request(cancel, client.address, lambda _response: None)

    def respond(self, request: SipMessage, response: SipMessage) -> None:
        """Answer a request received earlier, through its server transaction."""
        server = self._servers.get((request.branch, request.method))
        if server is None:
            return
        first_final = response.status >= 200 and (server.last is None or server.last.status < 200)
        server.last = response
        self.send(response, server.address)
        if request.method == "INVITE" and first_final:
            key = (request.branch, request.method)
            self._later(TIMEOUT, lambda: self._forget_server(key))
        if request.method == "INVITE" and 200 <= response.status < 300:
            self._awaiting_ack[(request.call_id, request.cseq[0])] = server
            self._schedule_2xx(server, T1, 0.0)

    # -- receiving --------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        address = (str(addr[0]), int(addr[1]))
        if not data.strip():
            return  # keep-alive
        try:
            message = parse(data)
        except SipParseError as error:
            log.warning("dropped a malformed SIP message from %s: %s", address, error)
            return
        if message.is_request:
            self._on_incoming_request(message, address)
        else:
            self._on_response(message)

    def _on_incoming_request(self, request: SipMessage, address: Address) -> None:
        if request.method == "ACK":
            invite = self._servers.get((request.branch, "INVITE"))
            if invite is not None and invite.last is not None and invite.last.status >= 300:
                self._stop_2xx(invite)
                return  # acknowledges our error response: the transaction is done
            awaiting = self._awaiting_ack.pop((request.call_id, request.cseq[0]), None)
            if awaiting is not None:
                self._stop_2xx(awaiting)
            self._on_request(request, address)
            return
        key = (request.branch, request.method)
        known = self._servers.get(key)
        if known is not None:
            if known.last is not None:
                self.send(known.last, known.address)
            return
        self._servers[key] = ServerTransaction(request, address)
        if request.method != "INVITE":
            # An INVITE's transaction lives until its final response (a queued caller may
            # wait minutes); every other one is answered at once.
            self._later(TIMEOUT, lambda: self._forget_server(key))
        if request.method == "INVITE":
            self.respond(request, response_to(request, 100))
        self._on_request(request, address)

    def _on_response(self, response: SipMessage) -> None:
        try:
            key = (response.branch, response.cseq[1])
        except SipParseError:
            return
        client = self._clients.get(key)
        if client is None:
            return
        if response.status < 200:
            if not client.provisional:
                client.provisional = True
                client.stop_timers()  # an INVITE is not retransmitted once it rang
                client.timers.append(self._later(TIMEOUT * 6, lambda: self._timed_out(client)))
                if client.cancel_wanted:
                    self.cancel(client)
            client.on_response(response)
            return
        first = client.final is None
        client.final = response
        client.stop_timers()
        if client.is_invite and response.status >= 300:
            self.send(self._ack_for_error(client.request, response), client.address)
            if not first:
                return
        if first:
            self._later(TIMEOUT, lambda: self._forget_client(key))
        if first or (client.is_invite and response.status < 300):
            client.on_response(response)  # a retransmitted 2xx is ACKed again by the dialog

    # -- timers ---------------------------------------------------------------------------

    def _later(self, delay: float, action: Callable[[], None]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(delay, action)

    def _schedule_retransmit(self, client: ClientTransaction, interval: float) -> None:
        def again() -> None:
            if client.final is None and not client.provisional:
                self.send(client.request, client.address)
                next_interval = interval * 2 if client.is_invite else min(interval * 2, T2)
                self._schedule_retransmit(client, next_interval)
            elif client.final is None and not client.is_invite:
                self.send(client.request, client.address)
                self._schedule_retransmit(client, T2)

        client.timers.append(self._later(interval, again))

    def _timed_out(self, client: ClientTransaction) -> None:
        if client.final is not None:
            return
        client.stop_timers()
        timeout = response_to(client.request, 408)
        client.final = timeout
        self._clients.pop((client.request.branch, client.request.cseq[1]), None)
        client.on_response(timeout)

    def _schedule_2xx(self, server: ServerTransaction, interval: float, waited: float) -> None:
        def again() -> None:
            if server.last is None or waited + interval >= TIMEOUT:
                self._stop_2xx(server)
                return
            self.send(server.last, server.address)
            self._schedule_2xx(server, min(interval * 2, T2), waited + interval)

        server.retransmit = self._later(interval, again)

    @staticmethod
    def _stop_2xx(server: ServerTransaction) -> None:
        if server.retransmit is not None:
            server.retransmit.cancel()
            server.retransmit = None

    def _forget_client(self, key: tuple[str, str]) -> None:
        self._clients.pop(key, None)

    def _forget_server(self, key: tuple[str, str]) -> None:
        server = self._servers.pop(key, None)
        if server is not None:
            self._stop_2xx(server)

    @staticmethod
    def _ack_for_error(invite: SipMessage, response: SipMessage) -> SipMessage:
        """The ACK of a non-2xx final response: part of the INVITE transaction (§17.1.1.3)."""
        ack = SipMessage(method="ACK", uri=invite.uri)
        ack.headers.append(("Via", invite.require("Via")))
        ack.headers.append(("From", invite.require("From")))
        ack.headers.append(("To", response.require("To")))
        ack.headers.append(("Call-ID", invite.call_id))
        ack.headers.append(("CSeq", f"{invite.cseq[0]} ACK"))
        ack.headers.append(("Max-Forwards", "70"))
        return ack
