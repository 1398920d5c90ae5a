"""A throwaway HAProxy in front of several agentbar nodes, from Debian's `haproxy`: a free
loopback port (or the caller's), a config in a temporary directory, run in the foreground (no
daemon, no system service), stopped and removed afterwards.

HAProxy checks each node's /readyz every half second: a node that stops being ready leaves the
pool after two failed checks (about a second), a node that becomes ready joins at its next
check. WebSockets pass through: in http mode HAProxy forwards the `Connection: Upgrade`
handshake on its own and then tunnels the socket (`timeout tunnel`).
"""

from __future__ import annotations

import csv
import os
import re
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from agentbar.testing.server import stop_process
from examples.services.ports import free_port

BACKEND = "nodes"
"""The backend's name in the config, and so in HAProxy's statistics."""

POLL_INTERVAL = 0.05
"""HAProxy pushes nothing about its servers' states: its admin socket is asked this often."""

ServerStates = dict[str, str]
"""Each node's name (as given, else `node1`, `node2`, ... in the backends' order) and its state:
UP, DOWN, MAINT, ..."""


def haproxy_binary() -> str | None:
    # Debian installs it in /usr/sbin, which is not on an ordinary user's PATH.
    return shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def have_haproxy() -> bool:
    return haproxy_binary() is not None


def node_names(backends: list[int], names: list[str] | None) -> list[str]:
    """The backends' names in the config and in `server_states()`: `names`, else node1, ..."""
    if names is None:
        return [f"node{index + 1}" for index in range(len(backends))]
    if len(names) != len(backends) or len(set(names)) != len(names):
        raise ValueError(f"one distinct name per backend, got {names} for {backends}")
    if bad := [name for name in names if not re.fullmatch(r"[A-Za-z0-9_.:-]+", name)]:
        raise ValueError(f"HAProxy takes no such server names: {bad}")
    return names


def max_connections() -> int:
    """4096, or fewer when the open-file limit is lower: HAProxy wants two descriptors per
    connection (and a few of its own) and refuses to start when it cannot have them."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        return 4096
    return max(16, min(4096, (hard - 64) // 2))


def haproxy_config(
    port: int, backends: dict[str, int], admin_socket: Path, host: str = "127.0.0.1"
) -> str:
    servers = "".join(f"    server {name} 127.0.0.1:{p}\n" for name, p in backends.items())
    # No `log` line: HAProxy's own warnings and alerts go to its stderr, which is kept in a file.
    # `option redispatch` with `retries`: a request that cannot connect to a node that just
    # stopped (before two checks have failed) is retried on another node, not answered 503.
    # `timeout check 2s`: a check waits that long for `/readyz` (by default only the 500 ms
    # between checks), so a node whose loop is busy for a moment — the new owner while every
    # toolbar of a dead node resumes on it — is not pulled; a dead node refuses at once.
    return f"""\
global
    maxconn {max_connections()}
    stats socket {admin_socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout check 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    retries 2
    option redispatch

frontend agentbar
    bind {host}:{port}
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option httpchk
    # HTTP/1.1 with a Host agentbar answers to (a check without one is refused, 421).
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 1
{servers}"""


@dataclass
class HaproxyServer:
    port: int
    backends: dict[str, int]
    """Each node's name and loopback port."""
    process: subprocess.Popen[bytes]
    admin_socket: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/socket"

    def name_of(self, backend_port: int) -> str:
        """The node name HAProxy gives the backend on `backend_port`."""
        return next(name for name, port in self.backends.items() if port == backend_port)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def admin(self, command: str) -> str:
        """One command on HAProxy's admin socket, and its whole answer (it then closes)."""
        with closing(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)) as connection:
            connection.settimeout(5)
            connection.connect(str(self.admin_socket))
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> ServerStates:
        return {row["svname"]: _state(row["status"]) for row in self._server_rows()}

    def wait_until(
        self, predicate: Callable[[ServerStates], bool], timeout: float = 5.0
    ) -> ServerStates:
        """The first server states that satisfy `predicate`, polled every `POLL_INTERVAL`."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.server_states()
            if predicate(states):
                return states
            if time.monotonic() > deadline:
                raise TimeoutError(f"HAProxy's servers stayed {states}:\n{self.log()}")
            time.sleep(POLL_INTERVAL)

    def _server_rows(self) -> list[dict[str, str]]:
        # `show stat` is CSV whose header line starts with "# "; columns are read by name.
        text = self.admin("show stat").removeprefix("# ")
        return [
            row
            for row in csv.DictReader(text.splitlines())
            if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")
        ]

    def all_checked(self) -> bool:
        """Whether every server has had its first health check (before it, HAProxy shows a
        server UP whether or not it is ready)."""
        # A check under way shows as "* <last status>".
        return all(row["check_status"].removeprefix("* ") != "INI" for row in self._server_rows())


def _state(status: str) -> str:
    # "UP 1/2" is a server still up with one failed check of the two that take it down.
    return re.sub(r" \d+/\d+$", "", status)


@contextmanager
def haproxy_server(
    backends: list[int],
    names: list[str] | None = None,
    ready_timeout: float = 10.0,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
) -> Iterator[HaproxyServer]:
    """HAProxy balancing over the agentbar nodes on `backends` (loopback ports), named `names`
    (else node1, node2, ...) in its config and in `server_states()`, yielded once it
    answers on its admin socket and has checked every node once. It listens on `host`, on
    `port` when given (the demo's well-known port), else on a free one."""
    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError("HAProxy is not installed: run scripts/setup --haproxy")
    base = Path(tempfile.mkdtemp(prefix="agentbar-haproxy-"))
    port = port or free_port()
    config = base / "haproxy.cfg"
    named = dict(zip(node_names(backends, names), backends, strict=True))
    config.write_text(haproxy_config(port, named, base / "admin.sock", host))
    log_path = base / "haproxy.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, "-f", str(config), "-db"],  # -db: foreground, not a daemon
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = HaproxyServer(port, named, process, base / "admin.sock", log_path)
    try:
        _wait_started(server, ready_timeout)
        yield server
    finally:
        stop_process(process, timeout=5)
        shutil.rmtree(base, ignore_errors=True)


def _wait_started(server: HaproxyServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:  # no event to wait on: HAProxy says it is up by answering on its admin socket
        if server.process.poll() is not None:
            raise RuntimeError(f"haproxy exited early:\n{server.log()}")
        try:
            if server.all_checked():
                return
        except OSError:
            pass  # the admin socket is not there yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"haproxy did not start:\n{server.log()}")
        time.sleep(POLL_INTERVAL)
