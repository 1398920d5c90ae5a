"""The SIP endpoint's transactions over loopback UDP, against a bare socket that plays the other
side (and drops or repeats what a lossy network would); timers shortened for the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

import pytest

from agentbar.drivers.telephony.sip import endpoint as endpoint_module
from agentbar.drivers.telephony.sip.endpoint import Address, SipEndpoint
from agentbar.drivers.telephony.sip.message import SipMessage, parse, response_to

T1 = 0.05


class Peer(asyncio.DatagramProtocol):
    """A bare UDP socket: keeps what it receives, sends what it is told."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[SipMessage] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.received.put_nowait(parse(data))

    @property
    def address(self) -> Address:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    def send(self, data: bytes, to: Address) -> None:
        assert self.transport is not None
        self.transport.sendto(data, to)

    async def next(self, within: float = 2.0) -> SipMessage:
        return await asyncio.wait_for(self.received.get(), within)


@pytest.fixture(autouse=True)
def short_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoint_module, "T1", T1)
    monkeypatch.setattr(endpoint_module, "T2", 4 * T1)
    monkeypatch.setattr(endpoint_module, "TIMEOUT", 10 * T1)


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(Peer, local_addr=("127.0.0.1", 0))
    yield protocol
    transport.close()


async def drain(peer: Peer, quiet: float) -> list[SipMessage]:
    """What the peer receives until nothing has come for `quiet` seconds."""
    received: list[SipMessage] = []
    while True:
        try:
            received.append(await peer.next(within=quiet))
        except TimeoutError:
            return received


def request(method: str, branch: str, peer: Address, cseq: int = 1) -> bytes:
    host, port = peer
    return (
        f"{method} sip:agentbar@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{port};branch={branch}\r\n"
        f"From: <sip:peer@{host}:{port}>;tag=p1\r\n"
        "To: <sip:agentbar@127.0.0.1>\r\n"
        "Call-ID: tx-test\r\n"
        f"CSeq: {cseq} {method}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def test_an_unanswered_request_is_sent_again_then_times_out_with_408(peer: Peer) -> None:
    sip = SipEndpoint("127.0.0.1", 0, lambda request, source: None)
    await sip.start()
    try:
        outcome: asyncio.Future[SipMessage] = asyncio.get_running_loop().create_future()
        options = parse(request("OPTIONS", "z9hG4bKlost", sip.address))
        options.set("Via", sip.via())
        sip.request(options, peer.address, outcome.set_result)
        copies = [await peer.next() for _ in range(3)]
        assert {copy.branch for copy in copies} == {options.branch}
        assert (await asyncio.wait_for(outcome, 2.0)).status == 408
    finally:
        await sip.stop()


async def test_a_repeated_request_is_answered_again_and_handled_once(peer: Peer) -> None:
    seen: list[SipMessage] = []

    def on_request(message: SipMessage, source: Address) -> None:
        seen.append(message)
        sip.respond(message, response_to(message, 200, "t1"))

    sip = SipEndpoint("127.0.0.1", 0, on_request)
    await sip.start()
    try:
        data = request("OPTIONS", "z9hG4bKtwice", peer.address)
        peer.send(data, sip.address)
        assert (await peer.next()).status == 200
        peer.send(data, sip.address)  # our first copy 'got lost' for the peer
        assert (await peer.next()).status == 200
        assert len(seen) == 1
    finally:
        await sip.stop()


async def test_a_2xx_to_an_invite_is_repeated_until_its_ack_comes(peer: Peer) -> None:
    acks: list[SipMessage] = []
    acked = asyncio.Event()

    def on_request(message: SipMessage, source: Address) -> None:
        if message.method == "ACK":
            acks.append(message)
            acked.set()
        else:
            sip.respond(message, response_to(message, 200, "t1"))

    sip = SipEndpoint("127.0.0.1", 0, on_request)
    await sip.start()
    try:
        peer.send(request("INVITE", "z9hG4bKinv", peer.address), sip.address)
        assert (await peer.next()).status == 100
        statuses = [(await peer.next()).status for _ in range(3)]
        assert statuses == [200, 200, 200]  # the first and two repeats: no ACK yet
        peer.send(request("ACK", "z9hG4bKack", peer.address), sip.address)
        await asyncio.wait_for(acked.wait(), 2.0)
        # What was in flight may still arrive; then the repeats stop for good.
        late = await drain(peer, quiet=8 * T1)
        assert all(message.status == 200 for message in late)
        assert len(late) <= 1
        assert len(acks) == 1
    finally:
        await sip.stop()
