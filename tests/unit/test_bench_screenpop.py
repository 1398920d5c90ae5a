"""The browser bench's measured call and its hang-up when the admission gate sheds them: sent
again after the gate's Retry-After, only the admitted POST timed, and a gate that never admits
ends the run."""

from __future__ import annotations

import httpx
import pytest

from bench.report import screen_pop_lines
from bench.screenpop import MAX_SHED, place_measured_call, post_until_admitted


def gate(refusals: int) -> tuple[httpx.Client, list[httpx.Request]]:
    """A server whose gate sheds the first `refusals` POSTs (503, Retry-After 0), then admits."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= refusals:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(201, json={"callId": f"call-{len(seen)}"})

    return httpx.Client(
        base_url="http://agentbar.test", transport=httpx.MockTransport(answer)
    ), seen


def test_an_admitted_post_is_timed_alone() -> None:
    client, seen = gate(refusals=0)
    shed: list[float] = []
    response, placed, answered = place_measured_call(client, shed)
    assert response.json() == {"callId": "call-1"}
    assert shed == []
    assert placed <= answered
    assert len(seen) == 1


def test_a_shed_post_is_placed_again_and_only_the_admitted_one_is_timed() -> None:
    client, seen = gate(refusals=2)
    shed: list[float] = []
    response, placed, _ = place_measured_call(client, shed)
    assert response.json() == {"callId": "call-3"}
    assert len(shed) == 2
    assert len(seen) == 3
    assert all(refused < placed for refused in shed)  # the timing is the admitted POST's


def test_a_gate_that_never_admits_ends_the_run() -> None:
    client, seen = gate(refusals=MAX_SHED + 5)
    shed: list[float] = []
    with pytest.raises(httpx.HTTPStatusError):
        place_measured_call(client, shed)
    assert len(shed) == MAX_SHED
    assert len(seen) == MAX_SHED + 1


def test_a_shed_hang_up_is_sent_again_to_the_same_call() -> None:
    client, seen = gate(refusals=1)
    shed: list[float] = []
    post_until_admitted(client, "/api/v1/simulator/calls/call-9/hangup", {}, shed)
    assert len(shed) == 1
    assert [request.url.path for request in seen] == ["/api/v1/simulator/calls/call-9/hangup"] * 2


@pytest.mark.parametrize("shed", [0, 3])
def test_the_section_says_how_many_measured_posts_were_shed(shed: int) -> None:
    latency = {"count": 200.0, "p50": 10.0, "p95": 20.0, "p99": 30.0, "max": 40.0}
    browser = {
        "browser_screen_pop_ms": latency,
        "point": {"agents": 1000, "rate": 50.0},
        "calls_completed": 1000,
        "offer_latency_ms": latency,
        "browser_posts_shed": shed,
    }
    text = "\n".join(screen_pop_lines(browser))
    said = "The admission gate shed 3 of the measured calls' POSTs and hang-ups"
    assert (said in text) is (shed == 3)
    assert "| 10.0 | 20.0 | 30.0 | 40.0 |" in text


def test_the_stored_floor_is_a_row_apart_with_the_pop_over_it() -> None:
    def latency(p50: float, p99: float) -> dict[str, float]:
        return {"count": 200.0, "p50": p50, "p95": p99, "p99": p99, "max": p99}

    browser = {
        "browser_screen_pop_ms": latency(12.0, 30.0),
        "point": {"agents": 1000, "rate": 50.0},
        "calls_completed": 1000,
        "offer_latency_ms": latency(5.0, 20.0),
        "browser_pop_floor_ms": latency(2.0, 10.0),
        "browser_pop_floor_handoff_ms": latency(0.2, 1.0),
        "browser_pop_over_floor": {"p50": 6.0, "p99": 3.0},
        "browser_pop_stages_ms": {},
    }
    before = "\n".join(screen_pop_lines(browser))
    assert "stored floor" not in before  # a run from before it was measured
    browser["browser_pop_stored_floor_ms"] = latency(4.0, 15.0)
    browser["browser_pop_over_stored_floor"] = {"p50": 3.0, "p99": 2.0}
    text = "\n".join(screen_pop_lines(browser))
    assert "| stored floor (apart) | 200 | 4.0 | 15.0 | 15.0 | 15.0 |" in text
    assert "Its pop over the stored floor: 3.0 times at p50, 2.0 times at p99." in text
    assert "**6.0 times at p50, 3.0 times at p99**" in text  # the goal's ratio is unchanged
