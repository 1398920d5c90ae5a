"""The capacity ramp's arithmetic without running it: when a step is over the bar, the owner's
share of one node's CPU per call, and the section written from made-up figures."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bench.capacity import QUICK_CAPACITY, CapacityPlan, over_bar, owner_share
from bench.capacity_report import capacity_lines


def step(
    rate: float, p99: float, disposed: float, cpu: dict[str, float], refused: int = 0
) -> dict[str, Any]:
    latency = {"count": 10.0, "p50": p99 / 2, "p95": p99, "p99": p99, "max": p99}
    made = {
        "offered_per_s": rate,
        "issued_per_s": rate,
        "calls_placed": 1000 - refused,
        "calls_failed": 0,
        "calls_refused": refused,
        "calls_completed": 100,
        "disposed_per_s": disposed,
        "offer_latency_ms": latency,
        "post_latency_ms": latency,
        "drained": True,
        "cpu_ms_per_call_by_node": cpu,
    }
    made["over_bar"] = over_bar(made)
    return made


def setup(nodes: list[tuple[str, str]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    under = [k for k, s in enumerate(steps) if not s["over_bar"]]
    return {
        "nodes": [{"id": node, "role": role, "port": 1} for node, role in nodes],
        "calls_to": nodes[-1][0],
        "login_s": 1.0,
        "sockets_by_node": {node: 0 if role == "owner" else 5 for node, role in nodes}
        if len(nodes) > 1
        else None,
        "steps": steps,
        "ceiling_step": under[-1] if under else None,
        "bar_passed": bool(steps[-1]["over_bar"]),
    }


def test_the_ramp_climbs_from_the_start_rate_to_the_top_in_steps() -> None:
    assert CapacityPlan(10, 0.5, 50.0, 50.0, 200.0, 1.0, 1.0).rates() == [50, 100, 150, 200]
    assert QUICK_CAPACITY.top_occupancy < 0.7


def test_a_step_is_over_the_bar_when_offers_slow_or_calls_fall_behind() -> None:
    assert step(100, 49.0, 95.0, {"node": 1.0})["over_bar"] == []
    assert step(100, 51.0, 95.0, {"node": 1.0})["over_bar"] == ["offer p99 51.0 ms > 50 ms"]
    assert step(100, 5.0, 89.0, {"node": 1.0})["over_bar"] == ["89.0 calls/s disposed < 90% of 100"]
    assert step(100, float("nan"), 95.0, {"node": 1.0})["over_bar"]  # no offer measured


def test_a_step_that_sheds_a_few_posts_in_a_hiccup_is_under_the_bar_and_one_past_it_over() -> None:
    assert step(100, 9.0, 99.0, {"node": 1.0}, refused=10)["over_bar"] == []
    assert step(100, 9.0, 99.0, {"node": 1.0}, refused=11)["over_bar"] == [
        "11 POSTs shed (503 busy), over 1%"
    ]


def test_the_owners_share_is_taken_at_the_highest_rate_under_the_bar_in_both() -> None:
    single = setup(
        [("node", "node")],
        [
            step(50, 5, 50, {"node": 4.0}),
            step(100, 5, 100, {"node": 3.0}),
            step(150, 80, 150, {"node": 2.0}),
        ],
    )
    three = setup(
        [("n1", "owner"), ("n2", "sockets"), ("n3", "sockets")],
        [
            step(50, 5, 50, {"n1": 2.0, "n2": 3.0, "n3": 1.0}),
            step(100, 5, 100, {"n1": 0.9, "n2": 3.0, "n3": 1.0}),
            step(150, 5, 150, {"n1": 0.5, "n2": 3.0, "n3": 1.0}),
        ],
    )
    share = owner_share({"postgresql": single, "three-nodes": three})
    assert share is not None
    assert [row["ratio"] for row in share["by_rate"]][:2] == [0.5, 0.3]
    assert (share["at_offered_per_s"], share["ratio"], share["met"]) == (100, 0.3, True)
    assert owner_share({"postgresql": single}) is None  # no three-node run to compare with

    capacity = {
        "plan": {**asdict(QUICK_CAPACITY), "top_occupancy": QUICK_CAPACITY.top_occupancy},
        "bar": {"offer_p99_ms": 50.0, "kept_up": 0.9},
        "setups": {"postgresql": single, "three-nodes": three},
        "owner_share": share,
    }
    text = "\n".join(capacity_lines(capacity, ["Measured by: a test.", ""]))
    assert "| postgresql (one node, PostgreSQL, memory bus) | 100 | 100.0 | 5.0 | 3.00 |" in text
    assert "owner n1 0.50; sockets n2 3.00; sockets n3 1.00 | the ramp's top |" in text
    assert "**30%** (goal ≤ 35%): met" in text
    assert "offer p99 80.0 ms > 50 ms" in text


def overload(p99: float, shed: float) -> dict[str, Any]:
    made = step(200, 20.0, 100.0, {"node": 1.0}, refused=int(1000 * shed))
    made["post_admitted_latency_ms"] = {"p50": p99 / 2, "p99": p99}
    made["post_refused_latency_ms"] = {"p50": 1.0, "p99": 2.0}
    made.update(shed_share=shed, lost=0, server_admitted_p99_within_ms=100.0)
    made["goals"] = {"admitted_post_p99_ms": 100.0, "offer_p99_ms": 50.0}
    return made


def test_overload_steps_run_again_are_listed_each_and_counted_against_the_goals() -> None:
    single = setup([("node", "node")], [step(100, 5, 100, {"node": 3.0})])
    single["overload"] = overload(61.8, 0.46)
    single["overload_repeats"] = [overload(101.8, 0.36), overload(57.5, 0.5)]
    capacity = {
        "plan": {**asdict(QUICK_CAPACITY), "top_occupancy": QUICK_CAPACITY.top_occupancy},
        "bar": {"offer_p99_ms": 50.0, "kept_up": 0.9},
        "setups": {"postgresql": single},
        "owner_share": None,
    }
    text = "\n".join(capacity_lines(capacity, ["Measured by: a test.", ""]))
    assert "| postgresql | 200 | " in text  # the first step in the table, as before
    assert (
        "- postgresql, 3 steps at 200 calls/s: admitted POST p99 61.8 / 101.8 / 57.5 ms; "
        "offer p99 20.0 / 20.0 / 20.0 ms; shed 46% / 36% / 50%; 0 admitted calls lost; "
        "the goals met in 2 of 3."
    ) in text

    single["overload_repeats"] = []
    assert "--overload-steps" not in "\n".join(capacity_lines(capacity, ["", ""]))
