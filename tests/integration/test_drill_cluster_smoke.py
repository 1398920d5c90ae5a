"""The cluster drill's quick mode end to end: three nodes on PostgreSQL and Redis behind
HAProxy, `kill -9` of the owner under load, another node taking the floor, then `kill -9` of
the node left that only serves sockets; nothing lost, offered twice, missed or popped twice
across both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.drills import assert_nothing_lost, run_quick_drill

LEASE_S = 5.0  # the default lease, which the drill leaves as it is

# Drives calls and a browser through a kill under load it makes itself, within a time limit:
# no other test beside it (tests/support/alone.py).
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.browser,
    pytest.mark.alone,
]


@pytest.mark.timeout(150)
def test_quick_cluster_drill_loses_nothing_when_the_owner_then_a_door_is_killed(
    tmp_path: Path,
) -> None:
    drill, report = run_quick_drill("--drill-cluster", "drill_cluster", tmp_path, timeout=140)
    assert_nothing_lost(drill)
    assert drill["new_owner"] != drill["killed_owner"]
    assert drill["killed_door"] not in (drill["new_owner"], drill["killed_owner"])
    assert 0 < drill["kill_to_first_offer_made_s"] <= LEASE_S + 3.0
    if drill["door_sockets_at_kill"]:
        assert drill["door_resumes"] > 0
        assert 0 < drill["door_kill_to_all_resumed_s"] <= 5.0
    assert "## Cluster drill (three nodes)" in report
