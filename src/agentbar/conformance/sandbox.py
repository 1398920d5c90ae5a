"""The agentbar the kit talks to: a sandbox it starts (`agentbar serve --demo` as its own
process, SQLite in a temporary directory, the CRM page's origin allowed), or a running server
named with --server; either way reached only through its HTTP API."""

from __future__ import annotations

import errno
import socket
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from agentbar.conformance.errors import BadInput
from agentbar.testing.server import PortInUse, SandboxFailed, run_sandbox_server
from agentbar.try_again import TryAgainClient

READY_WITHIN = 60.0  # seconds for a fresh sandbox to migrate, seed the demo and listen
STOP_WITHIN = 10.0
TRY_FOR = 10.0
"""Seconds a request goes on being sent while the server answers it did nothing (busy, its
database locked a moment, a simulated call not stored): agentbar.try_again."""


@dataclass(frozen=True)
class Agentbar:
    """A server's base URL and the admin token its simulator API takes."""

    base_url: str
    admin_token: str

    def _client(self) -> httpx.Client:
        return TryAgainClient(
            try_for=TRY_FOR,
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10.0,
        )

    def place_call(self, phone: str, campaign: str) -> str:
        """A simulated customer calls from `phone` into the inbound `campaign`: its call id."""
        with self._client() as client:
            response = client.post(
                "/api/v1/simulator/calls", json={"from": phone, "campaign": campaign}
            )
        if response.status_code in (401, 403):
            raise BadInput(f"{self.base_url} refused the admin token (HTTP {response.status_code})")
        if response.status_code != 201:
            raise BadInput(
                f"{self.base_url} did not place a call from {phone} into '{campaign}': "
                f"HTTP {response.status_code} {_detail(response)}"
            )
        call_id: str = response.json()["callId"]
        return call_id

    def hang_up(self, call_id: str) -> None:
        """The simulated customer of `call_id` hangs up (a call already over is no error)."""
        with self._client() as client:
            response = client.post(f"/api/v1/simulator/calls/{call_id}/hangup")
        if response.status_code not in (204, 404):
            raise BadInput(
                f"{self.base_url} did not hang up {call_id}: HTTP {response.status_code} "
                f"{_detail(response)}"
            )

    def put_progressive_campaign(self, name: str, agents: list[str]) -> str | None:
        """An outbound campaign `name` dialling progressively, worked by `agents`, with the
        demo's codes: None once made, else why the server would not."""
        body = {
            "kind": "outbound",
            "dialMode": "progressive",
            "dispositions": [
                {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]},
                {"dispositionClass": "Follow Up", "dispositionCodes": ["Callback", "Escalated"]},
            ],
            "agents": agents,
            "callingHours": "00:00-24:00",  # a run may come at any hour
        }
        with self._client() as client:
            response = client.put(f"/api/v1/campaigns/{quote(name, safe='')}", json=body)
        if response.status_code in (200, 201, 204):
            return None
        return f"HTTP {response.status_code} {_detail(response)}".strip()

    def add_lead(self, campaign: str, phone: str) -> str | None:
        """A lead for `phone` appended to the outbound `campaign`'s list: None once done, else
        why the server would not."""
        with self._client() as client:
            response = client.post(
                f"/api/v1/campaigns/{quote(campaign, safe='')}/leads",
                json={"leads": [{"phone": phone}]},
            )
        if response.status_code in (200, 201):
            return None
        return f"HTTP {response.status_code} {_detail(response)}".strip()

    def log_out_agent(self, agent_id: str) -> str | None:
        """A supervisor logs `agent_id` out: None once done, else why the server would not."""
        with self._client() as client:
            response = client.post(f"/api/v1/agents/{quote(agent_id, safe='')}/logout")
        if response.status_code == 204:
            return None
        return f"HTTP {response.status_code} {_detail(response)}".strip()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", ""))
    except ValueError:
        return response.text[:200]


def running_server(url: str, admin_token: str | None) -> Agentbar:
    """A server someone else runs: it must answer, and the kit needs its admin token."""
    if not admin_token:
        raise BadInput("--server needs --admin-token (the simulator API places the test calls)")
    base = url.rstrip("/")
    try:
        response = httpx.get(f"{base}/readyz", timeout=5.0)
    except httpx.HTTPError as error:
        raise BadInput(f"cannot reach the agentbar server at {base}: {error}") from None
    if response.status_code != 200:
        raise BadInput(
            f"the agentbar server at {base} is not ready (/readyz: {response.status_code})"
        )
    # Asked now, so a wrong token or a server without the simulator stops the run before it starts.
    probe = httpx.get(
        f"{base}/api/v1/simulator/abandon-messages",
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=5.0,
    )
    if probe.status_code in (401, 403):
        raise BadInput(f"{base} refused the admin token (HTTP {probe.status_code})")
    if probe.status_code != 200:
        raise BadInput(f"{base} has no simulator API to place the test calls: {_detail(probe)}")
    return Agentbar(base, admin_token)


def check_port_free(port: int) -> None:
    """Bad input when something listens on 127.0.0.1:`port` already."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        # As the server binds: a previous run's connections still in TIME_WAIT are no user.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise BadInput(_port_in_use(port)) from None
            raise BadInput(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None


def _port_in_use(port: int) -> str:
    return (
        f"port {port} on 127.0.0.1 is in use, so the sandbox agentbar cannot listen there: "
        "stop what listens on it, or pass --port (and point the CRM page's glue script and "
        "iframe at that port)"
    )


@contextmanager
def sandbox(
    port: int, crm_origin: str, sso_url: str | None = None, sso_format: str = "json"
) -> Iterator[Agentbar]:
    """`agentbar serve --demo` on 127.0.0.1:`port`, allowing `crm_origin`, its data in a
    temporary directory removed afterwards; yielded once /readyz answers."""
    check_port_free(port)
    # A CRM under test usually listens on this machine: its SSO endpoint is private.
    extra = {"AGENTBAR_ALLOW_PRIVATE_TARGETS": "true"}
    if sso_url is not None:
        extra |= {"AGENTBAR_CRM_SSO_URL": sso_url, "AGENTBAR_CRM_SSO_FORMAT": sso_format}
    with tempfile.TemporaryDirectory(prefix="agentbar-conformance-") as data_dir:
        try:
            with run_sandbox_server(
                Path(data_dir), [crm_origin], extra, READY_WITHIN, STOP_WITHIN, port=port
            ) as server:
                yield Agentbar(server.base_url, server.admin_token)
        except PortInUse:
            raise BadInput(_port_in_use(port)) from None
        except SandboxFailed:
            last = _last_line(Path(data_dir) / "server.log")
            raise BadInput(f"the sandbox agentbar did not start: {last}") from None


def _last_line(log: Path) -> str:
    if not log.exists():
        return "no output"
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
