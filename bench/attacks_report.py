"""The "Attacks and bad days" section of docs/BENCHMARKS.md: bench/attacks.py's figures for a
checkout before the budgets and for this one, side by side."""

from __future__ import annotations

from typing import Any


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _answers(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {code}" for code, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _logins(logins: list[dict[str, Any]]) -> str:
    ok = [entry["ms"] for entry in logins if entry["outcome"] == "ok"]
    failed = [entry["outcome"] for entry in logins if entry["outcome"] != "ok"]
    slowest = f", slowest answered {_ms(max(ok))}" if ok else ""
    return f"{len(ok)} of {len(logins)} answered{slowest}" + (
        f"; {', '.join(failed)}" if failed else ""
    )


def _flood(f: dict[str, Any]) -> list[str]:
    ping = f["other_agent_ping_ms"]
    return [
        f"{f['frames_answered']:,} of {f['frames_sent']:,} frames answered "
        f"({_answers(f['answers'])}); socket closed {f['flooding_socket_closed']}",
        f"{f['backlog_after_flood_s']:.2f} s",
        f"p99 {_ms(ping.get('p99'))}, max {_ms(f['other_agent_ping_max_ms'])}",
        _ms(f["healthz_max_ms"]),
        _logins(f["real_logins"]),
    ]


def _buffering(b: dict[str, Any]) -> list[str]:
    rss = b["rss_mib"]
    return [
        f"{', '.join(sorted(set(b['unauthenticated_50mb_posts'])))} in {b['posts_s']:.2f} s",
        f"{rss['before']:.0f} → {rss['peak']:.0f} MiB",
        b["15mb_frame"],
        b["idle_unauthenticated_sockets_open_after_15s"],
    ]


def _second(s: dict[str, Any]) -> list[str]:
    return [
        f"exit {s['exit_status']} after {s['exit_s']:.1f} s, {s['output_lines']} line(s)",
        str(s["sessions_ended_by_it"]),
        "yes" if s["first_servers_agent_still_served"] else "no",
    ]


def _locked(d: dict[str, Any]) -> list[str]:
    failed = d["healthz_failed_at_s"]
    unanswered = (
        f"; {len(failed)} unanswered, between {min(failed):.1f} and {max(failed):.1f} s"
        if failed
        else ""
    )
    closed = d["sockets_closed_by_the_server_at_s"]
    commands = d["commands"]
    return [
        f"max {_ms(d['healthz_max_ms'])}{unanswered}",
        f"{int(d['ping_ms'].get('count', 0))} answered, p99 {_ms(d['ping_ms'].get('p99'))}, "
        f"max {_ms(d['ping_max_ms'])}",
        ", ".join(f"at {t:.1f} s" for t in sorted(closed.values())) or "none",
        "; ".join(f"{c['code']} in {_ms(c['ms'])}" for c in commands) or "none answered",
        ", ".join(str(code) for code in d["readyz_statuses_seen"]),
        _seconds(d["ready_again_after_release_s"]),
    ]


FLOOD_ROWS = [
    "the flooding socket",
    "answers still owed after the flood",
    "another agent's ping (every 50 ms)",
    "`/healthz` (every 200 ms)",
    "4 real logins during the flood",
]
BUFFER_ROWS = [
    "six 50 MB POSTs without a token",
    "server memory",
    "a 15 MB frame",
    "1,000 sockets that never log in, open after 15 s",
]
SECOND_ROWS = ["the second server", "sessions it ended", "the first one's agent still served"]
LOCK_ROWS = [
    "`/healthz` while locked",
    "another agent's ping while locked",
    "sockets closed by the server",
    "a floor command (`presence.break`) while locked",
    "`/readyz` answers seen",
    "ready again after the lock is let go",
]


def _rows(d: dict[str, Any]) -> list[tuple[str, list[str]]]:
    brute = d["1_brute_force"]
    honest = brute["honest_login"]
    return [
        ("**1.** 200 wrong passwords for one agent at once", [_answers(brute["answers"])]),
        ("another agent's login meanwhile", [f"{honest['outcome']} in {_ms(honest['ms'])}"]),
        *[
            (f"**2a.** `auth.resume` flood, not logged in: {name}", [value])
            for name, value in zip(FLOOD_ROWS, _flood(d["2a_unauthenticated_flood"]), strict=True)
        ],
        *[
            (f"**2b.** `snapshot` flood, logged in: {name}", [value])
            for name, value in zip(FLOOD_ROWS, _flood(d["2b_authenticated_flood"]), strict=True)
        ],
        *[
            (f"**3.** {name}", [value])
            for name, value in zip(BUFFER_ROWS, _buffering(d["3_buffering"]), strict=True)
        ],
        *[
            (f"**4.** {name}", [value])
            for name, value in zip(SECOND_ROWS, _second(d["4_second_server"]), strict=True)
        ],
        *[
            (f"**5.** {name}", [value])
            for name, value in zip(LOCK_ROWS, _locked(d["5_locked_database"]), strict=True)
        ],
    ]


def attacks_lines(d: dict[str, Any], measured_by: list[str]) -> list[str]:
    after = _rows(d["after"])
    before = _rows(d["before"]) if d.get("before") else [(name, ["—"]) for name, _ in after]
    lines = [
        "## Attacks and bad days",
        "",
        *measured_by,
        "Each scenario runs against its own fresh `agentbar serve --demo` on loopback (SQLite, "
        "simulator); attackers connect from 127.0.0.1, honest agents from 127.0.0.2 to .4. "
        f"*Before* is `{d.get('before_label', 'none')}`, *after* this commit, measured by the "
        "same code in the same run.",
        "",
        "| scenario | before | after |",
        "|---|---|---|",
    ]
    for (name, [was]), (_, [now]) in zip(before, after, strict=True):
        lines.append(f"| {name} | {was} | {now} |")
    lines.append("")
    return lines
