"""Choosing an extension in a large center: the snapshot lists none (a login must not carry
thousands), the agent or the CRM names one by name or phone, and the server resolves it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentbar.ports import Catalog
from agentbar.services.desk import EXTENSIONS_LISTED
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

MANY = EXTENSIONS_LISTED + 50


def many_extensions(catalog: Catalog) -> None:
    for n in range(MANY):
        catalog.upsert_extension(f"Desk {n:04d}", f"7{n:04d}")


@pytest.fixture(scope="module")
def large_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentbarServer]:
    data_dir = tmp_path_factory.mktemp("large") / "agentbar"
    with agentbar_server(data_dir, [CRM_ORIGIN], provision=many_extensions) as server:
        yield server


def test_a_small_centers_snapshot_lists_every_extension(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        snapshot = log_in(toolbar)["snapshot"]
        assert snapshot["extensionsListed"] is True
        [count] = server.query("SELECT count(*) AS n FROM extensions")
        assert len(snapshot["extensions"]) == count["n"]
        assert {"name": "SIP 1001", "phone": "1001", "kind": "phone"} in snapshot["extensions"]
        browser = {"name": "Browser 2001", "phone": "2001", "kind": "browser"}
        assert browser in snapshot["extensions"]
        toolbar.expect_ok("extension.select", name="Browser 2001")
        agent = toolbar.expect_ok("snapshot")["snapshot"]["agent"]
        assert agent["extension"] == browser


def test_a_large_centers_snapshot_lists_only_the_agents_own(large_center: AgentbarServer) -> None:
    with ToolbarClient(large_center.socket_url, origin=large_center.base_url) as toolbar:
        snapshot = log_in(toolbar)["snapshot"]
        assert snapshot["extensionsListed"] is False
        assert snapshot["extensions"] == []
        toolbar.expect_ok("extension.select", phone="70123")  # the CRM's selectExtension
        snapshot = toolbar.expect_ok("snapshot")["snapshot"]
        assert snapshot["agent"]["extension"] == {
            "name": "Desk 0123",
            "phone": "70123",
            "kind": "phone",
        }
        assert snapshot["extensions"] == [{"name": "Desk 0123", "phone": "70123", "kind": "phone"}]
        toolbar.expect_ok("extension.select", name="desk 0042")  # typed, any case
        toolbar.expect_ok("extension.select", name="70007")  # typed: a number will do
        snapshot = toolbar.expect_ok("snapshot")["snapshot"]
        assert snapshot["agent"]["extension"] == {
            "name": "Desk 0007",
            "phone": "70007",
            "kind": "phone",
        }


def test_an_extension_named_wrongly_is_refused_and_changes_nothing(
    large_center: AgentbarServer,
) -> None:
    with ToolbarClient(large_center.socket_url, origin=large_center.base_url) as toolbar:
        log_in(toolbar, "agent2")
        toolbar.expect_ok("extension.select", phone="70001")
        for fields in (
            {"phone": "99999"},
            {"name": "Desk 0002", "phone": "70003"},
            {"name": "Nobody's desk"},
        ):
            answer = toolbar.request("extension.select", **fields)
            assert answer["error"]["code"] == "unknown_extension", fields
        assert toolbar.request("extension.select")["error"]["code"] == "bad_frame"
        snapshot = toolbar.expect_ok("snapshot")["snapshot"]
        assert snapshot["agent"]["extension"] == {
            "name": "Desk 0001",
            "phone": "70001",
            "kind": "phone",
        }
