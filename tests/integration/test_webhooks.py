"""Webhooks against a real HTTP receiver: signed, in order, retried with backoff, each event
acknowledged once and logged; with private targets not allowed (the default), URLs that point
inside the network are refused when configured and before each delivery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentbar.drivers.storage.sql import SqlDatabase
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

SECRET = "a-webhook-secret-long-enough"


@dataclass
class Receiver:
    url: str
    failures_left: int
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.changed:
            code = 500 if self.failures_left > 0 else 200
            self.failures_left -= 1
            self.received.append((headers, body, code))
            self.changed.notify_all()
            return code

    def acknowledged(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, code in self.received if code == 200]

    def wait_acknowledged(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.acknowledged()) >= count, timeout)
            return self.acknowledged()


@contextmanager
def receiver(failures: int) -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            code = holder[0].answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(f"http://127.0.0.1:{httpd.server_address[1]}/hook", failures))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_events_reach_a_receiver_signed_once_each_despite_failures(
    server: AgentbarServer,
) -> None:
    with receiver(failures=2) as hook, server.admin() as admin:
        body = {"url": hook.url, "secret": SECRET}
        assert admin.put("/api/v1/webhooks/crm", json=body).status_code == 204
        with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
            get_ready(toolbar, inbound_campaign(log_in(toolbar)))
        last_seq = admin.get("/api/v1/events", params={"limit": 1000}).json()["last"]
        delivered = hook.wait_acknowledged(last_seq)

        assert [e["seq"] for e in delivered] == list(range(1, last_seq + 1))
        # One casing on every wire: the webhook body is the event as the events API gives it.
        stored = admin.get("/api/v1/events", params={"limit": 1000}).json()["events"]
        assert [e["data"] for e in delivered] == [e["data"] for e in stored]
        keys = {key for e in delivered for key in (*e, *e["data"])}
        assert {"agentId", "callId", "sessionId", "campaignId"} <= keys
        assert not [key for key in keys if "_" in key]
        first_seq_attempts = [json.loads(b)["seq"] for _, b, _ in hook.received[:3]]
        assert first_seq_attempts == [1, 1, 1]
        assert [code for *_, code in hook.received[:3]] == [500, 500, 200]
        for headers, raw, _ in hook.received:
            stamp = headers["x-agentbar-timestamp"]
            mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
            assert headers["x-agentbar-signature"] == f"v1={mac.hexdigest()}"
            assert headers["x-agentbar-seq"] == str(json.loads(raw)["seq"])

        # The receiver has answered; agentbar logs each answer just after it arrives.
        deadline = time.monotonic() + 10
        while admin.get("/api/v1/webhooks").json()[0]["deliveredUpTo"] < last_seq:
            assert time.monotonic() < deadline, "the last acknowledgment was never logged"
            time.sleep(0.05)  # no event to wait on: agentbar's log is read over HTTP
        log = admin.get("/api/v1/webhooks/crm/deliveries", params={"limit": 1000}).json()
        first = [(d["attempt"], d["status"]) for d in log if d["seq"] == 1]
        assert first == [(1, "failed"), (2, "failed"), (3, "delivered")]
        assert [d["seq"] for d in log if d["status"] == "delivered"] == list(range(1, last_seq + 1))
        [listed] = admin.get("/api/v1/webhooks").json()
        assert listed == {"name": "crm", "url": hook.url, "deliveredUpTo": last_seq}
    scraped = server.scrape_metrics()
    assert "agentbar_webhook_failures_total 2.0" in scraped.splitlines()


def test_bad_webhooks_are_refused(server: AgentbarServer) -> None:
    with server.admin() as admin:
        short = admin.put("/api/v1/webhooks/crm", json={"url": "http://x.test/h", "secret": "s"})
        assert short.status_code == 422
        not_http = admin.put(
            "/api/v1/webhooks/crm", json={"url": "ftp://x.test/h", "secret": SECRET}
        )
        assert not_http.status_code == 422
        assert admin.delete("/api/v1/webhooks/nope").status_code == 404
        assert admin.get("/api/v1/webhooks").json() == []
    assert httpx.get(f"{server.base_url}/api/v1/webhooks").status_code == 401


PRIVATE_NOT_ALLOWED = {"AGENTBAR_ALLOW_PRIVATE_TARGETS": "false"}

INSIDE = [
    "http://127.0.0.1:9/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/hook",
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://localhost:9/hook",  # a name that resolves to loopback
]


@pytest.fixture
def guarded_server(tmp_path: Path) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path / "agentbar", [], extra_env=PRIVATE_NOT_ALLOWED) as running:
        yield running


def test_urls_pointing_inside_are_refused_when_configured(guarded_server: AgentbarServer) -> None:
    with guarded_server.admin() as admin:
        for url in INSIDE:
            answer = admin.put("/api/v1/webhooks/crm", json={"url": url, "secret": SECRET})
            assert answer.status_code == 422, url
            assert "private address" in answer.json()["detail"], url
            sso = admin.put("/api/v1/sso", json={"url": url, "format": "json"})
            assert sso.status_code == 422, url
            assert "private address" in sso.json()["detail"], url
        imported = admin.put(
            "/api/v1/config",
            json={"webhooks": [{"name": "bi", "url": INSIDE[1], "secret": SECRET}]},
        )
        assert imported.status_code == 422
        assert "webhook 'bi': target resolves to a private address" in imported.json()["detail"]
        assert admin.get("/api/v1/webhooks").json() == []  # nothing was stored
        assert admin.get("/api/v1/sso").json()["source"] == "none"
        # A public address is taken (whether it answers is the deliveries' business).
        public = {"url": "http://93.184.216.34/hook", "secret": SECRET}
        assert admin.put("/api/v1/webhooks/public", json=public).status_code == 204
        assert admin.delete("/api/v1/webhooks/public").status_code == 204


def test_a_stored_webhook_pointing_inside_is_refused_at_delivery(tmp_path: Path) -> None:
    """A webhook stored before the check existed (or whose name now resolves inside) gets a
    failed delivery with the reason, and no connection."""
    data_dir = tmp_path / "agentbar"
    data_dir.mkdir()
    with receiver(failures=0) as hook:
        storage = SqlDatabase(f"sqlite:///{data_dir / 'agentbar.db'}")
        storage.migrate()
        asyncio.run(storage.webhooks.put_webhook("crm", hook.url, SECRET, 0))
        storage.close()
        with (
            agentbar_server(data_dir, [CRM_ORIGIN], extra_env=PRIVATE_NOT_ALLOWED) as server,
            server.admin() as admin,
        ):
            with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
                log_in(toolbar)
            deadline = time.monotonic() + 10
            while not (log := admin.get("/api/v1/webhooks/crm/deliveries").json()):
                assert time.monotonic() < deadline, "no delivery was attempted"
                time.sleep(0.05)  # no event to wait on: agentbar's log is read over HTTP
            assert log[0]["status"] == "failed"
            assert log[0]["detail"].startswith("target resolves to a private address")
            assert admin.get("/api/v1/webhooks").json()[0]["deliveredUpTo"] == 0
        assert hook.received == []  # refused without connecting
