"""agentbar's own clients send a request again only when the server said it did nothing of it,
after the Retry-After it asked, within their time; every other answer comes back as it came."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from agentbar.try_again import LONGEST_WAIT, TryAgainClient, wait_before_again


def refusal(code: str | None, retry_after: str | None = "1", status: int = 503) -> httpx.Response:
    body = {"detail": f"refused: {code}"} | ({"code": code} if code else {})
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, json=body, headers=headers)


class Server:
    """Answers each request with the next of `answers`, and keeps what it was sent."""

    def __init__(self, *answers: httpx.Response) -> None:
        self._answers = list(answers)
        self.received: list[tuple[str, str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append((request.method, request.url.path, request.read()))
        return self._answers.pop(0)


class Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(server: Server, time: Time, try_for: float = 10.0, **options: object) -> TryAgainClient:
    return TryAgainClient(
        try_for=try_for,
        sleep=time.sleep,
        clock=lambda: time.now,
        transport=httpx.MockTransport(server),
        base_url="http://agentbar.test",
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("code", ["busy", "storage_unavailable", "starting", "call_not_taken"])
def test_a_refusal_that_did_nothing_is_sent_again_after_its_retry_after(code: str) -> None:
    server = Server(refusal(code, "2"), refusal(code, "1"), httpx.Response(201, json={"ok": 1}))
    time = Time()
    with client(server, time) as api:
        answer = api.post("/api/v1/simulator/calls", json={"from": "+1", "campaign": "c"})
    assert answer.status_code == 201
    assert answer.json() == {"ok": 1}
    assert time.slept == [2.0, 1.0]
    sent = {"from": "+1", "campaign": "c"}
    assert [json.loads(body) for _, _, body in server.received] == [sent, sent, sent]


@pytest.mark.parametrize(
    "answer",
    [
        refusal("floor_unavailable"),  # perhaps done: the caller checks first
        refusal(None),  # a 503 of no agentbar (a proxy's), which says nothing of what was done
        refusal("busy", status=429),
        httpx.Response(503, text="<html>bad gateway</html>", headers={"Retry-After": "1"}),
        httpx.Response(500, json={"detail": "boom", "code": "busy"}),
        refusal("no_such_code"),
    ],
)
def test_any_other_answer_comes_back_at_once(answer: httpx.Response) -> None:
    server, time = Server(answer), Time()
    with client(server, time) as api:
        got = api.post("/api/v1/agents", json={})
    assert got.status_code == answer.status_code
    assert len(server.received) == 1
    assert time.slept == []


def test_past_its_time_the_last_refusal_comes_back_as_it_came() -> None:
    server, time = Server(*(refusal("busy", "1") for _ in range(10))), Time()
    told: list[str] = []
    with client(server, time, try_for=2.5, told=told.append) as api:
        got = api.put("/api/v1/campaigns/x", json={"kind": "inbound"})
    assert got.status_code == 503
    assert got.json() == {"detail": "refused: busy", "code": "busy"}
    assert got.headers["retry-after"] == "1"
    assert time.slept == [1.0, 1.0]  # a third wait would end past 2.5 s
    assert len(server.received) == 3
    assert told == ["PUT /api/v1/campaigns/x: refused: busy; trying again in 1 s"] * 2


def test_a_long_or_unreadable_retry_after_waits_a_bounded_time() -> None:
    assert wait_before_again(refusal("busy", "3600")) == LONGEST_WAIT
    assert wait_before_again(refusal("busy", "Wed, 21 Oct 2026 07:28:00 GMT")) == 1.0
    assert wait_before_again(refusal("busy", None)) == 1.0
    assert wait_before_again(refusal("busy", "-4")) == 0.0
    assert wait_before_again(httpx.Response(204)) is None


def test_a_streamed_body_is_sent_once() -> None:
    server, time = Server(refusal("busy")), Time()

    def lines() -> Iterator[bytes]:
        yield b"+14155550100\n"

    with client(server, time) as api:
        got = api.post("/api/v1/do-not-call/import", content=lines())
    assert got.status_code == 503
    assert len(server.received) == 1
    assert time.slept == []


def test_codes_narrowed_to_busy_leave_a_storage_refusal_to_the_caller() -> None:
    server = Server(refusal("storage_unavailable"), refusal("busy"), httpx.Response(204))
    time = Time()
    with client(server, time, codes=frozenset({"busy"})) as api:
        first = api.delete("/api/v1/extensions/1001")
        second = api.delete("/api/v1/extensions/1001")
    assert first.json()["code"] == "storage_unavailable"
    assert second.status_code == 204
    assert time.slept == [1.0]
