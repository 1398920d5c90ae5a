"""The HTTP edge, driven as an ASGI application with hand-made messages: what it answers on
the headers alone, what it lets through, and how much of a body it hands on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from agentbar.web.admin_guard import AdminGuard, Verdict
from agentbar.web.edge import Edge, EdgePolicy, host_rule
from agentbar.web.security import AdminToken

TOKEN = "the-admin-token-of-128-bits-at-least"
ADMIN = ("authorization", f"Bearer {TOKEN}")
KIB = 1024


@dataclass
class InnerApp:
    """The application behind the edge: records that it ran and what body it was handed."""

    called: bool = False
    body: bytes = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        while True:
            message = await receive()
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@dataclass
class Exchange:
    """One request through the edge: the chunks the client would send, counted as read."""

    chunks: list[bytes] = field(default_factory=list)
    reads: int = 0
    sent: list[Message] = field(default_factory=list)

    async def receive(self) -> Message:
        self.reads += 1
        if self.reads > len(self.chunks):
            return {"type": "http.disconnect"}
        more = self.reads < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.reads - 1], "more_body": more}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        if self.sent[0]["type"] == "websocket.close":
            return 403  # what the server answers a handshake closed before it was accepted
        status: int = self.sent[0]["status"]
        return status

    def header(self, name: str) -> str | None:
        for key, value in self.sent[0].get("headers", []):
            if key.decode().lower() == name:
                return str(value.decode())
        return None

    def detail(self) -> Any:
        return json.loads(self.sent[1]["body"])["detail"]


def scope(
    path: str = "/api/v1/agents",
    *headers: tuple[str, str],
    host: str | None = "127.0.0.1:8080",
    kind: str = "http",
    method: str = "GET",
    client: str = "192.0.2.7",
) -> Scope:
    raw = [(k.encode(), v.encode("latin-1")) for k, v in headers]
    if host is not None:
        raw.append((b"host", host.encode()))
    return {"type": kind, "path": path, "method": method, "headers": raw, "client": (client, 1)}


def edge(
    policy: EdgePolicy | None = None, guard: AdminGuard | None = None
) -> tuple[Edge, InnerApp]:
    inner = InnerApp()
    guard = guard or AdminGuard(AdminToken(TOKEN))
    return Edge(inner, policy or EdgePolicy(max_body_bytes=4 * KIB), guard), inner


async def run(app: Edge, request: Scope, chunks: list[bytes] | None = None) -> Exchange:
    exchange = Exchange(chunks=chunks or [b""])
    await app(request, exchange.receive, exchange.send)
    return exchange


async def test_a_body_declared_over_the_limit_is_refused_without_reading_it() -> None:
    app, inner = edge()
    request = scope("/api/v1/simulator/calls", ADMIN, ("content-length", str(5 * KIB)))
    exchange = await run(app, request, [b"x" * 5 * KIB])
    assert exchange.status == 413
    assert exchange.reads == 0
    assert not inner.called
    assert exchange.header("connection") == "close"
    assert exchange.detail() == f"the request body is larger than {4 * KIB} bytes"


async def test_a_chunked_body_is_cut_off_where_it_crosses_the_limit() -> None:
    app, inner = edge()
    request = scope("/api/v1/simulator/calls", ADMIN, ("transfer-encoding", "chunked"))
    exchange = await run(app, request, [b"a" * 3 * KIB, b"b" * 3 * KIB, b"c" * KIB])
    assert exchange.status == 413
    assert inner.body == b"a" * 3 * KIB  # the chunk that crossed the limit was never handed on
    assert exchange.reads == 2


async def test_a_body_within_the_limit_passes_whole() -> None:
    app, inner = edge()
    request = scope("/api/v1/simulator/calls", ADMIN, ("transfer-encoding", "chunked"))
    exchange = await run(app, request, [b"a" * 2 * KIB, b"b" * 2 * KIB])
    assert exchange.status == 200
    assert inner.body == b"a" * 2 * KIB + b"b" * 2 * KIB


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/config", 200),
        ("/api/v1/campaigns/Outbound%20Sales/leads", 200),
        ("/api/v1/campaigns/Sales/leads", 200),
        ("/api/v1/campaigns/Sales", 413),
        ("/api/v1/config/extra", 413),
        ("/api/v1/agents", 413),
    ],
)
async def test_uploads_of_whole_files_have_their_own_limit(path: str, status: int) -> None:
    app, _ = edge(EdgePolicy(max_body_bytes=4 * KIB, max_upload_bytes=64 * KIB))
    body = b"x" * 32 * KIB
    exchange = await run(app, scope(path, ADMIN, ("content-length", str(len(body)))), [body])
    assert exchange.status == status


@pytest.mark.parametrize("length", ["12x", "-1", "", "\u00b2", "1" * 40])
async def test_a_content_length_that_is_no_number_is_refused(length: str) -> None:
    app, inner = edge()
    exchange = await run(app, scope("/api/v1/agents", ADMIN, ("content-length", length)))
    assert exchange.status == 400
    assert not inner.called


async def test_an_admin_route_without_the_token_is_refused_before_its_body_is_read() -> None:
    app, inner = edge()
    request = scope("/api/v1/simulator/calls", ("content-length", str(50 * 1024 * KIB)))
    exchange = await run(app, request)
    assert exchange.status == 401
    assert exchange.header("www-authenticate") == "Bearer"
    assert exchange.detail().startswith("admin token required")
    assert exchange.reads == 0
    assert not inner.called


@pytest.mark.parametrize("authorization", ["Basic abc", "Bearer", "Bearer   ", TOKEN])
async def test_anything_but_a_bearer_token_is_no_token(authorization: str) -> None:
    app, _ = edge()
    exchange = await run(app, scope("/api/v1/agents", ("authorization", authorization)))
    assert exchange.status == 401


async def test_a_wrong_token_is_forbidden_and_the_route_never_runs() -> None:
    app, inner = edge()
    exchange = await run(app, scope("/api/v1/agents", ("authorization", "Bearer wrong")))
    assert exchange.status == 403
    assert exchange.detail() == "admin token is not valid"
    assert not inner.called


async def test_wrong_tokens_are_throttled_per_address_but_the_right_one_passes() -> None:
    app, _ = edge()
    wrong = ("authorization", "Bearer wrong")
    statuses = [(await run(app, scope("/api/v1/agents", wrong))).status for _ in range(11)]
    assert statuses == [403] * 10 + [429]
    throttled = await run(app, scope("/api/v1/agents", wrong))
    assert throttled.status == 429
    assert throttled.header("retry-after") == "60"
    assert (await run(app, scope("/api/v1/agents", ADMIN))).status == 200
    elsewhere = await run(app, scope("/api/v1/agents", wrong, client="198.51.100.1"))
    assert elsewhere.status == 403


async def test_pages_and_sockets_need_no_admin_token() -> None:
    app, _ = edge()
    assert (await run(app, scope("/ameyowebaccess/toolbar-crm.htm"))).status == 200
    assert (await run(app, scope("/api/v1/socket", kind="websocket"))).sent == [
        {"type": "websocket.accept"}
    ]


async def test_metrics_need_the_admin_token_unless_public() -> None:
    app, _ = edge()
    assert (await run(app, scope("/metrics"))).status == 401
    assert (await run(app, scope("/metrics", ADMIN))).status == 200
    public, _ = edge(EdgePolicy(public_metrics=True))
    assert (await run(public, scope("/metrics"))).status == 200


PUBLIC = EdgePolicy.of(
    public_url="https://agentbar.example",
    allowed_hosts=["Other.Example", "*.corp.example", "pinned.example:8443"],
    listen_host="0.0.0.0",
)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1:8080",
        "10.1.2.3:80",
        "[::1]:8080",
        "[2001:db8::1]",
        "localhost:9",
        "LOCALHOST",
        "agentbar.example",
        "agentbar.example:443",
        "AgentBar.Example.",
        "other.example:1234",
        "a.corp.example",
        "b.a.corp.example:99",
        "pinned.example:8443",
    ],
)
def test_hosts_answered(host: str) -> None:
    assert PUBLIC.allows_host(host)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example",
        "evil.example:8080",
        "agentbar.example.evil.example",
        "corp.example",  # "*.corp.example" is its subdomains, not itself
        "pinned.example",
        "pinned.example:8080",
        "::1",  # an IPv6 literal in a Host must be bracketed
        "[::1",
        "[evil.example]:80",
        "127.0.0.1:99999",
        "127.0.0.1:",
        "127.0.0.1:80:80",
        "bad host",
        "evil.example/path",
    ],
)
def test_hosts_refused(host: str | None) -> None:
    assert not PUBLIC.allows_host(host)


async def test_a_foreign_host_is_refused_naming_the_settings_to_change() -> None:
    app, inner = edge()
    exchange = await run(app, scope("/ameyowebaccess/toolbar-crm.htm", host="evil.example"))
    assert exchange.status == 421
    assert "AGENTBAR_PUBLIC_URL" in exchange.detail()
    assert "AGENTBAR_ALLOWED_HOSTS" in exchange.detail()
    assert not inner.called


async def test_two_host_headers_are_refused() -> None:
    app, inner = edge()
    request = scope("/healthz", ("host", "evil.example"), host="127.0.0.1")
    assert (await run(app, request)).status == 421
    assert not inner.called


async def test_a_socket_handshake_with_a_foreign_host_is_closed_before_it_is_accepted() -> None:
    app, inner = edge()
    request = scope(
        "/api/v1/socket", ("origin", "http://evil.example"), host="evil.example", kind="websocket"
    )
    exchange = await run(app, request)
    assert exchange.sent == [
        {"type": "websocket.close", "code": 1008, "reason": "host not allowed"}
    ]
    assert not inner.called


async def test_other_scopes_pass_untouched() -> None:
    app, inner = edge()
    await run(app, {"type": "lifespan"})
    assert inner.called


def test_an_allowed_host_entry_that_is_no_host_is_refused_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match=r"AGENTBAR_ALLOWED_HOSTS: 'https://x\.example'"):
        host_rule("https://x.example")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_the_throttle_ends_with_its_window(clock: FakeClock) -> None:
    guard = AdminGuard(AdminToken(TOKEN), limit=2, window=60.0, clock=clock)
    verdicts = [guard.check("wrong", "192.0.2.7").verdict for _ in range(3)]
    assert verdicts == [Verdict.WRONG, Verdict.WRONG, Verdict.THROTTLED]
    clock.now += 45.5
    assert guard.check("wrong", "192.0.2.7").retry_after == 15
    assert guard.check(TOKEN, "192.0.2.7").verdict is Verdict.ACCEPTED
    clock.now += 15
    assert guard.check("wrong", "192.0.2.7").verdict is Verdict.WRONG


def test_the_throttle_remembers_a_bounded_number_of_addresses(clock: FakeClock) -> None:
    guard = AdminGuard(AdminToken(TOKEN), limit=1, tracked=3, clock=clock)
    for address in ("a", "a", "b", "c", "d"):
        guard.failed(address)
    assert guard.retry_after("a") == 0  # forgotten: the oldest of four with room for three
    guard.failed("d")
    assert guard.retry_after("d") == 60
