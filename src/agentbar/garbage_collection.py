"""The cyclic garbage collector, tuned for a server that holds many long-lived sockets.

CPython's collector scans the whole heap (its oldest generation) once a quarter as many
objects again as it holds have been promoted into it. With the defaults (a young collection
every 700 allocations, ten of them before a middle one), the objects of a call in progress
(its tasks, frames, futures and frames' cells, alive for the call's half second or more)
live through the young and middle collections and are promoted, then die soon after; at
200 calls a second that promotes a quarter of the heap every few seconds. With 1,000 agents
connected the heap holds ~400,000 tracked objects, and each whole-heap collection stopped
the event loop for 250-300 ms every 3-5 seconds (measured under `bench/run --capacity`): every
request, offer and frame in flight waited that long, and the admission gate could not tell
it from a backlog.

A young generation of 50,000 objects lets a call's objects die young: the whole-heap
collection all but stops under load, and a young collection stays short (what it scans is
what was allocated since the last one). The objects made while starting (modules, classes,
the app and its wiring) are frozen: they live as long as the process, so a whole-heap
collection need not scan them again.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations (less deallocations) between young collections; CPython's default is 700."""
MIDDLE_THRESHOLD = 20
"""Young collections between middle ones; CPython's default is 10."""
OLD_THRESHOLD = 10
"""Middle collections between looks at the whole heap (CPython's default; the rule of a
quarter of the heap promoted still applies)."""


def tune_for_serving() -> None:
    """Set the collector's thresholds for a long-running server and freeze what exists now.
    Call it once the app is built, just before serving."""
    gc.collect()  # the start's own garbage, not frozen with the rest
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    gc.freeze()
