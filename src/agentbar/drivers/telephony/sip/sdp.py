"""The little SDP editing third-party call control needs; media descriptions pass through.

Each leg sees agentbar as one party whose session description changes over time (it relays
different phones' media in turn), so every SDP sent on a leg carries that leg's own origin
line with a rising version (RFC 3264 §8), and hold is a change of direction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

DIRECTIONS = ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")


@dataclass
class Origin:
    """The o= line agentbar uses on one leg."""

    session: int = field(default_factory=lambda: secrets.randbelow(2**31))
    version: int = 0
    host: str = "127.0.0.1"

    def next_line(self) -> str:
        self.version += 1
        return f"o=agentbar {self.session} {self.version} IN IP4 {self.host}"


def _lines(sdp: bytes) -> list[str]:
    return [line for line in sdp.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")]


def _join(lines: list[str]) -> bytes:
    text = "\r\n".join(line for line in lines if line)
    return (text + "\r\n").encode()


def relay(sdp: bytes, origin: Origin, direction: str = "sendrecv") -> bytes:
    """`sdp` as sent on a leg: that leg's origin, and one direction for the whole session."""
    lines = [line for line in _lines(sdp) if line not in DIRECTIONS]
    out: list[str] = []
    for line in lines:
        if line.startswith("o="):
            out.append(origin.next_line())
        else:
            out.append(line)
    # The direction goes at session level, before the first m= line.
    first_media = next((i for i, line in enumerate(out) if line.startswith("m=")), len(out))
    out.insert(first_media, f"a={direction}")
    return _join(out)


def answer_on_hold(offer: bytes, origin: Origin) -> bytes:
    """A valid answer to `offer` that starts the session inactive: the offered media with the
    first codec of each stream, nothing flowing until a re-INVITE connects a real peer."""
    out: list[str] = []
    chosen = ""
    for line in _lines(offer):
        if line.startswith("m="):
            parts = line.split(" ")
            chosen = parts[3] if len(parts) > 3 else ""
            out.append(" ".join(parts[:4]))
        elif line.startswith(("a=rtpmap:", "a=fmtp:")):
            if line.split(" ")[0].split(":", 1)[1] == chosen:
                out.append(line)
        else:
            out.append(line)
    return relay(_join(out), origin, "inactive")


MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive"}


def mirrored_direction(offer: bytes) -> str:
    """The direction an answer takes to `offer` (RFC 3264 §6.1): a phone putting its peer on
    hold offers sendonly and is answered recvonly."""
    for line in _lines(offer):
        if line in DIRECTIONS:
            return MIRROR.get(line[2:], "sendrecv")
    return "sendrecv"


def g711_offer(origin: Origin, host: str, port: int) -> bytes:
    """An offer of G.711 mu-law audio at `host`:`port`: a mixer's RTP port (Janus's
    AudioBridge) for one phone of a conference."""
    return _join(
        [
            "v=0",
            origin.next_line(),
            "s=agentbar",
            f"c=IN IP4 {host}",
            "t=0 0",
            f"m=audio {port} RTP/AVP 0",
            "a=rtpmap:0 PCMU/8000",
            "a=sendrecv",
        ]
    )


def media_address(sdp: bytes) -> tuple[str, int] | None:
    """Where a phone takes its audio: the session's (or the audio stream's) address and the
    audio stream's port; None if it has no audio (or a port of 0: refused)."""
    session_host, audio_host, port = "", "", 0
    section = "session"
    for line in _lines(sdp):
        if line.startswith("m="):
            section = "audio" if line.startswith("m=audio ") and not port else "other"
            if section == "audio":
                port = int(line.split()[1])
        elif line.startswith("c=IN IP4 ") and section != "other":
            if section == "session":
                session_host = line.split()[-1]
            else:
                audio_host = line.split()[-1]
    host = audio_host or session_host
    return (host, port) if host and port else None


def offers_pcmu(sdp: bytes) -> bool:
    """Whether a phone's description offers G.711 mu-law (payload type 0) for its audio."""
    audio = next((line for line in _lines(sdp) if line.startswith("m=audio ")), "")
    return "0" in audio.split()[3:]
