"""The collector tuned for serving: objects that live a little while (a call's) no longer
reach the oldest generation, so the whole heap is no longer scanned every few seconds; and
cyclic garbage is still collected. Each workload runs in a fresh interpreter, so the test
process's own collector is left as it is."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

WORKLOAD = textwrap.dedent(
    """
    import gc, json, sys, weakref
    from collections import deque
    if sys.argv[1] == "tuned":
        from agentbar.garbage_collection import tune_for_serving
        tune_for_serving()

    class Node:
        def __init__(self):
            self.me = self  # a cycle: only the collector frees it
            self.items = [{} for _ in range(8)]

    # The heap a server holds: long-lived sessions, as 1,000 agents' would be.
    sessions = [[Node() for _ in range(20)] for _ in range(1_000)]
    gc.collect()
    before = gc.get_stats()[2]["collections"]
    # Calls: each lives while the next 300 are made, then is dropped (cyclic garbage).
    alive = deque()
    for _ in range(60_000):
        alive.append([Node() for _ in range(5)])
        if len(alive) > 300:
            alive.popleft()
    whole_heap = gc.get_stats()[2]["collections"] - before
    # Cyclic garbage made after the tuning is still collected, without asking.
    dropped = Node()
    watch = weakref.ref(dropped)
    del dropped
    for _ in range(200_000):
        alive.append([Node()])
        alive.popleft()
    print(json.dumps({"whole_heap": whole_heap, "garbage_collected": watch() is None}))
    """
)


def _run(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", WORKLOAD, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_objects_that_live_a_little_while_no_longer_set_off_whole_heap_collections() -> None:
    default, tuned = _run("default"), _run("tuned")

    assert isinstance(default["whole_heap"], int)
    assert default["whole_heap"] >= 3
    assert tuned["whole_heap"] == 0
    assert tuned["garbage_collected"] is True
