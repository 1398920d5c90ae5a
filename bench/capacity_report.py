"""The "Capacity" section of BENCHMARKS.md: bench/capacity.py's figures."""

from __future__ import annotations

from typing import Any

from bench.stats import fixed as _f

SETUP_TEXT = {
    "sqlite": "one node, SQLite, memory bus",
    "postgresql": "one node, PostgreSQL, memory bus",
    "three-nodes": "three nodes, PostgreSQL, Redis bus; sockets and calls on the non-owners",
}


def _cpu(setup: dict[str, Any], step: dict[str, Any]) -> str:
    """Each node's CPU per call, named by role when there are several."""
    by_node = step["cpu_ms_per_call_by_node"]
    if len(setup["nodes"]) == 1:
        return _f(by_node[setup["nodes"][0]["id"]], 2)
    return "; ".join(
        f"{node['role']} {node['id']} {_f(by_node[node['id']], 2)}" for node in setup["nodes"]
    )


def _shed_bar(bar: dict[str, Any]) -> str:
    shed = bar.get("shed_share")  # earlier runs had none: any POST refused was over
    return "a POST refused" if shed is None else f"more than {shed:.0%} of the POSTs refused"


def capacity_lines(c: dict[str, Any], measured_by: list[str]) -> list[str]:
    p, bar = c["plan"], c["bar"]
    lines = [
        "## Capacity",
        "",
        *measured_by,
        f"The offered rate climbs from {p['start_rate']:g} calls/s by {p['rate_step']:g} "
        f"calls/s, {p['step_s']:g} s a step, up to {p['top_rate']:g} calls/s, and stops at the "
        f"first step over the bar: offer p99 above {bar['offer_p99_ms']:g} ms, fewer than "
        f"{bar['kept_up']:.0%} of the offered calls a second disposed, {_shed_bar(bar)}, a "
        f"POST failed, or calls still live {p['drain_timeout_s']:g} s after the step. The "
        f"*ceiling* is the last step under the bar. {p['agents']:,} socket agents log in once "
        f"per setup and work every call ({p['talk_s']:g} s talk, then hang up and dispose; "
        f"the simulator answers at once), so at the top rate {p['top_occupancy']:.0%} of them "
        f"are talking: agents are never the limit. Calls come through "
        f"`POST /api/v1/simulator/calls`, open loop. Each step waits until every call it placed "
        f"has ended, then takes its figures. The nodes log warnings only. Everything — nodes, "
        f"PostgreSQL, Redis, the agents' worker processes and the call generator — shares the "
        f"machine.",
        "",
        "| setup | ceiling: calls/s offered | lifecycles/s at the ceiling | offer p99 ms "
        "| CPU per call ms at the ceiling | stopped by |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, setup in c["setups"].items():
        last = setup["steps"][-1]
        stopped = "; ".join(last["over_bar"]) if setup["bar_passed"] else "the ramp's top"
        if setup["ceiling_step"] is None:
            lines.append(f"| {name} ({SETUP_TEXT[name]}) | none | | | | {stopped} |")
            continue
        top = setup["steps"][setup["ceiling_step"]]
        lines.append(
            f"| {name} ({SETUP_TEXT[name]}) | {top['offered_per_s']:g} "
            f"| {_f(top['disposed_per_s'])} | {_f(top['offer_latency_ms']['p99'])} "
            f"| {_cpu(setup, top)} | {stopped} |"
        )
    lines += ["", *_shedding(c), "", *_owner_share(c), "", *_steps(c)]
    return lines


def _shedding(c: dict[str, Any]) -> list[str]:
    """The overload step: twice the ceiling's rate, the excess shed at once."""
    rows = [
        (name, setup["overload"]) for name, setup in c["setups"].items() if setup.get("overload")
    ]
    if not rows:
        return ["Past the ceiling: not measured in this run (no step under the bar)."]
    goals = rows[0][1]["goals"]
    lines = [
        f"**Past the ceiling, shed and not queued.** After each ramp, one more step offers twice "
        f"the ceiling's rate. The server refuses what it cannot take at once (`503` with "
        f'`Retry-After`, see docs/operations.md "Load shed, not queued"); the goals are '
        f"admitted POST p99 ≤ {goals['admitted_post_p99_ms']:g} ms, offer p99 ≤ "
        f"{goals['offer_p99_ms']:g} ms, and no admitted call lost (every call answered `201` "
        f"ends disposed).",
        "",
        "| setup | calls/s offered | admitted | shed | admitted POST p50 / p99 ms "
        "| in the server p99 within ms | refusal answered p50 / p99 ms | offer p99 ms "
        "| admitted calls lost | goals |",
        "|---|---:|---:|---:|---|---:|---|---:|---:|---|",
    ]
    for name, step in rows:
        admitted, refused = step["post_admitted_latency_ms"], step["post_refused_latency_ms"]
        offer_p99 = step["offer_latency_ms"]["p99"]
        met = _overload_met(step, goals)
        lines.append(
            f"| {name} | {step['offered_per_s']:g} | {step['calls_placed']:,} "
            f"| {step['calls_refused']:,} ({step['shed_share']:.0%}) "
            f"| {_f(admitted['p50'])} / {_f(admitted['p99'])} "
            f"| {_f(step.get('server_admitted_p99_within_ms', float('nan')))} "
            f"| {_f(refused['p50'])} / {_f(refused['p99'])} | {_f(offer_p99)} "
            f"| {step['lost']:,} | {'met' if met else '**missed**'} |"
        )
    lines += [
        "",
        "- *admitted POST*: from the generator's clock, before it sends to its reading the "
        "answer; *in the server*: the node's own histogram (`agentbar_api_change_seconds`, "
        "from admission to answer), read before and after the step, to its bucket bound. "
        "The generator shares the machine's two cores with the node and the agents: a "
        "generator running late (*POSTs issued/s* below the offered rate in the steps' table) "
        "counts its own lateness in the first.",
    ]
    repeated = [
        (name, [setup["overload"], *setup["overload_repeats"]])
        for name, setup in c["setups"].items()
        if setup.get("overload") and setup.get("overload_repeats")
    ]
    if repeated:
        lines += ["", "The same step again, one after the other (`--overload-steps`):", ""]
    for name, steps in repeated:
        met_in = sum(_overload_met(step, goals) for step in steps)
        p99s = " / ".join(_f(step["post_admitted_latency_ms"]["p99"]) for step in steps)
        offers = " / ".join(_f(step["offer_latency_ms"]["p99"]) for step in steps)
        shed = " / ".join(f"{step['shed_share']:.0%}" for step in steps)
        lost = sum(step["lost"] for step in steps)
        lines.append(
            f"- {name}, {len(steps)} steps at {steps[0]['offered_per_s']:g} calls/s: admitted "
            f"POST p99 {p99s} ms; offer p99 {offers} ms; shed {shed}; {lost:,} admitted calls "
            f"lost; the goals met in {met_in} of {len(steps)}."
        )
    return lines


def _overload_met(step: dict[str, Any], goals: dict[str, Any]) -> bool:
    return bool(
        step["post_admitted_latency_ms"]["p99"] <= goals["admitted_post_p99_ms"]
        and step["offer_latency_ms"]["p99"] <= goals["offer_p99_ms"]
        and step["lost"] == 0
    )


def _owner_share(c: dict[str, Any]) -> list[str]:
    share = c.get("owner_share")
    if share is None:
        return ["Owner's CPU per call with the sockets on other nodes: not measured in this run."]
    at = next(row for row in share["by_rate"] if row["offered_per_s"] == share["at_offered_per_s"])
    verdict = "met" if share["met"] else "**missed**"
    rows = ", ".join(
        f"{row['ratio']:.0%} at {row['offered_per_s']:g}/s" for row in share["by_rate"]
    )
    owner_ms = _f(at["owner_cpu_ms_per_call"], 2)
    return [
        f"**Owner's CPU per call with the sockets on other nodes**: {owner_ms} ms "
        f"({share['owner']}, {at['offered_per_s']:g} calls/s offered) against "
        f"{_f(at['single_cpu_ms_per_call'], 2)} ms for one node on PostgreSQL at the same rate: "
        f"**{at['ratio']:.0%}** (goal ≤ {share['goal']:.0%}): {verdict}. At each rate both ramps "
        f"reached: {rows}.",
        *_write_bound(share.get("write")),
    ]


def _write_bound(write: dict[str, Any] | None) -> list[str]:
    if write is None:
        return []
    return [
        "",
        f"*What limits it*: one more step at {write['offered_per_s']:g} calls/s after each "
        f"ramp, with py-spy (`record --nonblocking --rate 200`) on every node, measures the "
        f"storage write of the moves (`EventLog.record_decided`: one fenced transaction per "
        f"batch). It costs {_f(write['owner_write_ms_per_call'], 2)} ms per call on the owner "
        f"(of {_f(write['owner_cpu_ms_per_call'], 2)}) and "
        f"{_f(write['single_write_ms_per_call'], 2)} ms on the single node (of "
        f"{_f(write['single_cpu_ms_per_call'], 2)}). The owner writes every move as the single "
        f"node does, so the write alone is **{write['owner_write_over_single_cpu']:.0%}** of the "
        f"single node's CPU per call: the owner's share cannot go below that, whatever the "
        f"doors take over, while the write costs this much.",
    ]


def _steps(c: dict[str, Any]) -> list[str]:
    lines = [
        "| setup | calls/s offered | POSTs issued/s | placed | completed | lifecycles/s "
        "| offer p50 / p99 ms | POST p50 / p99 ms | CPU per call ms | over the bar |",
        "|---|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for name, setup in c["setups"].items():
        for step in setup.get("steps", []):
            o, h = step["offer_latency_ms"], step["post_latency_ms"]
            lines.append(
                f"| {name} | {step['offered_per_s']:g} | {_f(step['issued_per_s'])} "
                f"| {step['calls_placed']:,} | {step['calls_completed']:,} "
                f"| {_f(step['disposed_per_s'])} | {_f(o['p50'])} / {_f(o['p99'])} "
                f"| {_f(h['p50'])} / {_f(h['p99'])} | {_cpu(setup, step)} "
                f"| {'; '.join(step['over_bar']) or 'no'} |"
            )
    sockets = {
        name: setup["sockets_by_node"]
        for name, setup in c["setups"].items()
        if setup.get("sockets_by_node")
    }
    lines += [
        "",
        "- *lifecycles/s*: calls disposed per second from the step's first disposition to its "
        "last; a step that keeps up gives its offered rate (the talk time delays every call "
        "alike), a backlog stretches the span. *POSTs issued/s*: the generator's own pace.",
        "- *offer latency*: `call.offered`'s `at` (the owner's `time.time()` when it decided) "
        "to the agent's client reading the frame, as in the load table.",
        "- *CPU per call*: a node's utime+stime over the step (first POST until every call "
        "ended) divided by the calls completed in it.",
    ]
    for name, by_node in sockets.items():
        where = ", ".join(f"{node} {n:,}" for node, n in by_node.items())
        calls_to = c["setups"][name]["calls_to"]
        lines.append(
            f"- {name}: sockets by node (`GET /api/v1/cluster`) {where}; calls POSTed to "
            f"{calls_to}."
        )
    lines.append("")
    return lines
