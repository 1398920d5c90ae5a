"""Hearing a caller's keys while an IVR collects digits.

Janus 1.1 (Debian 12's) reports no RFC 4733 event from a plain-RTP participant of an
AudioBridge room, nor from its SIP plugin's peer (upstream added that to the SIP plugin
later). So while an IVR collects, the caller's phone sends its RTP to agentbar's own
`KeyListener` instead of the room: it reads the telephone-event packets and drops the audio —
nothing is relayed or mixed here, the caller goes on hearing the room (the prompt) from Janus.
Keys sent as SIP INFO (application/dtmf-relay, application/dtmf) count too.

A `Keypad` runs one collection: keys from either way, the time-out, and one report at its end.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from agentbar.domain.model.ivr import KEYS, CollectionEnd, DigitCollection, DigitCollector
from agentbar.drivers.telephony.sip.sdp import Origin

log = logging.getLogger(__name__)

EVENT_TYPE = 101
"""The payload type agentbar offers for telephone-event (RFC 4733)."""


def keys_offer(origin: Origin, host: str, port: int) -> bytes:
    """An offer of G.711 mu-law audio and RFC 4733 telephone events at `host`:`port`."""
    lines = [
        "v=0",
        origin.next_line(),
        "s=agentbar",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=audio {port} RTP/AVP 0 {EVENT_TYPE}",
        "a=rtpmap:0 PCMU/8000",
        f"a=rtpmap:{EVENT_TYPE} telephone-event/8000",
        f"a=fmtp:{EVENT_TYPE} 0-15",
        "a=sendrecv",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def telephone_event(packet: bytes, payload_type: int) -> tuple[str, bool, int] | None:
    """An RTP packet's RFC 4733 event: (key, whether it is the event's end, the event's RTP
    timestamp — the same in every packet of one key press); None for any other packet."""
    if len(packet) < 12 or packet[0] >> 6 != 2 or packet[1] & 0x7F != payload_type:
        return None
    offset = 12 + 4 * (packet[0] & 0x0F)  # the CSRC list
    if packet[0] & 0x10:  # a header extension: its length is in 32-bit words
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack_from("!H", packet, offset + 2)[0]
    if len(packet) < offset + 4:
        return None
    event, flags = packet[offset], packet[offset + 1]
    if event >= len(KEYS):
        return None
    (timestamp,) = struct.unpack_from("!I", packet, 4)
    return KEYS[event], bool(flags & 0x80), timestamp


def info_key(content_type: str, body: bytes) -> str | None:
    """The key of a SIP INFO: `Signal=5` (application/dtmf-relay) or `5` (application/dtmf)."""
    kind = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace").strip()
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                text = value.strip()
                break
        else:
            return None
    elif kind != "application/dtmf":
        return None
    key = text.upper()
    return key if len(key) == 1 and key in KEYS else None


class KeyListener(asyncio.DatagramProtocol):
    """Where a collecting caller's RTP goes: each key press counted once (at its end)."""

    def __init__(self, heard: Callable[[str], None]) -> None:
        self._heard = heard
        self._last: int | None = None
        self.payload_type = EVENT_TYPE

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        found = telephone_event(data, self.payload_type)
        if found is None:
            return
        key, end, timestamp = found
        # An end is sent three times (RFC 4733 §2.5.1.4); one press has one timestamp.
        if end and timestamp != self._last:
            self._last = timestamp
            self._heard(key)


@dataclass
class Keypad:
    """One running collection on a call's IVR leg `leg_id`; `finished` gets the collector once
    it is over (not when it is cancelled)."""

    leg_id: str
    collection: DigitCollection
    finished: Callable[[Keypad], None]
    collector: DigitCollector = field(init=False)
    transport: asyncio.DatagramTransport | None = None
    _timer: asyncio.TimerHandle | None = None

    def __post_init__(self) -> None:
        self.collector = DigitCollector(self.collection)

    async def listen(self, host: str) -> tuple[str, int]:
        """Open the listener on `host`; where the caller's phone should send its RTP."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: KeyListener(self.press), local_addr=(host, 0)
        )
        self.transport = transport
        bound: tuple[str, int] = transport.get_extra_info("sockname")[:2]
        self._restart_timer()
        return bound

    def press(self, key: str) -> None:
        if self.collector.ended is not None:
            return
        if self.collector.press(key):
            self._finish()
        else:
            self._restart_timer()

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        delay = self.collection.timeout_seconds
        self._timer = asyncio.get_running_loop().call_later(delay, self._time_out)

    def _time_out(self) -> None:
        self.collector.time_out()
        self._finish()

    def _finish(self) -> None:
        self.close()
        log.info("SIP: IVR leg %s collected %d digit(s)", self.leg_id, len(self.collector.digits))
        self.finished(self)

    @property
    def ended(self) -> CollectionEnd | None:
        return self.collector.ended

    def close(self) -> None:
        """Stop listening and timing (a finished or cancelled collection)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None
