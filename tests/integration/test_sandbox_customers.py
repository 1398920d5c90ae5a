"""The sandbox API's scripted customers on the real server: bad scripts are refused with 422
saying what is wrong and change nothing; the abandon messages start empty; both need the
admin token, and both work through a node that does not own the floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.services.postgres import PostgresServer
from examples.services.redis_server import RedisServer
from tests.integration.test_cluster import cluster_of
from tests.integration.test_leads_socket import add_leads
from tests.integration.test_predictive_socket import (
    MESSAGE,
    auto_call_agent,
    make_predictive,
    script_customer,
    stored,
    wait_stored,
)
from tests.support.servers import ADMIN_TOKEN, AgentbarServer

CUSTOMERS = "/api/v1/simulator/customers"
NUMBER = "%2B14155550101"
JSON = {"Content-Type": "application/json"}

REFUSED_FIELDS: list[tuple[str, dict[str, Any] | str, list[str]]] = [
    (NUMBER, {"answerAfter": 1, "voicemail": True}, ["body", "voicemail"]),
    (NUMBER, {"answerAfter": -1}, ["body", "answerAfter"]),
    (NUMBER, {"hangUpAfter": -0.5}, ["body", "hangUpAfter"]),
    (NUMBER, {"answerAfter": 3601}, ["body", "answerAfter"]),
    (
        NUMBER,
        '{"answerAfter": NaN}',
        ["body", "answerAfter"],
    ),  # not JSON, but the server's parser reads it
    (NUMBER, {"busy": [True]}, ["body", "busy"]),
    (NUMBER, {"ivrKeys": "12x"}, ["body", "ivrKeys"]),  # not a key of a phone's keypad
    (NUMBER, {"ivrKeys": "1" * 65}, ["body", "ivrKeys"]),
]
"""Malformed bodies (as JSON, or as the text sent): answered with the fields at fault."""

REFUSED_SCRIPTS: list[tuple[str, dict[str, Any], str]] = [
    ("call%20me", {}, "'call me' is not a phone number"),
    ("%2B1%20555", {"busy": True}, "'+1 555' is not a possible phone number"),
    (NUMBER, {"busy": True, "machine": True}, "busy and machine"),
    (NUMBER, {"busy": True, "answerAfter": 2}, "busy: a busy line is never picked up"),
    (NUMBER, {"machine": True, "answerAfter": None}, "machine: an answering machine picks up"),
    (NUMBER, {"busy": True, "hangUpAfter": 5}, "hangUpAfter: only a person who picks up"),
    (NUMBER, {"answerAfter": None, "hangUpAfter": 5}, "hangUpAfter: only a person who picks up"),
    (NUMBER, {"answerAfter": 1, "machine": True, "hangUpAfter": 5}, "hangUpAfter"),
]
"""Well-formed bodies no customer could follow, and numbers that are none: a sentence why."""


def test_bad_scripts_are_refused_saying_why(server: AgentbarServer) -> None:
    with server.admin() as admin:
        for phone, body, where in REFUSED_FIELDS:
            if isinstance(body, str):
                answer = admin.put(f"{CUSTOMERS}/{phone}", content=body, headers=JSON)
            else:
                answer = admin.put(f"{CUSTOMERS}/{phone}", json=body)
            assert answer.status_code == 422, (body, answer.json())
            assert [error["loc"] for error in answer.json()["detail"]] == [where], body
        for phone, body, why in REFUSED_SCRIPTS:
            answer = admin.put(f"{CUSTOMERS}/{phone}", json=body)
            assert answer.status_code == 422, (phone, body, answer.json())
            assert why in answer.json()["detail"], (phone, body)


def test_a_refused_script_changes_nothing(server: AgentbarServer) -> None:
    """The number keeps the script it had: a refused one does not replace it."""
    make_predictive(server)
    script_customer(server, "+14155550101", busy=True)
    with server.admin() as admin:
        refused = admin.put(f"{CUSTOMERS}/{NUMBER}", json={"busy": True, "machine": True})
    assert refused.status_code == 422
    with auto_call_agent(server) as toolbar:
        phones = ["+14155550101", "+14155550102"]
        add_leads(server, {"leads": [{"phone": p} for p in phones]})
        pop = toolbar.wait_event("call.screen_pop")["data"]
        assert pop["phone"] == "+14155550102"
    [busy] = stored(server, "dialer.not_reached")
    assert busy["data"]["outcome"] == "busy"


def test_the_abandon_messages_start_empty(server: AgentbarServer) -> None:
    with server.admin() as admin:
        answer = admin.get("/api/v1/simulator/abandon-messages")
    assert (answer.status_code, answer.json()) == (200, {"played": []})


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", f"{CUSTOMERS}/{NUMBER}"), ("GET", "/api/v1/simulator/abandon-messages")],
)
def test_the_sandbox_customers_need_the_admin_token(
    server: AgentbarServer, method: str, path: str
) -> None:
    url, body = f"{server.base_url}{path}", {"busy": True} if method == "PUT" else None
    assert httpx.request(method, url, json=body).status_code == 401
    wrong = {"Authorization": "Bearer not-" + ADMIN_TOKEN}
    assert httpx.request(method, url, json=body, headers=wrong).status_code == 403


@pytest.mark.cluster
@pytest.mark.postgres
@pytest.mark.redis
def test_customers_are_scripted_and_messages_read_through_a_door(
    tmp_path: Path, postgres: PostgresServer, redis: RedisServer
) -> None:
    """The simulated network lives with the owner (n1); n2 passes the requests on to it."""
    with cluster_of(tmp_path, postgres, redis, ["n1", "n2"]) as cluster:
        cluster.wait_all_up(timeout=10)
        door = cluster.nodes["n2"]
        assert cluster.cluster_view("n2")["owner"] == "n1"
        make_predictive(door)
        script_customer(door, "+14155550101", busy=True)
        script_customer(door, "+14155550102", answerAfter=1.5)
        with door.admin() as admin:
            refused = admin.put(f"{CUSTOMERS}/{NUMBER}", json={"busy": True, "machine": True})
        assert refused.status_code == 422
        assert "busy and machine" in refused.json()["detail"]
        with auto_call_agent(door) as toolbar:
            phones = ["+14155550101", "+14155550102"]
            add_leads(door, {"leads": [{"phone": p} for p in phones]})
            # The busy line is given up at once and the next lead dialled for the free agent,
            # who leaves before that customer picks up, 1.5 s after the dial.
            wait_stored(door, "dialer.not_reached", outcome="busy")
            dial = wait_stored(door, "dialer.dialled", phone=phones[1])
            toolbar.expect_ok("presence.break", reason="Lunch")
            wait_stored(door, "dialer.abandoned", callId=dial["data"]["callId"])
        with door.admin() as admin:
            played = admin.get("/api/v1/simulator/abandon-messages").json()
        assert played == {"played": [{"callId": dial["data"]["callId"], "message": MESSAGE}]}
