"""What a phone heard, measured: the strength of a tone in a baresip recording.

baresip's `sndfile` module records what a phone hears as 16-bit mono WAV at 8 kHz, and writes
the header's sizes only when the call ends; these read the samples past the header whatever
its state. A re-INVITE that rebuilds the phone's audio path starts a new file.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

from tests.support.baresip import Phone

WAV_HEADER = 44


def tone_level(path: Path, frequency: float, seconds: float = 1.0) -> float:
    """How strong `frequency` is in the last `seconds` of a recording, 0 (absent) to about 1
    (a full-scale sine), by the Goertzel algorithm."""
    raw = path.read_bytes()[WAV_HEADER:]
    rate = 8000
    samples = struct.unpack(f"<{len(raw) // 2}h", raw[: len(raw) // 2 * 2])[-int(rate * seconds) :]
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    before = earlier = 0.0
    for sample in samples:
        before, earlier = sample / 32768 + coefficient * before - earlier, before
    power = before * before + earlier * earlier - coefficient * before * earlier
    return 2 * math.sqrt(max(power, 0.0)) / max(len(samples), 1)


def latest_recording(phone: Phone) -> Path:
    """What the phone heard since its media last changed: baresip starts a new recording file
    when a re-INVITE rebuilds its audio path."""
    return max((phone.workdir / "recordings").glob("*-dec.wav"))
