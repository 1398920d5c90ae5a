"""The README's demo command starts agentbar, the sample CRM and callers within a minute, and
stops on Ctrl-C. `--nodes 3` runs agentbar as a cluster: the demo names the node that owns the
floor, and the node that takes it over when the owner is killed."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from examples.services.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

OWNER = re.compile(r"demo: node (n\d+) \(pid (\d+), port (\d+)\) owns the floor \(epoch (\d+)\)")
NODE_UP = re.compile(r"demo: node n\d+ \(pid (\d+), port (\d+)\) is up")
SERVERS = re.compile(r"demo: PostgreSQL on port (\d+), Redis on port (\d+)")


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
        # The browser phone is on: Janus runs, the toolbar may reach it, the hint is given.
        assert any("pick the extension Browser 2001" in line for line in seen), "".join(seen)
        janus = next(line for line in seen if "Janus at ws://" in line).split()[3]
        assert janus in toolbar.headers["content-security-policy"]
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


def wait_for_match(
    lines: queue.Queue[str | None], pattern: re.Pattern[str], seen: list[str], timeout: float
) -> re.Match[str]:
    """The first line from now on matching `pattern`, within `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            raise AssertionError(f"no line matching {pattern.pattern!r} in:\n{''.join(seen)}")
        seen.append(line)
        if found := pattern.search(line):
            return found


def assert_nothing_listens(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.cluster
@pytest.mark.postgres
@pytest.mark.redis
def test_the_cluster_demo_names_the_owner_and_the_takeover(tmp_path: Path) -> None:
    haproxy_port, crm_port = free_port(), free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "examples.demo", "--nodes", "3", "--agentbar-port",
         str(haproxy_port), "--crm-port", str(crm_port), "--data-dir", str(tmp_path / "data"),
         "--call-every", "0.2", "--talk", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    lines = read_lines(demo)
    seen: list[str] = []
    try:
        owner = wait_for_match(lines, OWNER, seen, timeout=90)
        assert owner[1] == "n1", "the node started first takes the floor"
        os.kill(int(owner[2]), signal.SIGKILL)
        successor = wait_for_match(lines, OWNER, seen, timeout=15)
        assert successor[1] in ("n2", "n3"), "".join(seen)
        assert int(successor[4]) > int(owner[4])
        # The callers go on through HAProxy, now to the new owner.
        wait_for_line(lines, "is calling Inbound Support", seen, timeout=15)
        assert httpx.get(f"http://127.0.0.1:{haproxy_port}/readyz").status_code == 200
    finally:
        # Ctrl-C in a terminal signals the whole process group: the demo and what it started.
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=60)
    while (line := lines.get(timeout=30)) is not None:
        seen.append(line)
    output = "".join(seen)
    assert demo.returncode == 0, output
    assert "demo: stopping" in output
    assert "Traceback" not in output, output
    nodes = [(int(pid), int(port)) for pid, port in NODE_UP.findall(output)]
    assert len(nodes) == 3, output
    servers = SERVERS.search(output)
    assert servers is not None, output
    # Nodes, HAProxy, the CRM, PostgreSQL and Redis: all stopped, none left listening.
    for port in [haproxy_port, crm_port, *(port for _, port in nodes), *map(int, servers.groups())]:
        assert_nothing_listens(port)
    for pid, _ in nodes:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
