"""The restart drill's quick mode end to end: `kill -9` of the server under load, a new process
on the same database, and nothing lost, offered twice, missed or popped twice across it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.drills import assert_nothing_lost, run_quick_drill

# Drives calls and a browser through a kill under load it makes itself, within a time limit:
# no other test beside it (tests/support/alone.py).
pytestmark = [pytest.mark.crash, pytest.mark.browser, pytest.mark.alone]


@pytest.mark.timeout(120)
def test_quick_drill_loses_nothing_across_a_kill(tmp_path: Path) -> None:
    drill, report = run_quick_drill("--drill", "drill", tmp_path, timeout=110)
    assert_nothing_lost(drill)
    assert drill["kill_to_serving_s"] > 0
    assert "## Restart drill" in report
