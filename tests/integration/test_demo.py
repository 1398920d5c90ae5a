"""The README's demo command starts agentbar, the demo CRM and callers, and stops on Ctrl-C."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def read_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str], text: str, seen: list[str], timeout: float = 60) -> None:
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line with {text!r} in:\n{''.join(seen)}") from None
        seen.append(line)
        if text in line:
            return


def test_the_demo_serves_both_pages_and_stops_cleanly(tmp_path: Path) -> None:
    agentbar_port, crm_port = free_port(), free_port()
    demo = subprocess.Popen(
        [sys.executable, "examples/demo.py", "--agentbar-port", str(agentbar_port),
         "--crm-port", str(crm_port), "--data-dir", str(tmp_path / "data"), "--call-every", "0.2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = read_lines(demo)
    seen: list[str] = []
    try:
        wait_for_line(lines, "agent1 / agent1", seen)
        wait_for_line(lines, "is calling Inbound Support", seen)
        crm = httpx.get(f"http://127.0.0.1:{crm_port}/")
        assert crm.status_code == 200
        assert f"http://127.0.0.1:{agentbar_port}/ameyowebaccess/toolbar/js/" in crm.text
        assert 'id="ameyoIframeDiv"' in crm.text
        toolbar = httpx.get(
            f"http://127.0.0.1:{agentbar_port}/ameyowebaccess/toolbar-crm.htm"
            f"?origin=http://127.0.0.1:{crm_port}/"
        )
        assert toolbar.status_code == 200
        policy = toolbar.headers["content-security-policy"]
        assert f"http://127.0.0.1:{crm_port}" in policy
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    wait_for_line(lines, "demo: stopping", seen)
    assert demo.returncode == 0, "".join(seen)
