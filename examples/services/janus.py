"""A throwaway Janus for tests and the demo, from Debian's `janus` package: the configuration
shipped beside this file (janus/*.jcfg) filled in with a free loopback port for its WebSocket
API, fresh secrets and a temporary directory; stopped and removed afterwards.

Janus gathers ICE candidates on the machine's non-loopback interfaces only (it skips loopback
by design), so the browser and Janus meet on the machine's own address; SIP and plain RTP stay
on loopback.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from agentbar.testing.server import stop_process
from examples.services.ports import free_port

SHIPPED = Path(__file__).with_name("janus")
LIBRARY = Path("/usr/lib/x86_64-linux-gnu/janus")
JANUS_JS = Path("/usr/share/javascript/janus-gateway/janus.js")
ADAPTER_JS = Path("/usr/share/javascript/webrtc-adapter/adapter.js")


def janus_binary() -> str | None:
    return shutil.which("janus") or next(
        (str(p) for p in (Path("/usr/bin/janus"),) if p.exists()), None
    )


def have_janus() -> bool:
    return janus_binary() is not None and (LIBRARY / "plugins" / "libjanus_sip.so").exists()


@dataclass
class JanusServer:
    ws_port: int
    token_secret: str
    admin_secret: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _port_window(size: int) -> str:
    """A random window of UDP ports, so two Janus processes on one machine rarely meet (and
    Janus skips a port in use anyway)."""
    start = random.randrange(20000, 60000 - size, 2)
    return f"{start}-{start + size - 1}"


def _write_config(folder: Path, values: dict[str, str]) -> None:
    for template in SHIPPED.glob("*.jcfg"):
        text = Template(template.read_text()).substitute(values)
        (folder / template.name).write_text(text)


def _answers_info(port: int) -> bool:
    """True once Janus itself answers an `info` request on its WebSocket API (the transport is
    the last thing it starts). A port that merely accepts a connection is not enough: another
    program may have taken the port chosen for it in the meantime."""
    try:
        with connect(
            f"ws://127.0.0.1:{port}/",
            subprotocols=[Subprotocol("janus-protocol")],
            open_timeout=0.5,
            proxy=None,
        ) as probe:
            probe.send(json.dumps({"janus": "info", "transaction": "ready"}))
            answer = json.loads(probe.recv(timeout=2.0))
    except (OSError, TimeoutError, WebSocketException, ValueError):
        return False
    return isinstance(answer, dict) and answer.get("janus") == "server_info"


@contextmanager
def janus_server(ready_timeout: float = 20.0) -> Iterator[JanusServer]:
    binary = janus_binary()
    if binary is None:
        raise RuntimeError("janus is not installed: scripts/setup --janus installs it")
    base = Path(tempfile.mkdtemp(prefix="agentbar-janus-"))
    ws_port = free_port()
    token_secret, admin_secret = secrets.token_hex(16), secrets.token_hex(16)
    _write_config(
        base,
        {
            "configs": str(base),
            "plugins": str(LIBRARY / "plugins"),
            "transports": str(LIBRARY / "transports"),
            "events": str(LIBRARY / "events"),
            "loggers": str(LIBRARY / "loggers"),
            "token_secret": token_secret,
            "admin_secret": admin_secret,
            "rtp_ports": _port_window(2000),
            "sip_rtp_ports": _port_window(2000),
            "bridge_rtp_ports": _port_window(2000),
            "ws_port": str(ws_port),
            "ws_host": "127.0.0.1",
            "sip_host": "127.0.0.1",
        },
    )
    log = base / "janus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "--config", str(base / "janus.jcfg"), "--configs-folder", str(base),
             "--disable-colors"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=base,
        )  # fmt: skip
    server = JanusServer(ws_port, token_secret, admin_secret, process, log)
    try:
        deadline = time.monotonic() + ready_timeout
        while not _answers_info(ws_port):  # nothing to wait on but Janus's own answer
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"janus did not start:\n{server.log_text()[-4000:]}")
            time.sleep(0.05)
        yield server
    finally:
        stop_process(process, timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def describe(server: JanusServer) -> str:
    return json.dumps({"url": server.url, "pid": server.process.pid})
