"""A server started by mistake beside a running one changes nothing; the socket's frame limit is
applied by the protocol, before a large frame is buffered."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    with agentbar_server(tmp_path_factory.mktemp("guards"), [CRM_ORIGIN]) as running:
        yield running


def toolbar_for(server: AgentbarServer) -> ToolbarClient:
    return ToolbarClient(server.socket_url, origin=server.base_url)


def test_a_second_server_on_a_taken_port_stops_with_one_line_before_touching_anything(
    server: AgentbarServer, tmp_path: Path
) -> None:
    other_data = tmp_path / "second"
    with toolbar_for(server) as one:
        login = log_in(one)
        get_ready(one, inbound_campaign(login))
        second = subprocess.run(
            [sys.executable, "-m", "agentbar", "serve", "--port", str(server.port),
             "--data-dir", str(other_data), "--demo"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN},
        )  # fmt: skip
        assert second.returncode == 4
        assert second.stderr.splitlines() == [
            f"agentbar: cannot listen on 127.0.0.1:{server.port}: the port is in use "
            "(is another agentbar serving there?)"
        ]
        # Nothing was created or migrated: the port is taken before the database is opened.
        assert not other_data.exists() or not any(other_data.iterdir())
        one.expect_ok("presence.break", reason="Lunch")
        one.wait_view(state="break")


def test_a_frame_over_64_kib_closes_the_socket_before_it_is_read(server: AgentbarServer) -> None:
    with toolbar_for(server) as one:
        one.send_raw('{"cmd": "ping", "pad": "' + "x" * (64 * 1024) + '"}')
        with pytest.raises(ConnectionClosed) as closed:
            one.receive()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009  # message too big
    with toolbar_for(server) as other:  # the server goes on serving
        assert other.request("ping")["ok"] is True


def test_a_frame_of_exactly_64_kib_is_read(server: AgentbarServer) -> None:
    frame = '{"id": 1, "cmd": "ping", "pad": "'
    frame += "x" * (64 * 1024 - len(frame) - 2) + '"}'
    assert len(frame.encode()) == 64 * 1024
    with toolbar_for(server) as one:
        one.send_raw(frame)
        answer = one.next_answer()
        assert answer["re"] == 1


def test_a_malformed_allowed_host_stops_the_start_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN, "AGENTBAR_ALLOWED_HOSTS": "bad host!"}
    started = subprocess.run(
        [sys.executable, "-m", "agentbar", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert started.returncode == 2
    assert started.stderr.splitlines() == [
        "agentbar: configuration error: AGENTBAR_ALLOWED_HOSTS: 'bad host!' is not a host name, "
        "host:port or *.domain"
    ]
