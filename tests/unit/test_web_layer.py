"""The web layer reaches the server only through services: an app built around stand-in
services answers with theirs. (That it imports no driver and not the composition root is one
of the layer rules, tests/unit/test_layers.py.)"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from agentbar.ports import StorageUnavailable
from agentbar.services.audit import ADMIN_PUT
from agentbar.services.cluster import Cluster
from agentbar.services.provisioning import AgentSummary, Provisioning
from agentbar.services.runtime import OwnerBusy, OwnerUnreachable
from agentbar.services.sandbox import CallNotTaken
from agentbar.web.app import create_app
from agentbar.web.app_services import AppServices
from agentbar.web.security import AdminToken


class StandInProvisioning:
    """Just what the agents routes ask of provisioning."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, str | None]] = []

    async def agents(self) -> list[AgentSummary]:
        return [AgentSummary("a1", "Alice", None, "sso", ["Sales"])]

    async def put_agent(self, agent_id: str, name: str, *args: Any, client: str | None) -> None:
        self.changes.append((ADMIN_PUT, client))


def stand_in_services(provisioning: StandInProvisioning) -> AppServices:
    unused = cast(Any, None)

    async def nothing() -> None:
        return None

    return AppServices(
        admin_token=AdminToken("secret-token"),
        clock=unused,
        bus=unused,
        runtime=unused,
        readiness=unused,
        cluster=cast(Cluster, SimpleNamespace(serving=True, lease_seconds=5.0)),
        metrics=unused,
        sessions=unused,
        desk=unused,
        browser_phones=unused,
        event_replay=unused,
        unseen_events=unused,
        crm_settings=unused,
        provisioning=cast(Provisioning, provisioning),
        leads=unused,
        webhooks=unused,
        do_not_call=unused,
        configuration=unused,
        audit=unused,
        supervision=unused,
        reports=unused,
        sandbox=None,
        start=nothing,
        stop=nothing,
    )


async def test_routes_answer_with_the_services_the_app_is_given() -> None:
    provisioning = StandInProvisioning()
    app = create_app(stand_in_services(provisioning))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        admin = {"Authorization": "Bearer secret-token"}
        assert (await client.get("/api/v1/agents")).status_code == 401
        wrong = {"Authorization": "Bearer wrong"}
        assert (await client.get("/api/v1/agents", headers=wrong)).status_code == 403
        listed = await client.get("/api/v1/agents", headers=admin)
        assert listed.json() == [
            {
                "id": "a1",
                "name": "Alice",
                "hasPassword": False,
                "authPolicy": "sso",
                "campaigns": ["Sales"],
            }
        ]
        changed = await client.put("/api/v1/agents/a2", headers=admin, json={"name": "Bob"})
        assert changed.status_code == 204
    assert provisioning.changes == [(ADMIN_PUT, "192.0.2.7")]


class RefusingProvisioning(StandInProvisioning):
    def __init__(self, refusal: Exception) -> None:
        super().__init__()
        self._refusal = refusal

    async def put_agent(self, agent_id: str, name: str, *args: Any, client: str | None) -> None:
        raise self._refusal


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        # An owner may have done it: no client sends it again unseen (agentbar.try_again).
        (
            OwnerUnreachable("no node owning the floor answered in time; try again"),
            "floor_unavailable",
        ),
        # Nothing was done: a client may send it again after Retry-After.
        (StorageUnavailable("the database did not answer within 5 s"), "storage_unavailable"),
        (CallNotTaken("call 'c1' could not be taken; try again"), "call_not_taken"),
        (OwnerBusy("busy: the node that owns the floor is behind; nothing was done"), "busy"),
    ],
)
async def test_a_request_the_server_cannot_take_now_is_refused_with_its_code(
    refusal: Exception, code: str
) -> None:
    app = create_app(stand_in_services(RefusingProvisioning(refusal)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        answer = await client.put(
            "/api/v1/agents/a1",
            headers={"Authorization": "Bearer secret-token"},
            json={"name": "Alice", "password": "a long password"},
        )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.json() == {"detail": str(refusal), "code": code}


async def test_a_node_still_starting_refuses_floor_work_as_starting() -> None:
    services = dataclasses.replace(
        stand_in_services(StandInProvisioning()),
        cluster=cast(Cluster, SimpleNamespace(serving=False, lease_seconds=5.0)),
    )
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        answer = await client.get(
            "/api/v1/agents", headers={"Authorization": "Bearer secret-token"}
        )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["code"] == "starting"
