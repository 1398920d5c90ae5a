"""The "Screen pop against its floor, by background load" section of BENCHMARKS.md:
bench/pop_load.py's figures."""

from __future__ import annotations

from typing import Any

from bench.stats import fixed

GOAL = {"p50": 2.0, "p99": 3.0}
"""The pop over its floor that the goal allows, with 1,000 agents at 50 calls/s beside it."""


def pop_lines(d: dict[str, Any], measured_by: list[str]) -> list[str]:
    lines = [
        "## Screen pop against its floor, by background load",
        "",
        *measured_by,
        f"The screen pop of the section above and the floor of its path, measured the same way "
        f"({d['calls']:,} calls one after another, a sample of each floor before each), with "
        f"{d['agents']:,} socket agents logged in and taking the background calls/s of each "
        f"row (0: connected, no other call). With no background the pop is what its path "
        f"costs: the call's arrival and its answer, each decided and stored before it is "
        f"published, the socket frame and the glue. The goal is at most {GOAL['p50']:g} times "
        f"the floor at p50 and {GOAL['p99']:g} times at p99.",
        "",
        "| background calls/s | pop p50 / p99 ms | floor p50 / p99 ms | pop over floor "
        "p50 / p99 | stored floor p50 / p99 ms (pop over it) | POST → arrival decided p50 ms "
        "| arrival → answer decided p50 ms | answer "
        "decided → socket p50 ms | in the server p50 ms: arrival stored / answer stored / pop "
        "written | "
        "background POST p50 / p99 ms | server CPU ms per background call |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point in d["points"]:
        pop, floor = point["browser_screen_pop_ms"], point["browser_pop_floor_ms"]
        over, stages = point["browser_pop_over_floor"], point["browser_pop_stages_ms"]
        background = point["post_latency_ms"]
        lines.append(
            f"| {point['point']['rate']:g} "
            f"| {fixed(pop['p50'])} / {fixed(pop['p99'])} "
            f"| {fixed(floor['p50'])} / {fixed(floor['p99'])} "
            f"| {_over(over, 'p50')} / {_over(over, 'p99')} "
            f"| {_stored_floor(point)} "
            f"| {_stage(stages, 'offered')} "
            f"| {_stage(stages, 'answered')} "
            f"| {_stage(stages, 'to_toolbar')} "
            f"| {_in_server(point, 'offer_stored')} / {_in_server(point, 'stored')} "
            f"/ {_in_server(point, 'sent')} "
            f"| {fixed(background['p50'])} / {fixed(background['p99'])} "
            f"| {fixed(point['cpu_ms_per_call'], 2)} |"
        )
    shed = sum(point.get("browser_posts_shed", 0) for point in d["points"])
    lines += [
        "",
        "Bold: within the goal. n/a: no background call, or a run from before the stage was "
        "timed. *Stored floor*: apart from the goal, the least a server that stores before it "
        "tells can take (an HTTP request, one row committed to SQLite in a thread, then the "
        'same frame to the same pages; "Screen pop in Chromium" says more). *In the server*: '
        "its own timing of every call of the run (the background's as well): from the "
        "arrival decided to its `call.offered` published, the arrival's move "
        "stored; from the answer decided to the pop published, its move stored; and to the "
        "pop's frame written to the toolbar's socket (the histograms "
        "`agentbar_event_stored_seconds` and `agentbar_event_sent_seconds`, interpolated "
        "within their buckets)."
        + (
            f" The admission gate shed {shed:,} of the measured calls' POSTs and hang-ups; "
            "each was sent again after its Retry-After, and only the admitted POST is timed."
            if shed
            else ""
        ),
        "",
    ]
    return lines


def server_split(point: dict[str, Any]) -> list[str]:
    """A paragraph splitting *answer decided → toolbar's socket* by the server's own timing
    of the run's screen pops; none for a run from before the server timed them."""
    server = point.get("browser_pop_server_ms")
    if server is None:
        return []
    stored, sent = server["stored"], server["sent"]
    stages = point["browser_pop_stages_ms"]
    to_toolbar = stages["to_toolbar"]["p50"]
    return [
        f"The server's own timing of the run's screen pops ({int(sent['count']):,}: the "
        f"background's as well, which take the same path; its histograms "
        f"`agentbar_event_stored_seconds` and `agentbar_event_sent_seconds`, interpolated "
        f"within their buckets) splits *answer decided → toolbar's socket* (p50 "
        f"{fixed(to_toolbar)} ms): the pop is published, its move stored, p50 "
        f"{fixed(stored['p50'])} / p99 {fixed(stored['p99'])} ms after the answer was decided, "
        f"and its frame written to the toolbar's socket p50 {fixed(sent['p50'])} / p99 "
        f"{fixed(sent['p99'])} ms after it. The rest, about {fixed(to_toolbar - sent['p50'])} "
        f"ms at p50, is loopback and the browser's turn to read the frame (about: with "
        f"background calls the server's figures are of all the run's pops, the measured ones "
        f"among them; with none, of the measured ones alone).{_arrival(server, stages)}",
        "",
    ]


def _arrival(server: dict[str, dict[str, float]], stages: dict[str, dict[str, float]]) -> str:
    """The arrival's commit within *arrival → answer decided*, where both were measured."""
    offered = server.get("offer_stored")
    if offered is None or "answered" not in stages:
        return ""
    return (
        f" Likewise the arrival's move is published, stored, p50 {fixed(offered['p50'])} / "
        f"p99 {fixed(offered['p99'])} ms after the arrival was decided, within *arrival → "
        f"answer decided* (p50 {fixed(stages['answered']['p50'])} ms); the rest of that stage "
        f"is the offer to the simulated phone, its answer back through the signal pump, and the "
        f"writer's turn to decide it."
    )


def _stored_floor(point: dict[str, Any]) -> str:
    """The stored floor's p50 / p99 and the pop over it; n/a for a run from before it was."""
    stored, over = (
        point.get("browser_pop_stored_floor_ms"),
        point.get("browser_pop_over_stored_floor"),
    )
    if stored is None or over is None:
        return fixed(float("nan"))
    return (
        f"{fixed(stored['p50'])} / {fixed(stored['p99'])} "
        f"({fixed(over['p50'], 1)} / {fixed(over['p99'], 1)} times)"
    )


def _in_server(point: dict[str, Any], stage: str) -> str:
    server = point.get("browser_pop_server_ms")
    return fixed(server[stage]["p50"] if server else float("nan"))


def _stage(stages: dict[str, dict[str, float]], key: str) -> str:
    """A stage's p50, or n/a for a run from before it was stamped."""
    return fixed(stages[key]["p50"]) if key in stages else fixed(float("nan"))


def _over(over: dict[str, float], q: str) -> str:
    text = fixed(over[q], 1) + " times"
    return f"**{text}**" if over[q] <= GOAL[q] else text
