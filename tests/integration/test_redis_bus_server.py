"""`agentbar serve` with AGENTBAR_BUS=redis: a toolbar's events travel through Redis, and the
node is ready only while it reaches its Redis."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from redis.client import PubSub

from examples.services.redis_server import redis_server
from tests.conftest import CRM_ORIGIN
from tests.integration.test_slice_socket import get_ready, inbound_campaign, log_in
from tests.support.servers import agentbar_server
from tests.support.toolbar_client import ToolbarClient

pytestmark = pytest.mark.redis


def published_about(pubsub: PubSub, call_id: str) -> bool:
    """Whether an event naming the call was published, read from what the watcher got."""
    while (message := pubsub.get_message(timeout=5)) is not None:
        if message["type"] == "message" and call_id.encode() in message["data"]:
            return True
    return False


def test_a_call_reaches_the_toolbar_through_redis_and_readiness_follows_redis(
    tmp_path: Path,
) -> None:
    with redis_server() as own:
        env = {"AGENTBAR_BUS": "redis", "AGENTBAR_REDIS_URL": own.url}
        with agentbar_server(tmp_path / "agentbar", [CRM_ORIGIN], extra_env=env) as server:
            with own.client() as watcher, watcher.pubsub() as pubsub:
                pubsub.subscribe("agentbar:events")
                with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
                    get_ready(toolbar, inbound_campaign(log_in(toolbar)))
                    call_id = server.place_call("+14085551212")
                    toolbar.wait_event("call.screen_pop", callId=call_id)
                assert published_about(pubsub, call_id)  # it went through Redis
            assert httpx.get(f"{server.base_url}/readyz").status_code == 200

            own.process.kill()
            own.process.wait()
            answer = httpx.get(f"{server.base_url}/readyz")
            assert answer.status_code == 503
            assert any(p.startswith("bus:") for p in answer.json()["problems"])
