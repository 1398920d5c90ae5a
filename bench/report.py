"""The bench's outputs: results.json, BENCHMARKS.md and the latency plot."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import matplotlib

from bench.attacks_report import attacks_lines
from bench.capacity_report import capacity_lines
from bench.dialer_report import dialer_lines
from bench.memory_report import memory_lines
from bench.phones_report import phones_lines
from bench.pop_report import pop_lines, server_split
from bench.reports_report import reports_lines
from bench.soak_report import soak_lines
from bench.stats import fixed as _f

matplotlib.use("Agg")  # no display: the plot is only ever written to a file
import matplotlib.pyplot as plt


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def write_plot(results: dict[str, Any], path: Path) -> None:
    points = results["load"]
    agents = [p["point"]["agents"] for p in points]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for q in ("p50", "p95", "p99"):
        axes.plot(agents, [p["offer_latency_ms"][q] for p in points], marker="o", label=q)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("socket agents logged in and ready")
    axes.set_ylabel("call.offered latency, ms (event 'at' → client)")
    axes.set_title("agentbar offer latency against agent count")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_markdown(results: dict[str, Any], path: Path, plot: Path) -> None:
    if "load" not in results:  # runs apart, with no suite run to report beside them
        _write(["# Benchmarks", "", *_apart(results, path)], path)
        return
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by:",
        "",
        "```sh",
        results["command"],
        "```",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mib']:,} MiB memory, "
        f"Python {m['python']}, Linux {m['kernel']}. Commit `{results['commit']}`, "
        f"run at {results['finished']} "
        f"in {results['wall_s']:.0f} s.",
        "",
        "The server is one `agentbar serve` process (SQLite, simulator, memory bus; log level "
        "warning). Socket agents are separate worker processes, each an asyncio loop of "
        "`websockets` connections, logged in with login tokens (`AUTH_TYPE_TOKEN`), ready in one "
        "inbound campaign; on each screen pop an agent talks "
        f"{results['load'][0]['point']['talk_s']} s, hangs up and disposes. Calls come through "
        "`POST /api/v1/simulator/calls` at a fixed rate (open loop); the phones auto-answer.",
        "",
        "## Load",
        "",
        "| agents | calls/s offered | placed | completed | lifecycles/s | offer p50 / p95 / p99 ms "
        "| screen pop p50 / p99 ms | POST p50 / p99 ms | logins/s | memory per agent KiB "
        "| server CPU per call ms | errors |",
        "|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---|",
    ]
    for p in results["load"]:
        o, s = p["offer_latency_ms"], p["screen_pop_latency_ms"]
        lines.append(
            f"| {p['point']['agents']:,} | {p['point']['rate']:g} | {p['calls_placed']:,} "
            f"| {p['calls_completed']:,} | {_f(p['lifecycles_per_s'])} "
            f"| {_f(o['p50'])} / {_f(o['p95'])} / {_f(o['p99'])} "
            f"| {_f(s['p50'])} / {_f(s['p99'])} | {_post(p)} "
            f"| {_f(p['logins_per_s'], 0)} | {_f(p['memory_per_agent_kib'])} "
            f"| {_f(p['cpu_ms_per_call'], 2)} | {p['errors'] or 'none'} |"
        )
    lines += [
        "",
        "- *offer latency*: `call.offered`'s `at` (the server's `time.time()` when it decided) to "
        "the agent's client reading the frame; *screen pop*: the same for `call.screen_pop`.",
        "- *lifecycles/s*: calls offered, talked, hung up and disposed, over the time from the "
        "first POST to the last disposition; it is bounded by the offered rate.",
        "- *memory per agent*: server VmRSS after all logins minus before, divided by agents.",
        "- *CPU per call*: server utime+stime over the call phase divided by completed calls.",
        "",
        f"![offer latency against agents]({os.path.relpath(plot, path.parent)})",
        "",
    ]
    base = results.get("baseline")
    if base is not None:
        lines += before_after_lines(base, results)
    b = results.get("browser")
    if b is not None:
        lines += screen_pop_lines(b)
    prof = results.get("profile")
    if prof is not None:
        lines += [
            "## Profile",
            "",
            f"py-spy (`record --nonblocking --rate 200`) on the server during the "
            f"{prof['agents']:,}-agent call phase, {prof['samples']:,} samples. Share of samples:",
            "",
            "| self % | function (where the samples were) |",
            "|---:|---|",
            *[f"| {share:.1f} | `{name}` |" for name, share in prof["self"]],
            "",
            "| inclusive % | agentbar function (on the stack) |",
            "|---:|---|",
            *[f"| {share:.1f} | `{name}` |" for name, share in prof["inclusive"]],
            "",
        ]
    lines += results.get("notes", [])
    lines += _apart(results, path)
    _write(lines, path)


def before_after_lines(base: dict[str, Any], results: dict[str, Any]) -> list[str]:
    """The load table's figures of an earlier run (`--baseline`) beside this run's, point by
    point."""
    lines = [
        "### Before and after",
        "",
        f"Before: commit `{base.get('commit', 'unknown')}`, `{base['command']}`, "
        f"at {base['finished']}. After: commit `{results['commit']}`, the command above.",
        "",
        "| agents | lifecycles/s before → after | offer p99 ms before → after "
        "| POST p50 / p99 ms before → after "
        "| server CPU per call ms before → after | logins/s before → after "
        "| memory per agent KiB before → after |",
        "|---:|---|---|---|---|---|---|",
    ]
    for old, new in zip(base["load"], results["load"], strict=False):
        lines.append(
            f"| {new['point']['agents']:,} "
            f"| {_f(old['lifecycles_per_s'])} → {_f(new['lifecycles_per_s'])} "
            f"| {_f(old['offer_latency_ms']['p99'])} → {_f(new['offer_latency_ms']['p99'])} "
            f"| {_post(old)} → {_post(new)} "
            f"| {_f(old['cpu_ms_per_call'], 2)} → {_f(new['cpu_ms_per_call'], 2)} "
            f"| {_f(old['logins_per_s'], 0)} → {_f(new['logins_per_s'], 0)} "
            f"| {_f(old['memory_per_agent_kib'])} → {_f(new['memory_per_agent_kib'])} |"
        )
    lines.append("")
    old_pop, new_pop = base.get("browser"), results.get("browser")
    if old_pop is not None and new_pop is not None:
        was, now = old_pop["browser_screen_pop_ms"], new_pop["browser_screen_pop_ms"]
        lines += [
            f"Screen pop in Chromium, p50 / p99 ms: {_f(was['p50'])} / {_f(was['p99'])} → "
            f"{_f(now['p50'])} / {_f(now['p99'])}.",
            "",
        ]
    if "note" in base:  # what the earlier run could not measure, in its own words
        lines += [base["note"], ""]
    return lines


def _post(point: dict[str, Any]) -> str:
    post = point["post_latency_ms"]
    return f"{_f(post['p50'])} / {_f(post['p99'])}"


def _shed_note(shed: int) -> str:
    if not shed:
        return ""
    return (
        f" The admission gate shed {shed:,} of the measured calls' POSTs and hang-ups (503: "
        "the background load had the node at its ceiling); each was sent again after its "
        "Retry-After, and only the admitted POST is timed."
    )


def _stored_floor_lines(b: dict[str, Any]) -> list[str]:
    """What the stored floor is, and the pop over it (absent from runs before it was)."""
    over = b.get("browser_pop_over_stored_floor")
    if over is None:
        return []
    return [
        "*Stored floor*, apart from the goal: the same pages and socket, but the bench asks "
        "over HTTP (`GET`, a new loopback connection each time) and the server commits one row "
        "to SQLite (WAL, `synchronous=NORMAL`, in a thread) before it sends the frame, then "
        "answers: the least a server that stores before it tells can take, with none of "
        "agentbar's work. agentbar's pop stores two moves (the arrival and the answer) and "
        f"takes the simulated phone's answer between them. Its pop over the stored floor: "
        f"{_f(over['p50'])} times at p50, {_f(over['p99'])} times at p99.",
        "",
    ]


def screen_pop_lines(b: dict[str, Any]) -> list[str]:
    """The "Screen pop in Chromium" section: agentbar's pop, the floor of its path measured in
    the same run, and the pop's stages (the last two absent from runs before they were)."""
    ms = b["browser_screen_pop_ms"]
    lines = [
        "## Screen pop in Chromium",
        "",
        f"From the bench's `time.time()` just before `POST /api/v1/simulator/calls` to the CRM "
        f"page's `showCrm` handler running (`performance.timeOrigin + performance.now()`, the "
        f"wall clock below a millisecond), in Debian's Chromium (Playwright), the CRM page on "
        f"its own origin with the glue script and the toolbar iframe; {int(ms['count'])} calls "
        f"one after another, with {b['point']['agents']:,} socket agents taking "
        f"{b['point']['rate']:g} calls/s in the background ({b['calls_completed']:,} completed, "
        f"background offer p99 {_f(b['offer_latency_ms']['p99'])} ms)."
        + _shed_note(b.get("browser_posts_shed", 0)),
        "",
    ]
    floor = b.get("browser_pop_floor_ms")
    if floor is None:
        return [
            *lines,
            "| p50 ms | p95 ms | p99 ms | max ms |",
            "|---:|---:|---:|---:|",
            f"| {_f(ms['p50'])} | {_f(ms['p95'])} | {_f(ms['p99'])} | {_f(ms['max'])} |",
            "",
        ]
    over, handoff = b["browser_pop_over_floor"], b["browser_pop_floor_handoff_ms"]
    lines += [
        f"The floor of that path, measured in the same browser under the same background load, "
        f"one sample before each call: a page on the CRM page's origin framing a page of "
        f"another origin, which opens a plain WebSocket to a `websockets` server on loopback "
        f"(in a thread of the bench, no compression) and posts each frame to its parent as it "
        f"came (a JSON string); from the bench's `time.time()` just before it hands the server "
        f"the frame to the parent's `message` handler running (the hand-off to the server's "
        f"loop: p50 {_f(handoff['p50'], 2)} ms, p99 {_f(handoff['p99'], 2)} ms).",
        "",
        "| path | samples | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    stored = b.get("browser_pop_stored_floor_ms")
    paths = [("agentbar's screen pop", ms), ("floor", floor)]
    paths += [("stored floor (apart)", stored)] if stored is not None else []
    for name, s in paths:
        lines.append(
            f"| {name} | {int(s['count'])} | {_f(s['p50'])} | {_f(s['p95'])} | {_f(s['p99'])} "
            f"| {_f(s['max'])} |"
        )
    lines += [
        "",
        f"agentbar's pop over the floor: **{_f(over['p50'])} times at p50, {_f(over['p99'])} "
        f"times at p99** (the goal: at most 2 and 3 times).",
        "",
        *_stored_floor_lines(b),
        "Where the pop's time goes, per call (the `at` of `call.offered` and of "
        "`call.screen_pop` is the server's `time.time()` when it decided the call's arrival, "
        "which offers it to the agent in the same move, and its answer; the browser's stamps "
        "are taken by a script Playwright runs in each frame ahead of the page's own: the "
        "toolbar frame's WebSocket delivering a frame, the CRM page's `message` event before "
        "the glue handles it):",
        "",
        "| stage | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    stages = b["browser_pop_stages_ms"]
    for key, name in POP_STAGES.items():
        if key not in stages:
            continue  # a run from before the stage was stamped
        s = stages[key]
        lines.append(
            f"| {name} | {_f(s['p50'], 2)} | {_f(s['p95'], 2)} | {_f(s['p99'], 2)} "
            f"| {_f(s['max'], 2)} |"
        )
    lines += [
        "",
        "- *POST → arrival decided*: the request through the server's middleware to the "
        "simulator, the signal pump and the floor's writer deciding the call's arrival (it is "
        "offered to the agent in the same move); *arrival → answer decided*: that move stored "
        "(the POST is answered then) and published, the offer to the simulated phone, its "
        "answer back through the signal pump, and the writer deciding the answer and the pop; "
        "*answer decided → toolbar's socket*: storing that move (the writer's group commit), "
        "then publishing it, the frame's JSON, the socket write and loopback; *toolbar's "
        "socket → CRM page*: the toolbar's handling and its `postMessage`; *the glue*: "
        "`ameyo-integration.js` from the `message` event to `showCrm`. The five add up to the "
        "pop, call by call. Apart: the first two together; the arrival's own frame "
        "(`call.offered`) from its decision to the toolbar's socket, which takes its move's "
        "commit as the pop's frame does; and the POST's answer, which comes back while the pop "
        "travels: it is no stage of it.",
        "",
        *server_split(b),
    ]
    return lines


POP_STAGES = {
    "offered": "POST → arrival decided (`call.offered`'s `at`)",
    "answered": "arrival → answer decided (`call.screen_pop`'s `at`)",
    "to_toolbar": "answer decided → toolbar's socket delivers the pop's frame",
    "toolbar_to_page": "toolbar's socket → CRM page receives `showCrm`",
    "glue": "CRM page receives → `showCrm` runs (the glue)",
    "decided": "(apart) POST → answer decided",
    "offer_to_toolbar": "(apart) arrival decided → toolbar's socket delivers `call.offered`",
    "post_answered": "(apart) POST → its answer",
}
"""The stages of a pop in results.json's `browser_pop_stages_ms`, in the path's order."""


def dialer_plot_path(markdown: Path) -> Path:
    """Where the dialer's day is plotted: beside the other images of the benchmarks' page."""
    return markdown.parent / "img" / "dialer-day.png"


def _apart(results: dict[str, Any], path: Path) -> list[str]:
    """The sections of the runs made apart from the suite (or also in it): the dialer, the
    memory per connected agent, the pop by background load, the capacity ramp, the browser
    phone and conferences, the drills, the soak, the attacks."""
    lines = []
    if "memory" in results:
        lines += memory_lines(results["memory"])
    if "dialer" in results:
        d = results["dialer"]
        lines += dialer_lines(d, _measured_by(d), dialer_plot_path(path), path)
    if "pop" in results:
        lines += pop_lines(results["pop"], _measured_by(results["pop"]))
    if "capacity" in results:
        lines += capacity_lines(results["capacity"], _measured_by(results["capacity"]))
    if "phones" in results:
        lines += phones_lines(results["phones"], _measured_by(results["phones"]))
    if "reports" in results:
        lines += reports_lines(results["reports"], _measured_by(results["reports"]))
    if "drill" in results:
        lines += drill_lines(results["drill"])
    if "drill_cluster" in results:
        lines += cluster_drill_lines(results["drill_cluster"])
    soak = results.get("soak")  # described, with a placeholder, until it has been run
    lines += soak_lines(soak, _measured_by(soak) if soak is not None else [])
    if "attacks" in results:
        lines += attacks_lines(results["attacks"], _measured_by(results["attacks"]))
    return lines


def _write(lines: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _s(value: float) -> str:
    return _f(value, 2) + " s"


def _measured_by(d: dict[str, Any]) -> list[str]:
    m = d["machine"]
    return [
        "Measured by:",
        "",
        "```sh",
        d["command"],
        "```",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mib']:,} MiB memory, "
        f"Python {m['python']}, Linux {m['kernel']}. Commit `{d['commit']}`, run at "
        f"{d['finished']} in {d['wall_s']:.0f} s"
        + (f"; RNG seed {d['seed']}." if "seed" in d else "."),
        "",
    ]


def drill_lines(d: dict[str, Any]) -> list[str]:
    """The "Restart drill" section: bench/drill.py's figures, with their own command, commit
    and machine (the drill may run apart from the rest of the suite)."""
    p = d["plan"]
    return [
        "## Restart drill",
        "",
        *_measured_by(d),
        f"One `agentbar serve` (SQLite, simulator answering at once, the default 5 s floor "
        f"lease), {p['agents']:,} socket agents working calls ({p['talk_s']:g} s talk, then "
        f"hang up and dispose), calls offered at {p['rate']:g}/s. {d['kill_after_s']:.1f} s "
        f"after the first call the server gets `kill -9`; a new process (logging at info) is "
        f"started at once on the same database and port, while calls keep being offered. "
        f"Every agent reconnects with the toolbar's backoff (0.25, 0.5, 1, 2, then every 5 s) "
        f"and sends `auth.resume` with its last `seq`. Calls go on {p['after_s']:g} s after "
        f"the new process serves, then stop, and every call is let finish.",
        "",
        "| downtime | s |",
        "|---|---:|",
        f"| kill → new process started | {_s(d['kill_to_restart_s'])} |",
        f"| new process started → owns the floor's lease | {_s(d['start_to_floor_s'])} |",
        f"| owns the floor → serving (floor restored, listening, `/readyz` 200) "
        f"| {_s(d['floor_to_serving_s'])} |",
        f"| **new process started → serving** | **{_s(d['start_to_serving_s'])}** |",
        f"| **kill → serving** | **{_s(d['kill_to_serving_s'])}** |",
        f"| kill → first offer made by the new process | {_s(d['kill_to_first_offer_made_s'])} |",
        f"| kill → first `call.offered` an agent received live | {_s(d['kill_to_next_offer_s'])} |",
        f"| kill → last agent resumed | {_s(d['kill_to_all_resumed_s'])} |",
        "",
        f"The dead process's lease had {_s(d['lease_left_at_kill_s'])} left at the kill. The new "
        f"process locks its SQLite file first, so it knows the lease's holder is dead and takes "
        f"the lease at once rather than waiting it out (nodes sharing a PostgreSQL database "
        f"wait it out). When it took the lease is read from the lease's row (its `expires_at` "
        f"less the 5 s), the rest by polling every 20 ms."
        + (f" It logged `{d['restored']}`." if d["restored"] else ""),
        "",
        *_counts_lines(d, "", "withdrawn by the restarted process", "restart"),
    ]


def cluster_drill_lines(d: dict[str, Any]) -> list[str]:
    """The "Cluster drill (three nodes)" section: bench/drill_cluster.py's figures."""
    p = d["plan"]
    return [
        "## Cluster drill (three nodes)",
        "",
        *_measured_by(d),
        f"Three `agentbar serve` nodes ({', '.join(d['nodes'])}) on one PostgreSQL and one "
        f"Redis, HAProxy in front checking `/readyz` every 500 ms (simulator answering at once, "
        f"the default 5 s floor lease); the first started owns the floor and logs warnings "
        f"only, the others serve as doors (sockets and API, commands passed to the owner) and "
        f"log at info. {p['agents']:,} socket agents working calls ({p['talk_s']:g} s talk, "
        f"then hang up and dispose) and calls offered at {p['rate']:g}/s, all through HAProxy, "
        f"which spreads them over the three nodes. {d['kill_after_s']:.1f} s after the first "
        f"call the owner ({d['killed_owner']}, epoch {d['killed_epoch']}, found with "
        f"`GET /api/v1/cluster`) gets `kill -9` and stays dead, while calls keep being offered. "
        f"Its agents reconnect through HAProxy with the toolbar's backoff (0.25, 0.5, 1, 2, "
        f"then every 5 s) and send `auth.resume` with their last `seq`; the others stay "
        f"connected. {p['after_s'] / 2:g} s after the new owner's first offer, the node left "
        f"that only serves sockets ({d['killed_door']}, {d['door_sockets_at_kill']} toolbar "
        f"sockets at its last heartbeat) gets `kill -9` too, and its agents resume on the "
        f"owner. {p['after_s'] / 2:g} s later the calls stop and every call is let finish.",
        "",
        "| the owner killed | s |",
        "|---|---:|",
        f"| kill → another node owns the floor ({d['new_owner']}) | {_s(d['kill_to_floor_s'])} |",
        f"| **kill → next routing decision** (first offer made by the new owner) "
        f"| **{_s(d['kill_to_first_offer_made_s'])}** |",
        f"| kill → first `call.offered` an agent received live | {_s(d['kill_to_next_offer_s'])} |",
        f"| kill → last of its agents resumed ({d['resumes']} resumes) "
        f"| {_s(d['kill_to_all_resumed_s'])} |",
        "",
        "| the socket-only node killed | s |",
        "|---|---:|",
        f"| **kill → last of its agents resumed** ({d['door_resumes']} resumes) "
        f"| **{_s(d['door_kill_to_all_resumed_s'])}** |",
        "",
        f"The dead owner's lease had {_s(d['lease_left_at_kill_s'])} left at the kill: the "
        f"other nodes wait it out (they cannot tell a dead owner from a slow one) and try for "
        f"the lease just after it runs out. When the new owner took the lease is read from the "
        f"lease's row (its `expires_at` less the 5 s), its first offer from the stored events. "
        f"`GET /api/v1/cluster` then said owner {d['owner_seen_after']}, epoch "
        f"{d['new_epoch']}."
        + (f" {d['new_owner']} logged `{d['restored']}`." if d["restored"] else ""),
        "",
        *_counts_lines(d, "kill → next routing decision; ", "withdrawn by the new owner", "kill"),
    ]


def _counts_lines(d: dict[str, Any], down: str, withdrawn: str, after: str) -> list[str]:
    """What a drill counts: calls, offers, screen pops, each agent's events, resumes."""
    return [
        "| what | count |",
        "|---|---:|",
        f"| calls placed (POST acknowledged 2xx) | {d['calls_placed']:,} |",
        f"| live calls on the stored floor at the kill, by state | "
        f"{', '.join(f'{n} {s}' for s, n in d['calls_at_kill'].items()) or 'none'} |",
        f"| completed (disposed or abandoned) | {d['calls_completed']:,} "
        f"({d['calls_abandoned']:,} abandoned) |",
        f"| still live at the end | {d['calls_live']:,} |",
        f"| **lost** (placed - completed - live) | **{d['calls_lost']:,}** |",
        f"| POSTs refused while down ({down}never acknowledged) | {d['refused_while_down']:,} |",
        f"| POSTs cut by the kill (sent before it, never answered) | {d['cut_by_kill']:,} "
        f"(calls made of them anyway: {d['calls_unacknowledged']:,}, "
        f"completed {d['calls_unacknowledged_completed']:,}) |",
        f"| POSTs failed otherwise | {d['posts_failed_otherwise']:,} |",
        f"| **double offers** (a call offered while an offer of it was open) "
        f"| **{d['double_offers']:,}** |",
        f"| most `call.screen_pop` events for one call | {d['screen_pops_per_call_max']:,} |",
        f"| calls with more than one screen pop | {d['calls_with_repeated_screen_pop']:,} |",
        f"| calls to the Chromium CRM page (its own agent and campaign, through the same door) "
        f"| {d.get('page_calls', 0):,} |",
        f"| **`showCrm` runs per call on that page** (runs: calls) "
        f"| **{_pops_per_call(d.get('page_pops_per_call', {}))}** |",
        f"| **events missing** (addressed to an agent, never received) "
        f"| **{d['events_missing']:,}** |",
        f"| **events duplicated** (received twice by an agent) | **{d['events_duplicated']:,}** |",
        f"| resumes after the kill / events replayed | {d['resumes']:,} / "
        f"{d['replayed_events']:,} |",
        f"| **re-logins needed** / resumes refused / too far behind | **{d['relogins']:,}** / "
        f"{d['resume_failures']:,} / {d['too_far_behind']:,} |",
        "",
        "- *double offer*: from the events table, per call in `seq` order: an offer to agent A "
        "is open until A's next `agent.state_changed` away from `reserved` (answered, or "
        f"{withdrawn}) or the call connects or ends; a `call.offered` of "
        f"the call while one is open counts. An offer made again after the {after} counts only "
        "if the first was never withdrawn.",
        "- *events missing / duplicated*: per agent, the `seq`s of the events table's rows with "
        "its `agent_id` (after its login snapshot, `session.*` aside, up to the last event "
        "before the sockets close) against the `seq`s of the event frames it received, live "
        "or replayed.",
        f"- Agents' command errors: {d['agent_errors'] or 'none'}.",
        "",
    ]


def _pops_per_call(spread: dict[str, int]) -> str:
    """`{"1": 40}` -> "1: 40"; a call that never popped shows as "0: n"."""
    return ", ".join(f"{runs}: {calls:,}" for runs, calls in sorted(spread.items())) or "none"
