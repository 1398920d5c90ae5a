"""The HTTP edge on a real server: uploads answered before they are read, foreign hosts
refused (DNS rebinding), wrong admin tokens throttled, /metrics and /docs behind settings."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.conftest import CRM_ORIGIN
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server

MIB = 1024 * 1024
UPLOAD = 50 * MIB
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    """One server for the tests that leave no trace on it (none sends a wrong token)."""
    with agentbar_server(tmp_path_factory.mktemp("edge") / "agentbar", [CRM_ORIGIN]) as running:
        yield running


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    """A server behind its public name, with public metrics and no API pages."""
    env = {
        "AGENTBAR_PUBLIC_URL": "https://agentbar.example",
        "AGENTBAR_API_DOCS": "false",
        "AGENTBAR_PUBLIC_METRICS": "true",
    }
    data_dir = tmp_path_factory.mktemp("edge-public") / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN], extra_env=env) as running:
        yield running


def rss_kib(server: AgentbarServer) -> int:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/<pid>/status")


class CountedBody:
    """A large body made as it is sent, counting what the client managed to send."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size = size
        self.chunk = chunk
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.size:
            self.sent += self.chunk
            yield b"x" * self.chunk


def test_an_unauthenticated_upload_is_answered_before_its_body_is_sent(
    shared: AgentbarServer,
) -> None:
    head = (
        "POST /api/v1/simulator/calls HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{shared.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {UPLOAD}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", shared.port), timeout=5) as client:
        client.sendall(head.encode())  # and not a byte of the body
        answer = b""
        while chunk := client.recv(65536):  # until the server closes the connection
            answer += chunk
    status_line, _, rest = answer.decode().partition("\r\n")
    assert status_line == "HTTP/1.1 401 Unauthorized"
    assert "www-authenticate: Bearer" in rest
    assert "connection: close" in rest


def test_unauthenticated_uploads_cost_the_server_no_memory(shared: AgentbarServer) -> None:
    before = rss_kib(shared)
    for _ in range(6):
        body = CountedBody(UPLOAD)
        answer = httpx.post(
            f"{shared.base_url}/api/v1/simulator/calls",
            content=iter(body),
            headers={"Content-Length": str(UPLOAD), "Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 401
        # The server closed the connection: the client could not send the upload.
        assert body.sent < UPLOAD // 4
    assert rss_kib(shared) - before < 5 * 1024


def test_an_authenticated_body_over_the_limit_is_refused(shared: AgentbarServer) -> None:
    url = f"{shared.base_url}/api/v1/simulator/calls"
    declared = httpx.post(url, content=b" " * (2 * MIB), headers=ADMIN)
    assert declared.status_code == 413
    assert declared.json() == {"detail": f"the request body is larger than {MIB} bytes"}
    chunked_body = CountedBody(UPLOAD)
    chunked = httpx.post(url, content=iter(chunked_body), headers=ADMIN, timeout=30)
    assert chunked.status_code == 413
    assert chunked_body.sent < UPLOAD // 4


def test_the_configuration_takes_a_larger_upload(shared: AgentbarServer) -> None:
    yaml = b"# a comment\n" * (2 * MIB // 12)
    answer = httpx.put(
        f"{shared.base_url}/api/v1/config",
        content=yaml,
        headers={**ADMIN, "Content-Type": "application/yaml"},
        timeout=30,
    )
    assert answer.status_code not in (413, 500)


def test_a_foreign_host_is_refused(shared: AgentbarServer) -> None:
    answer = httpx.get(f"{shared.base_url}/healthz", headers={"Host": "evil.example"})
    assert answer.status_code == 421
    assert "AGENTBAR_ALLOWED_HOSTS" in answer.json()["detail"]


def handshake(server: AgentbarServer, path: str, host: str, origin: str) -> None:
    """Opens and closes a socket at `path` naming `host`, reached at the server's address
    (as a browser whose DNS was re-pointed would)."""
    reached = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    with connect(f"ws://{host}{path}", sock=reached, origin=Origin(origin), open_timeout=5):
        pass


@pytest.mark.parametrize("path", ["/api/v1/socket", "/api/v1/supervisor/socket"])
def test_a_socket_handshake_naming_a_foreign_host_is_refused(
    shared: AgentbarServer, path: str
) -> None:
    # A rebinding page's own origin: the sockets take agentbar's own origin (the one the Host
    # names), and here Host and Origin agree.
    host = f"evil.example:{shared.port}"
    with pytest.raises(InvalidStatus) as refused:
        handshake(shared, path, host, f"http://{host}")
    assert refused.value.response.status_code == 403


def test_the_public_urls_host_is_answered(public: AgentbarServer) -> None:
    named = httpx.get(f"{public.base_url}/healthz", headers={"Host": "agentbar.example"})
    assert named.status_code == 200
    handshake(public, "/api/v1/socket", "agentbar.example", "http://agentbar.example")
    other = httpx.get(f"{public.base_url}/healthz", headers={"Host": "evil.example"})
    assert other.status_code == 421


def test_wrong_admin_tokens_are_throttled_but_the_right_one_is_not(
    server: AgentbarServer,
) -> None:
    wrong = {"Authorization": "Bearer not-the-admin-token"}
    with httpx.Client(base_url=server.base_url) as client:
        answers = [client.get("/api/v1/agents", headers=wrong) for _ in range(11)]
        assert [a.status_code for a in answers] == [403] * 10 + [429]
        assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
        assert client.get("/api/v1/agents", headers=ADMIN).status_code == 200
    supervisor = f"ws://127.0.0.1:{server.port}/api/v1/supervisor/socket"
    with connect(supervisor, origin=Origin(server.base_url)) as socket_:
        socket_.send(json.dumps({"cmd": "auth", "token": "not-the-admin-token"}))
        with pytest.raises(ConnectionClosed) as closed:
            socket_.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
    assert closed.value.rcvd.reason.startswith("too many wrong admin tokens; retry in ")


def test_metrics_need_the_admin_token_unless_public(
    shared: AgentbarServer, public: AgentbarServer
) -> None:
    assert httpx.get(f"{shared.base_url}/metrics").status_code == 401
    assert httpx.get(f"{shared.base_url}/metrics", headers=ADMIN).status_code == 200
    assert httpx.get(f"{public.base_url}/metrics").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_api_pages_exist_only_when_enabled(
    shared: AgentbarServer, public: AgentbarServer, path: str
) -> None:
    assert httpx.get(f"{shared.base_url}{path}").status_code == 200
    assert httpx.get(f"{public.base_url}{path}").status_code == 404
