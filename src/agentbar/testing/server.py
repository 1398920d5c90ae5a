"""`agentbar serve` as a sandbox process for a CRM team's tests: the simulator, demo data,
SQLite in a directory of its own, a free loopback port; ready once /readyz answers."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SOCKET_CLIENT_ORIGIN = "http://agentbar-testing.invalid"
"""The CRM origin agents logged in without a browser (`Sandbox.log_in_agent`) name. Always
allowed by the sandbox: `.invalid` is reserved (RFC 2606), so no real page has this origin."""

PORT_IN_USE = 4
"""`agentbar serve`'s exit status when it cannot take its port."""
PORT_ATTEMPTS = 3
"""Free ports tried: another process may take the one picked before the server binds it."""
READY_POLL_SECONDS = 0.05
SERVING_ANNOUNCEMENT = "agentbar is serving on "
"""What `agentbar serve` logs once it serves. It binds its port before anything else, so once
this is in its log the port is its own; a /readyz answered before then may come from whatever
else took the port after it was picked (and the server then exits for want of it)."""


class SandboxFailed(RuntimeError):
    """The sandbox server exited early or never became ready; the message carries its log."""


class PortInUse(SandboxFailed):
    """The port asked for was taken: the sandbox could not listen there."""


class AdminRequestRefused(Exception):
    """The sandbox's admin API refused a request: the message says which and why."""


def answered(response: httpx.Response) -> httpx.Response:
    """The response, if it succeeded; else AdminRequestRefused with the server's reason
    (its `detail`), which is what a developer needs to see in a failed test."""
    if response.is_success:
        return response
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    request = response.request
    raise AdminRequestRefused(
        f"{request.method} {request.url.path} answered {response.status_code}: {detail}"
    )


@dataclass(frozen=True)
class ServerProcess:
    """A running sandbox server: where it listens, its admin token, its files."""

    process: subprocess.Popen[bytes]
    port: int
    admin_token: str
    data_dir: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """What the server has written so far (its start lines, warnings, errors)."""
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel picks it)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sandbox_environment(
    admin_token: str, allowed_origins: Sequence[str], extra: Mapping[str, str]
) -> dict[str, str]:
    """The server's environment: the caller's, minus any AGENTBAR_* setting of theirs (a
    developer's own database URL or SIP settings must not leak into a sandbox), plus the
    sandbox's own settings, plus `extra` (AGENTBAR_* names) on top."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("AGENTBAR_")}
    return {
        **inherited,
        "AGENTBAR_TELEPHONY": "simulator",
        "AGENTBAR_ADMIN_TOKEN": admin_token,
        "AGENTBAR_ALLOWED_ORIGINS": ",".join([*allowed_origins, SOCKET_CLIENT_ORIGIN]),
        **extra,
    }


@contextmanager
def run_sandbox_server(
    data_dir: Path,
    allowed_origins: Sequence[str] = (),
    extra_environment: Mapping[str, str] | None = None,
    ready_timeout: float = 30.0,
    stop_timeout: float = 10.0,
    port: int | None = None,
) -> Iterator[ServerProcess]:
    """`agentbar serve --demo` on a free port (or on `port`: PortInUse if it is taken),
    yielded once /readyz answers 200; terminated on the way out (killed if it lingers past
    `stop_timeout`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    admin_token = secrets.token_urlsafe(24)
    env = sandbox_environment(admin_token, allowed_origins, extra_environment or {})
    attempts = PORT_ATTEMPTS if port is None else 1
    for attempt in range(1, attempts + 1):
        port_now = free_port() if port is None else port
        log_path = data_dir / "server.log"
        command = [sys.executable, "-m", "agentbar", "serve", "--demo", "--port", str(port_now)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*command, "--data-dir", str(data_dir)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(process, port_now, admin_token, data_dir, log_path)
        try:
            started = _wait_ready(server, ready_timeout)
        except BaseException:
            stop_process(process, stop_timeout)
            raise
        if started:
            break
        if port is not None:
            raise PortInUse(f"port {port} is in use:\n{server.log()}")
        if attempt == PORT_ATTEMPTS:
            raise SandboxFailed(f"no free port after {PORT_ATTEMPTS} tries:\n{server.log()}")
    try:
        yield server
    finally:
        stop_process(server.process, stop_timeout)


def _wait_ready(server: ServerProcess, timeout: float) -> bool:
    """True once /readyz answers 200; False if the port was taken meanwhile (try another)."""
    deadline = time.monotonic() + timeout
    url = f"{server.base_url}/readyz"
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            status = server.process.poll()
            if status == PORT_IN_USE:
                return False
            if status is not None:
                raise SandboxFailed(f"agentbar exited with status {status}:\n{server.log()}")
            try:
                if client.get(url).status_code == 200 and SERVING_ANNOUNCEMENT in server.log():
                    return True
            except httpx.TransportError:
                pass  # not listening yet
            # Polled: a starting process gives no other signal that it serves.
            time.sleep(READY_POLL_SECONDS)
    raise SandboxFailed(f"agentbar was not ready within {timeout:g} s:\n{server.log()}")


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Terminate `process` and wait for it, killing it if it lingers past `timeout` seconds
    (nothing to do if it has exited)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
