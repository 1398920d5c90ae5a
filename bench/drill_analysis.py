"""What the drills (bench/drill.py, bench/drill_cluster.py) found, read back from agentbar's
database and from what each agent received: the calls, double offers, screen pops, each
agent's events, resumes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from typing import Any

from bench.drill_common import Posted, Store

# -- what happened ---------------------------------------------------------------------------


def outcome(
    store: Store,
    posted: list[Posted],
    seen: list[dict[str, Any]],
    kill_wall: float,
    serving_wall: float,
    seq_at_kill: int,
    cutoff: int,
    counted_apart: Collection[str] = (),
) -> dict[str, Any]:
    """The figures both drills report past their downtime: the first offers after the kill,
    the calls, double offers, screen pops, each agent's events, resumes. `counted_apart`: the
    calls placed by someone else than the call generator (the CRM page's)."""
    offers_after = [
        received
        for agent in seen
        for _call, seq, replayed, received in agent["offers"]
        if seq > seq_at_kill and not replayed
    ]
    [first_offer] = store.query(
        "SELECT min(at) AS at FROM events WHERE kind = 'call.offered' AND seq > ?", seq_at_kill
    )
    resumed = [at for agent in seen for at in agent["resumed_at"] if at > kill_wall]
    failures = Counter(code for agent in seen for code in agent["resume_failures"])
    errors: Counter[str] = Counter()
    for agent in seen:
        errors.update(agent["errors"])
    return {
        "kill_to_first_offer_made_s": (first_offer["at"] or float("nan")) - kill_wall,
        "kill_to_next_offer_s": min(offers_after, default=float("nan")) - kill_wall,
        "kill_to_all_resumed_s": max(resumed, default=float("nan")) - kill_wall,
        **_calls_outcome(store, posted, kill_wall, serving_wall, set(counted_apart)),
        **_double_offers(store),
        **_screen_pops(store),
        **_agent_events(store, seen, cutoff),
        "resumes": len(resumed),
        "replayed_events": sum(agent["replayed"] for agent in seen),
        "relogins": sum(agent["relogins"] for agent in seen),
        "resume_failures": sum(failures.values()),
        "resume_failure_codes": dict(failures),
        "too_far_behind": sum(agent["too_far_behind"] for agent in seen),
        "connect_attempts": sum(agent["connect_attempts"] for agent in seen),
        "agent_errors": dict(errors),
    }


def _calls_outcome(
    store: Store, posted: list[Posted], kill_wall: float, serving_wall: float, apart: set[str]
) -> dict[str, Any]:
    """Acknowledged calls: completed (disposed or abandoned), still live (on the stored floor)
    or lost (neither). POSTs that failed were never acknowledged: sent before the kill (cut by
    it), between the kill and the floor being served again (refused while down), or otherwise."""
    states = {
        row["call_id"]: row["state"] for row in store.query("SELECT call_id, state FROM calls")
    }
    on_floor = {row["call_id"] for row in store.query("SELECT call_id FROM floor_calls")}
    placed = [p.call_id for p in posted if p.call_id is not None]
    sent = {p.call_id: p.sent for p in posted if p.call_id is not None}
    done = ("disposed", "abandoned")
    completed = [c for c in placed if states.get(c) in done]
    live = [c for c in placed if states.get(c) not in done and c in on_floor]
    lost = [c for c in placed if states.get(c) not in done and c not in on_floor]
    failed = [p for p in posted if p.call_id is None]
    unacknowledged = set(states) - set(placed) - apart
    return {
        "calls_placed": len(placed),
        "calls_completed": len(completed),
        "calls_abandoned": sum(1 for c in placed if states.get(c) == "abandoned"),
        "calls_live": len(live),
        "calls_lost": len(placed) - len(completed) - len(live),
        "lost_calls": [(c, states.get(c), round(sent[c] - kill_wall, 3)) for c in lost[:20]],
        "unfinished_call_examples": [_history(store, c) for c in [*lost[:3], *live[:5]]],
        "cut_by_kill": sum(1 for p in failed if p.sent < kill_wall),
        "refused_while_down": sum(1 for p in failed if kill_wall <= p.sent <= serving_wall),
        "posts_failed_otherwise": sum(1 for p in failed if p.sent > serving_wall),
        "post_errors": dict(Counter(p.error for p in failed if p.error is not None)),
        "posts_failed_otherwise_examples": [
            (round(p.sent - serving_wall, 3), p.error, p.body)
            for p in failed
            if p.sent > serving_wall
        ][:10],
        "calls_unacknowledged": len(unacknowledged),
        "calls_unacknowledged_completed": sum(1 for c in unacknowledged if states[c] in done),
    }


def _history(store: Store, call_id: str) -> dict[str, Any]:
    """A call that did not finish, as evidence: its row's state, its stored floor document's
    state, and its events (seq, kind, agent, at)."""
    [row] = store.query("SELECT state, agent_id FROM calls WHERE call_id = ?", call_id) or [
        {"state": None, "agent_id": None}
    ]
    docs = store.query("SELECT doc FROM floor_calls WHERE call_id = ?", call_id)
    events = store.query(
        "SELECT seq, kind, agent_id, at FROM events WHERE call_id = ? ORDER BY seq", call_id
    )
    agent = store.query(
        "SELECT seq, kind, call_id, at, data FROM events WHERE agent_id = ? AND seq >= ? "
        "ORDER BY seq",
        row["agent_id"],
        events[0]["seq"] if events else 0,
    )
    return {
        "callId": call_id,
        "state": row["state"],
        "floor_doc": json.loads(docs[0]["doc"]) if docs else None,
        "events": [(e["seq"], e["kind"], e["agent_id"], round(e["at"], 3)) for e in events],
        "agent": row["agent_id"],
        "agent_events": [
            (e["seq"], e["kind"], e["call_id"], round(e["at"], 3), e["data"][:120])
            for e in agent[:25]
        ],
    }


# Double offers, exactly: walking the events table in seq order, an offer of call C to agent A
# is open from its `call.offered` until (a) A's next `agent.state_changed` to any state other
# than `reserved` (answered: `on_call`; withdrawn — a ring timeout, or the offers a new owner
# withdraws before it routes them again — back to `ready` or `not_ready`), or (b) C's
# `call.connected`, `call.ended`, `call.abandoned` or `call.disposed`. A `call.offered` of C
# (to any agent, A included) while an offer of C is open is a double offer. So an offer made
# again after the kill, to the same agent or another, counts only if the first was never
# withdrawn.
ENDS_THE_CALLS_OFFERS = ("call.connected", "call.ended", "call.abandoned", "call.disposed")


def _double_offers(store: Store) -> dict[str, Any]:
    rows = store.query(
        "SELECT seq, kind, agent_id, call_id, data FROM events WHERE kind IN ('call.offered', "
        "'agent.state_changed', 'call.connected', 'call.ended', 'call.abandoned', "
        "'call.disposed') ORDER BY seq"
    )
    open_offers: dict[str, set[str]] = {}  # call -> agents it is ringing for
    ringing: dict[str, set[str]] = {}  # agent -> calls offered to it, still open
    doubles: list[dict[str, Any]] = []
    for row in rows:
        call, agent = row["call_id"], row["agent_id"]
        if row["kind"] == "call.offered":
            if open_offers.get(call):
                doubles.append(
                    {"seq": row["seq"], "callId": call, "agent": agent,
                     "open_to": sorted(open_offers[call])}
                )  # fmt: skip
            open_offers.setdefault(call, set()).add(agent)
            ringing.setdefault(agent, set()).add(call)
        elif row["kind"] == "agent.state_changed":
            if json.loads(row["data"]).get("state") != "reserved":
                for ended in ringing.pop(agent, set()):
                    open_offers.get(ended, set()).discard(agent)
        elif call is not None:
            for was_ringing in open_offers.pop(call, set()):
                ringing.get(was_ringing, set()).discard(call)
    return {"double_offers": len(doubles), "double_offer_examples": doubles[:20]}


def _screen_pops(store: Store) -> dict[str, Any]:
    rows = store.query(
        "SELECT call_id, count(*) AS n FROM events WHERE kind = 'call.screen_pop' "
        "GROUP BY call_id ORDER BY n DESC"
    )
    repeated = [(row["call_id"], row["n"]) for row in rows if row["n"] > 1]
    return {
        "screen_pops_per_call_max": rows[0]["n"] if rows else 0,
        "calls_with_repeated_screen_pop": len(repeated),
        "repeated_screen_pop_examples": repeated[:20],
    }


def _agent_events(store: Store, seen: list[dict[str, Any]], cutoff: int) -> dict[str, Any]:
    """Per agent, by seq: the events the server addressed to it (rows with its agent_id)
    after its login's snapshot and up to `cutoff` (all calls over, before the sockets close),
    against the event frames it received, live or replayed. Session events are left out:
    `session.started` never goes to a socket, and a replay leaves `session.*` out (a session
    that ended would show as a failed resume instead)."""
    rows = store.query(
        "SELECT seq, kind, agent_id FROM events WHERE agent_id IS NOT NULL AND seq <= ? "
        "AND kind NOT LIKE 'session.%'",
        cutoff,
    )
    addressed: dict[str, dict[int, str]] = {}
    for row in rows:
        addressed.setdefault(row["agent_id"], {})[row["seq"]] = row["kind"]
    missing = duplicated = unexpected = 0
    examples: list[dict[str, Any]] = []
    for agent in seen:
        login = agent["login_seq"]
        expected = {s: k for s, k in addressed.get(agent["agent_id"], {}).items() if s > login}
        got = Counter(s for s in agent["seqs"] if login < s <= cutoff)
        gone = sorted(set(expected) - set(got))
        twice = sorted(s for s, n in got.items() if n > 1)
        extra = sorted(set(got) - set(expected))
        missing += len(gone)
        duplicated += sum(got[s] - 1 for s in twice)
        unexpected += len(extra)
        if (gone or twice or extra) and len(examples) < 20:
            examples.append(
                {"agent": agent["agent_id"], "missing": [(s, expected[s]) for s in gone[:10]],
                 "duplicated": twice[:10], "unexpected": extra[:10]}
            )  # fmt: skip
    return {
        "events_missing": missing,
        "events_duplicated": duplicated,
        "events_unexpected": unexpected,
        "event_examples": examples,
    }
