"""The tests' admin client sends a request again after its Retry-After while the server's
admission gate refuses it as busy (nothing was done), and only then."""

from __future__ import annotations

import httpx

from tests.support.servers import RetryWhenBusy

BUSY = {"detail": "busy: too many requests in progress", "code": "busy"}


class Server:
    """Answers with `answers` in turn (the last one from then on), recording each request."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers = list(answers)
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read())
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx.Response(status, json=body, headers={"retry-after": "0"})


def client(server: Server, attempts: int = 5) -> httpx.Client:
    transport = RetryWhenBusy(attempts, inner=httpx.MockTransport(server))
    return httpx.Client(base_url="http://agentbar.invalid", transport=transport)


def test_a_busy_refusal_is_sent_again_until_taken() -> None:
    server = Server((503, BUSY), (503, BUSY), (201, {"callId": "c1"}))
    with client(server) as admin:
        answer = admin.post("/api/v1/simulator/calls", json={"from": "+14085551212"})
    assert (answer.status_code, answer.json()) == (201, {"callId": "c1"})
    assert server.bodies == [b'{"from":"+14085551212"}'] * 3  # the same request each time


def test_another_503_is_not_sent_again() -> None:
    unavailable = {"detail": "the database did not answer", "code": "storage_unavailable"}
    server = Server((503, unavailable), (201, {}))
    with client(server) as admin:
        answer = admin.post("/api/v1/simulator/calls", json={})
    assert (answer.status_code, answer.json()) == (503, unavailable)
    assert len(server.bodies) == 1


def test_a_server_busy_at_every_attempt_gives_its_last_refusal() -> None:
    server = Server((503, BUSY))
    with client(server, attempts=3) as admin:
        answer = admin.get("/api/v1/events")
    assert (answer.status_code, answer.json()) == (503, BUSY)
    assert len(server.bodies) == 3
