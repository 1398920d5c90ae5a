"""Real SIP phones for the tests: Debian's baresip, headless, one process per phone.

Each phone gets its own config directory: it listens on 127.0.0.1 only, plays a tone file as
its microphone (aufile), discards what it hears (ALSA's null device) unless asked to record it
(sndfile), and is driven over ctrl_tcp: netstring-framed JSON commands, JSON events back.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import queue
import random
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODULES = Path("/usr/lib/baresip/modules")
TONE_RATE = 8000


def have_baresip() -> bool:
    return shutil.which("baresip") is not None and (MODULES / "ctrl_tcp.so").exists()


def write_tone(path: Path, frequency: float, seconds: float = 20.0) -> Path:
    """A mono 16-bit sine wave: the phone's 'voice', recognisable by its frequency."""
    frames = bytearray()
    for i in range(int(TONE_RATE * seconds)):
        frames += struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * i / TONE_RATE)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TONE_RATE)
        out.writeframes(bytes(frames))
    return path


def dominant_frequency(path: Path) -> float:
    """The strongest frequency of a recording, by counting zero crossings of its middle part
    (enough for a clean sine; no FFT library needed)."""
    with wave.open(str(path), "rb") as recording:
        rate = recording.getframerate()
        channels = recording.getnchannels()
        raw = recording.readframes(recording.getnframes())
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)[::channels]
    loud = [s for s in samples if abs(s) > 500]
    if len(loud) < rate // 4:
        return 0.0
    start = next(i for i, s in enumerate(samples) if abs(s) > 500)
    part = samples[start : start + len(loud)]
    crossings = sum(1 for a, b in itertools.pairwise(part) if a < 0 <= b)
    return crossings * rate / len(part)


class PhoneError(AssertionError):
    pass


@dataclass
class Event:
    kind: str
    data: dict[str, Any]
    at: float = 0.0
    """When it arrived (time.monotonic), to tell the order of events on different phones."""


class Phone:
    """One running baresip: a SIP account and its ctrl_tcp connection."""

    def __init__(
        self, name: str, workdir: Path, process: subprocess.Popen[bytes], ctrl: int, sip_port: int
    ):
        self.name = name
        self.sip_port = sip_port
        self.rtp_port = sip_port + 4
        self.workdir = workdir
        self.process = process
        self._events: queue.Queue[Event] = queue.Queue()
        self._responses: queue.Queue[dict[str, Any]] = queue.Queue()
        self._seen: list[Event] = []
        self._sock = _connect(ctrl, process, workdir / "baresip.log")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._token = 0
        self._refusing = False

    # -- commands ------------------------------------------------------------------------------

    def send(self, command: str, params: str = "") -> None:
        """Send a command without waiting for its answer (baresip does not answer some,
        e.g. hangup; their effect shows in events)."""
        self._token += 1
        body = json.dumps({"command": command, "params": params, "token": str(self._token)})
        data = body.encode()
        self._sock.sendall(f"{len(data)}:".encode() + data + b",")

    def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict[str, Any]:
        self.send(command, params)
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self._responses.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise PhoneError(f"{self.name}: no answer to '{command}'") from None
            if answer.get("token") == str(self._token):
                return answer

    def dial(self, uri: str) -> None:
        self.command("dial", uri)

    def refuse_calls(self) -> None:
        """From now on, reject every incoming call as it rings (as a busy person would)."""
        self._refusing = True

    def hang_up(self) -> None:
        self.send("hangup")

    def accept(self) -> None:
        self.send("accept")

    # -- events ----------------------------------------------------------------------------------

    def wait_event(
        self, kind: str, timeout: float = 10.0, where: Callable[[Event], bool] | None = None
    ) -> Event:
        """The first event of `kind` (seen earlier or arriving within `timeout`), consumed."""
        for event in self._seen:
            if event.kind == kind and (where is None or where(event)):
                self._seen.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                seen = [e.kind for e in self._seen]
                raise PhoneError(f"{self.name}: no {kind} within {timeout}s (saw {seen})") from None
            if event.kind == kind and (where is None or where(event)):
                return event
            self._seen.append(event)

    def forget(self, kind: str) -> None:
        """Drop the `kind` events received so far: a later wait sees only new ones."""
        self._drain()
        self._seen = [event for event in self._seen if event.kind != kind]

    def has_seen(self, kind: str) -> bool:
        self._drain()
        return any(event.kind == kind for event in self._seen)

    def _drain(self) -> None:
        while True:
            try:
                self._seen.append(self._events.get_nowait())
            except queue.Empty:
                return

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b":" in buffer:
                length, _, rest = buffer.partition(b":")
                if not length.isdigit() or len(rest) < int(length) + 1:
                    break
                payload, buffer = rest[: int(length)], rest[int(length) + 1 :]
                message = json.loads(payload)
                if message.get("event"):
                    kind = str(message.get("type", ""))
                    if kind == "CALL_INCOMING" and self._refusing:
                        self.send("hangup")
                    self._events.put(Event(kind, message, time.monotonic()))
                elif message.get("response"):
                    self._responses.put(message)

    # -- stopping --------------------------------------------------------------------------------

    def stop(self, timeout: float = 3.0) -> None:
        if self.process.poll() is None:
            with suppress(OSError):
                self.send("quit")
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        with suppress(OSError):
            self._sock.close()

    def recording(self, which: str = "dec") -> Path:
        """What the phone heard ("dec") or said ("enc") in its one call, as sndfile wrote it."""
        [path] = (self.workdir / "recordings").glob(f"*-{which}.wav")
        return path

    def wait_recorded(self, seconds: float, timeout: float = 10.0) -> None:
        """Wait until the phone has recorded `seconds` of what it hears."""
        wanted = int(seconds * TONE_RATE * 2)
        deadline = time.monotonic() + timeout
        while True:
            found = list((self.workdir / "recordings").glob("*-dec.wav"))
            if found and found[0].stat().st_size >= wanted:
                return
            if time.monotonic() > deadline:
                raise PhoneError(f"{self.name}: recorded less than {seconds}s within {timeout}s")
            time.sleep(0.05)  # audio accrues continuously; no event marks an amount of it


