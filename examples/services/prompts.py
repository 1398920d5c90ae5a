"""Audio the demo and the tests play through Janus, made at build time from Debian's tools:
speech from espeak-ng, tones from a sine; each encoded to Opus (opus-tools' opusenc), the one
format AudioBridge plays."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

GREETING = (
    "Hello, this is a simulated customer of the agent bar demo. "
    "I am calling about my order. Can you hear me?"
)


def have_prompt_tools() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("opusenc") is not None


def _opus(wav: Path, out: Path) -> Path:
    subprocess.run(["opusenc", "--quiet", str(wav), str(out)], check=True)
    return out


def speak(text: str, out: Path) -> Path:
    """`text` spoken by espeak-ng, as an Opus file at `out`."""
    with tempfile.TemporaryDirectory(prefix="agentbar-prompt-") as work:
        wav = Path(work) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
        return _opus(wav, out)


def tone(frequency: float, out: Path, seconds: float = 10.0) -> Path:
    """A sine at `frequency`, as an Opus file at `out` (a voice the tests can recognise)."""
    rate = 48000
    with tempfile.TemporaryDirectory(prefix="agentbar-prompt-") as work:
        wav = Path(work) / "tone.wav"
        with wave.open(str(wav), "wb") as sink:
            sink.setnchannels(1)
            sink.setsampwidth(2)
            sink.setframerate(rate)
            sink.writeframes(
                b"".join(
                    struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
                    for i in range(int(rate * seconds))
                )
            )
        return _opus(wav, out)
