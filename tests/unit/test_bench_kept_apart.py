"""A run of the whole bench keeps the figures of every run made apart from it."""

from __future__ import annotations

from bench.__main__ import kept_apart


def test_every_run_apart_is_kept_and_the_suites_own_figures_are_not() -> None:
    earlier = {
        "command": "bench/run",
        "load": [{"old": True}],
        "browser": {"old": True},
        "dialer": {"old": True},
        "baseline": {"old": True},
        "phones": {"calls": 1},
        "reports": {"rows": 2},
        "pop": {"points": []},
        "capacity": {"setups": []},
    }
    assert kept_apart(earlier) == {
        "phones": {"calls": 1},
        "reports": {"rows": 2},
        "pop": {"points": []},
        "capacity": {"setups": []},
    }