def _connect(port: int, process: subprocess.Popen[bytes], log: Path) -> socket.socket:
    """Connect to the phone's ctrl_tcp once baresip has opened it."""
    deadline = time.monotonic() + 10.0
    while True:
        if process.poll() is not None:
            raise PhoneError(f"baresip exited early:\n{log.read_text(errors='replace')}")
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=1.0)
            connection.settimeout(None)  # the reader blocks until the phone says something
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise PhoneError(f"baresip's ctrl_tcp never opened:\n{log.read_text()}") from None
            time.sleep(0.05)  # the port is not open yet; nothing to wait on but retrying


_reserved: set[int] = set()
_reserving = threading.Lock()


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def port_block(size: int = 6) -> int:
    """The first of `size` consecutive free ports (even, for RTP), kept from later blocks.

    A phone listens for SIP on UDP and TCP at its port and for SIP/TLS on the next one, takes
    its control socket two above, and RTP/RTCP on the even pair four above: so phones' ports
    are at least two apart and never collide with one another. baresip binds its RTP ports
    only when a call starts, so the block lies below the kernel's ephemeral range: no socket
    bound to "any port" meanwhile (a driver's, a browser's, a resolver's) can land in it.
    """
    low, high = _PHONE_PORTS
    with _reserving:
        for _ in range(200):
            first = _random.randrange(low, high - size, 2)
            block = range(first, first + size)
            if not _reserved & set(block) and all(map(_bindable, block)):
                _reserved.update(block)
                return first
    raise PhoneError("no block of free ports found")


def _phone_ports() -> tuple[int, int]:
    """Ports for phones: below the ephemeral range the kernel hands out for port 0."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    high = max(ephemeral_low, 12000)
    return max(high - 12000, 10000), high


_PHONE_PORTS = _phone_ports()
_random = random.Random()


class PortTaken(PhoneError):
    pass


def _start(name: str, home: Path, account: str, tone: Path, record: bool) -> Phone:
    base = port_block()
    sip_port, ctrl_port, rtp_port = base, base + 2, base + 4
    modules = ["g711.so", "aufile.so", "alsa.so"]
    if record:
        modules.append("sndfile.so")
        (home / "recordings").mkdir(exist_ok=True)
    lines = [
        "poll_method epoll",
        "net_interface 127.0.0.1",
        f"sip_listen 127.0.0.1:{sip_port}",
        "audio_player alsa,null",
        f"audio_source aufile,{tone}",
        "audio_alert alsa,null",
        f"rtp_ports {rtp_port}-{rtp_port + 1}",
        f"module_path {MODULES}",
        *[f"module {module}" for module in modules],
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        f"snd_path {home / 'recordings'}",
    ]
    (home / "config").write_text("\n".join(lines) + "\n")
    # The account is added once the control socket is open, so no event (REGISTER_OK)
    # can be sent before anyone listens.
    (home / "accounts").write_text("")
    log = home / "baresip.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["baresip", "-4", "-f", str(home)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(home)},
        )
    try:
        running = Phone(name, home, process, ctrl_port, sip_port)
        running.command("uanew", account.format(sip_port=sip_port))
    except BaseException as error:
        process.kill()
        process.wait()
        if isinstance(error, PhoneError) and "Address already in use" in str(error):
            raise PortTaken(str(error)) from None
        raise
    return running


@contextmanager
def phone(
    workdir: Path,
    name: str,
    account: str,
    *,
    tone: Path,
    record: bool = False,
) -> Iterator[Phone]:
    """A baresip phone with `account` (an accounts-file line using {sip_port} if it needs its
    own port), playing `tone`, recording what it hears when `record`."""
    home = workdir / name
    home.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        try:
            running = _start(name, home, account, tone, record)
            break
        except PortTaken:
            # Another process took one of the ports between the probe and baresip's bind.
            if attempt == 2:
                raise
    try:
        yield running
    finally:
        running.stop()
