"""A real HTTP server playing the CRM's single sign-on endpoint, well-behaved or hostile.

It runs in a thread on a free loopback port, records every request it receives (decoded from
whichever format it came in) and answers as `behaviour` says, which a test may change at any
time. The agentbar server under test is another process, so only real HTTP connects them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    """Seconds to wait before answering (a slow CRM)."""
    stream: int = 0
    """Bytes of filler to stream after `body`, without a Content-Length (a huge answer)."""


def json_reply(**fields: Any) -> Reply:
    return Reply(json.dumps(fields).encode())


def xml_reply(**fields: str) -> Reply:
    root = ET.Element("response")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    return Reply(ET.tostring(root), content_type="application/xml")


@dataclass
class Received:
    content_type: str
    fields: dict[str, Any]


def decode(content_type: str, body: bytes) -> dict[str, Any]:
    """What agentbar sent, in any of the three formats."""
    if content_type.startswith("application/json"):
        fields: dict[str, Any] = json.loads(body)
        return fields
    form = parse_qs(body.decode(), strict_parsing=True)
    if "request" in form:
        fields = json.loads(form["request"][0])
        return fields
    root = ET.fromstring(form["requestxml"][0])
    assert root.tag == "request"
    return {child.tag: child.text or "" for child in root}


_session_numbers = itertools.count(1)


class Sessions:
    """A well-behaved CRM: agentN's password is agentN, and every login gets a new id
    (unique in the test run, so a test can tell any two sessions apart)."""

    def __init__(self, reply: Callable[..., Reply] = json_reply) -> None:
        self._reply = reply

    def __call__(self, request: Received) -> Reply:
        fields = request.fields
        if fields.get("command") == "logout":
            return self._reply(status="success", message="")
        if fields.get("password") != fields.get("userId"):
            return self._reply(status="failed", message="wrong CRM password")
        number = next(_session_numbers)  # atomic under the GIL
        return self._reply(status="success", message="", crmSessionId=f"crm-{number}")


@dataclass
class FakeCrm:
    port: int
    behaviour: Callable[[Received], Reply]
    received: list[Received] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closing: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sso"

    def requests(self, command: str) -> list[dict[str, Any]]:
        with self.changed:
            return [r.fields for r in self.received if r.fields.get("command") == command]

    def wait_for(self, command: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The `command` requests once there are at least `count` (AssertionError at timeout)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [r.fields for r in self.received if r.fields.get("command") == command]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} {command} request(s), got {found}")
                self.changed.wait(left)

    def wait_for_logout_of(self, crm_session_id: str, timeout: float = 5.0) -> None:
        """Until the CRM has received the logout of `crm_session_id` (AssertionError at timeout)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(r.fields.get("crmSessionId") == crm_session_id for r in self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no logout of {crm_session_id} arrived")
                self.changed.wait(left)

    def clear(self) -> None:
        with self.changed:
            self.received.clear()


@contextmanager
def fake_crm(behaviour: Callable[[Received], Reply] | None = None) -> Iterator[FakeCrm]:
    crm = FakeCrm(0, behaviour or Sessions())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            content_type = self.headers.get("Content-Type", "")
            request = Received(content_type, decode(content_type, self.rfile.read(length)))
            with crm.changed:
                crm.received.append(request)
                crm.changed.notify_all()
            reply = crm.behaviour(request)
            if reply.delay and crm.closing.wait(reply.delay):
                return
            # agentbar hangs up on a hostile answer, as it should
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(reply)

        def _answer(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.stream:
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                chunk = b"x" * 65536
                for _ in range(reply.stream // len(chunk)):
                    self.wfile.write(chunk)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    crm.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield crm
    finally:
        crm.closing.set()
        httpd.shutdown()
        httpd.server_close()
