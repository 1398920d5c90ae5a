"""The attacks section of docs/BENCHMARKS.md: each scenario's figures, before and after."""

from __future__ import annotations

from typing import Any

from bench.attacks_report import attacks_lines


def flood(answered: int, closed: int, ping_max: float) -> dict[str, Any]:
    return {
        "frames_sent": 50_000,
        "frames_answered": answered,
        "answers": {"rate_limited": answered},
        "flooding_socket_closed": closed,
        "backlog_after_flood_s": 0.0,
        "other_agent_ping_ms": {"count": 100.0, "p50": 1.0, "p99": 2.0},
        "other_agent_ping_max_ms": ping_max,
        "healthz_max_ms": 5.0,
        "real_logins": [{"user": "agent4", "outcome": "ok", "ms": 30.0}],
    }


def scenarios(guesses: dict[str, int], ping_max: float) -> dict[str, Any]:
    return {
        "1_brute_force": {
            "answers": guesses,
            "honest_login": {"user": "agent2", "outcome": "ok", "ms": 40.0},
        },
        "2a_unauthenticated_flood": flood(40, 1008, ping_max),
        "2b_authenticated_flood": flood(41, 1008, ping_max),
        "3_buffering": {
            "unauthenticated_50mb_posts": ["401"] * 6,
            "posts_s": 0.1,
            "rss_mib": {"before": 130.0, "after_posts": 130.0, "peak": 131.0},
            "15mb_frame": "socket closed 1009",
            "idle_unauthenticated_sockets_open_after_15s": "0 of 1000",
        },
        "4_second_server": {
            "exit_status": 4,
            "exit_s": 1.5,
            "output_lines": 1,
            "sessions_ended_by_it": 0,
            "first_servers_agent_still_served": True,
        },
        "5_locked_database": {
            "healthz_max_ms": 20.0,
            "healthz_failed_at_s": [5.0, 6.5],
            "ping_ms": {"count": 50.0, "p99": 1.5},
            "ping_max_ms": 2.0,
            "sockets_closed_by_the_server_at_s": {"pinging": 5.5},
            "commands": [{"code": "storage_unavailable", "ms": 5010}],
            "readyz_statuses_seen": [200, 503],
            "ready_again_after_release_s": 0.4,
        },
    }


def row(lines: list[str], starts: str) -> list[str]:
    [found] = [line for line in lines if line.startswith(f"| {starts}")]
    return [cell.strip() for cell in found.strip("|").split("|")]


def test_each_scenario_is_a_row_with_its_figure_before_and_after() -> None:
    lines = attacks_lines(
        {
            "before_label": "7e1669d",
            "before": scenarios({"invalid_credentials": 200}, 12_397.0),
            "after": scenarios({"invalid_credentials": 10, "too_many_attempts": 190}, 3.6),
        },
        [],
    )
    assert lines[0] == "## Attacks and bad days"
    assert "*Before* is `7e1669d`" in "\n".join(lines)
    assert row(lines, "**1.** 200 wrong")[1:] == [
        "200 invalid_credentials",
        "190 too_many_attempts, 10 invalid_credentials",
    ]
    ping = row(lines, "**2a.** `auth.resume` flood, not logged in: another agent's ping")
    assert ping[1:] == ["p99 2.0 ms, max 12,397 ms", "p99 2.0 ms, max 3.6 ms"]
    locked = row(lines, "**5.** `/healthz` while locked")
    assert locked[2] == "max 20 ms; 2 unanswered, between 5.0 and 6.5 s"


def test_without_a_checkout_before_the_before_column_is_empty() -> None:
    lines = attacks_lines({"before": None, "after": scenarios({"too_many_attempts": 1}, 1.0)}, [])
    assert row(lines, "**4.** the second server")[1:] == ["—", "exit 4 after 1.5 s, 1 line(s)"]
