"""Hearing a caller's keys on SIP: RFC 4733 telephone-event packets on a real UDP socket, and
SIP INFO bodies, read the way phones and trunks send them."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.model.ivr import CollectionEnd, DigitCollection
from agentbar.drivers.telephony.sip.keys import EVENT_TYPE, Keypad, info_key, telephone_event


def rtp(payload_type: int, timestamp: int, payload: bytes, *, csrcs: int = 0) -> bytes:
    header = struct.pack("!BBHII", 0x80 | csrcs, payload_type, 1, timestamp, 0x1234)
    return header + b"\0\0\0\1" * csrcs + payload


def event(key: int, *, end: bool, timestamp: int) -> bytes:
    return rtp(EVENT_TYPE, timestamp, struct.pack("!BBH", key, 0x80 if end else 0, 800))


def test_an_event_packet_gives_its_key_its_end_and_its_timestamp() -> None:
    assert telephone_event(event(5, end=False, timestamp=99), EVENT_TYPE) == ("5", False, 99)
    assert telephone_event(event(11, end=True, timestamp=7), EVENT_TYPE) == ("#", True, 7)
    with_csrcs = rtp(EVENT_TYPE, 3, struct.pack("!BBH", 10, 0x80, 160), csrcs=2)
    assert telephone_event(with_csrcs, EVENT_TYPE) == ("*", True, 3)


def test_audio_other_events_and_short_packets_are_not_keys() -> None:
    assert telephone_event(rtp(0, 1, b"\xff" * 160), EVENT_TYPE) is None
    assert telephone_event(event(16, end=True, timestamp=1), EVENT_TYPE) is None  # a flash
    assert telephone_event(event(5, end=True, timestamp=1)[:14], EVENT_TYPE) is None
    assert telephone_event(b"", EVENT_TYPE) is None


@given(st.binary(max_size=64))
def test_no_datagram_breaks_the_reader(packet: bytes) -> None:
    found = telephone_event(packet, EVENT_TYPE)
    assert found is None or len(found[0]) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "key"),
    [
        ("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", b"signal= #\r\n", "#"),
        ("Application/DTMF", b"7", "7"),
        ("application/dtmf-relay", b"Duration=160\r\n", None),
        ("application/dtmf-relay", b"Signal=55\r\n", None),
        ("application/sdp", b"Signal=5", None),
    ],
)
def test_sip_info_keys(content_type: str, body: bytes, key: str | None) -> None:
    assert info_key(content_type, body) == key


async def test_a_keypad_counts_each_press_once_and_reports_at_the_terminator() -> None:
    done: asyncio.Future[Keypad] = asyncio.get_running_loop().create_future()
    keypad = Keypad("leg-1", DigitCollection(max_digits=6), done.set_result)
    host, port = await keypad.listen("127.0.0.1")
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for timestamp, key in enumerate((4, 2, 11), start=1):
            sender.sendto(rtp(0, timestamp, b"\xff" * 160), (host, port))  # audio is dropped
            sender.sendto(event(key, end=False, timestamp=timestamp * 1000), (host, port))
            for _ in range(3):  # the end is sent three times
                sender.sendto(event(key, end=True, timestamp=timestamp * 1000), (host, port))
        finished = await asyncio.wait_for(done, 5.0)
    finally:
        sender.close()
    assert (finished.collector.digits, finished.ended) == ("42", CollectionEnd.TERMINATOR)
    assert keypad.transport is None  # the listener is closed once it is over


async def test_a_keypad_times_out_with_what_it_heard() -> None:
    done: asyncio.Future[Keypad] = asyncio.get_running_loop().create_future()
    keypad = Keypad("leg-1", DigitCollection(max_digits=6, timeout_seconds=1), done.set_result)
    await keypad.listen("127.0.0.1")
    keypad.press("9")
    finished = await asyncio.wait_for(done, 5.0)
    assert (finished.collector.digits, finished.ended) == ("9", CollectionEnd.TIMEOUT)
