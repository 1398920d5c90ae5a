"""`phone.credentials`: what a toolbar needs to be its agent's browser phone, given only to the
agent working from a `browser` extension, and refused with a reason everywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentbar.auth.phone_secrets import browser_sip_password
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import log_in
from tests.support.baresip import port_block
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

SECRET = "janus-token-secret-for-tests"
JANUS = "ws://127.0.0.1:1/"  # never contacted by the server: only handed to the toolbar


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AgentbarServer, int]]:
    sip_port = port_block(2)
    env = {
        "AGENTBAR_TELEPHONY": "sip",
        "AGENTBAR_SIP_LISTEN_PORT": str(sip_port),
        "AGENTBAR_JANUS_URL": JANUS,
        "AGENTBAR_JANUS_TOKEN_SECRET": SECRET,
    }
    data_dir: Path = tmp_path_factory.mktemp("phones") / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN], env) as server:
        yield server, sip_port


def test_the_agent_on_a_browser_extension_gets_its_credentials(
    phone_server: tuple[AgentbarServer, int],
) -> None:
    server, sip_port = phone_server
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar, "agent2")
        toolbar.expect_ok("extension.select", name="Browser 2002")
        phone = toolbar.expect_ok("phone.credentials")["phone"]
    assert phone["janusUrl"] == JANUS
    assert phone["janusToken"].split(":")[0].endswith(",janus,janus.plugin.sip")
    assert phone["identity"] == f"sip:2002@127.0.0.1:{sip_port}"
    assert phone["proxy"] == f"sip:127.0.0.1:{sip_port}"
    assert phone["username"] == "2002"
    assert phone["secret"] == browser_sip_password(SECRET, "2002")
    assert phone["displayName"] == "Agent 2"


def test_a_desk_phone_or_no_extension_gets_none(
    phone_server: tuple[AgentbarServer, int],
) -> None:
    server, _ = phone_server
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar, "agent3")
        none_yet = toolbar.request("phone.credentials")
        assert none_yet["error"]["code"] == "not_a_browser_phone"
        toolbar.expect_ok("extension.select", name="SIP 1003")
        desk = toolbar.request("phone.credentials")
        assert desk["error"]["code"] == "not_a_browser_phone"
        assert "'SIP 1003' is a desk phone" in desk["error"]["message"]


def test_a_server_without_janus_has_no_browser_phone(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar, "agent1")
        toolbar.expect_ok("extension.select", name="Browser 2001")
        refused = toolbar.request("phone.credentials")
        assert refused["error"]["code"] == "phone_unavailable"
        assert "AGENTBAR_JANUS_URL" in refused["error"]["message"]


def test_credentials_need_a_session(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        refused = toolbar.request("phone.credentials")
        assert refused["ok"] is False
        assert "phone" not in refused


def test_a_phone_problem_is_heard_and_a_made_up_one_refused(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        log_in(toolbar, "agent4")
        toolbar.expect_ok(
            "phone.problem", code="microphone_denied", detail="The microphone is blocked"
        )
        made_up = toolbar.request("phone.problem", code="phone_on_fire")
        assert made_up["error"]["code"] == "bad_frame"
    assert "browser phone of agent4: microphone_denied The microphone is blocked" in server.log()
