"""The README's demo command starts agentbar, the sample CRM and callers within a minute, and
stops on Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def read_lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The process's output lines as they come; None once it closes its output."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(
    lines: queue.Queue[str | None], text: str, seen: list[str], timeout: float = 60
) -> None:
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            raise AssertionError(f"no line with {text!r} in:\n{''.join(seen)}")
        seen.append(line)
        if text in line:
            return


def test_the_demo_serves_both_pages_and_stops_cleanly(tmp_path: Path) -> None:
    agentbar_port, crm_port = free_port(), free_port()
    started = time.monotonic()
    demo = subprocess.Popen(
        [sys.executable, "-m", "examples.demo", "--agentbar-port", str(agentbar_port),
         "--crm-port", str(crm_port), "--data-dir", str(tmp_path / "data"), "--call-every", "0.2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    lines = read_lines(demo)
    seen: list[str] = []
    try:
        wait_for_line(lines, "agent1 / agent1", seen)
        wait_for_line(lines, "is calling Inbound Support", seen)
        crm_url, agentbar_url = f"http://127.0.0.1:{crm_port}", f"http://127.0.0.1:{agentbar_port}"
        with httpx.Client(base_url=crm_url) as crm:
            assert crm.get("/leads").headers["location"] == "/login"
            signed_in = crm.post(
                "/login",
                content=b"user_id=agent1&password=agent1",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert signed_in.status_code == 303
            leads = crm.get("/leads")
            sso = crm.post("/sso", json={"command": "login", "userId": "agent1", "password": "x"})
        assert leads.status_code == 200
        assert f"{agentbar_url}/ameyowebaccess/toolbar/js/" in leads.text
        assert 'id="ameyoIframeDiv"' in leads.text
        assert leads.text.count("data-contact-id=") >= 50
        assert sso.json() == {"status": "failed", "message": "wrong CRM user id or password"}
        toolbar = httpx.get(f"{agentbar_url}/ameyowebaccess/toolbar-crm.htm?origin={crm_url}/leads")
        assert toolbar.status_code == 200
        assert crm_url in toolbar.headers["content-security-policy"]
        assert time.monotonic() - started < 60, "both pages must be served within a minute"
        # The leads reached Outbound Sales, from the CRM's contacts.
        assert any("CRM leads wait in Outbound Sales" in line for line in seen), "".join(seen)
    finally:
        # Ctrl-C in a terminal signals the whole process group: the demo and what it started.
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=30)
    wait_for_line(lines, "demo: stopping", seen)
    while (line := lines.get(timeout=30)) is not None:
        seen.append(line)
    assert demo.returncode == 0, "".join(seen)
    assert not any("Traceback" in line for line in seen), "".join(seen)
    for port in (agentbar_port, crm_port):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
