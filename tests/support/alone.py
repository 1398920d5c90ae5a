"""Tests that must have the machine to themselves while the suite runs in worker processes.

A test marked `alone` measures time under a load it makes itself (a socket flood, a short
bench, a capacity ramp): another test running beside it, in another worker, steals the cores
its limits were set for, and its load would slow that other test in turn. So every test holds
a shared lock on the floor while it runs (setup, call and teardown) and an `alone` test holds
it exclusively. A turnstile in front of the floor gives the exclusive taker priority: once it
waits, no new test starts beside the one still running, so it cannot be starved.

The locks are `flock`s on two files in a directory the controlling process makes; the kernel
drops a lock when its holder dies, so a crashed worker cannot leave the suite waiting.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MARKER = "alone"
LOCKS_KEY = "agentbar_alone_locks"
"""Where the controlling process tells each worker the lock directory (xdist's workerinput)."""


class Floor:
    """One worker's handles on the shared lock files."""

    def __init__(self, directory: Path) -> None:
        self._turnstile = os.open(directory / "turnstile", os.O_CREAT | os.O_RDWR, 0o600)
        self._floor = os.open(directory / "floor", os.O_CREAT | os.O_RDWR, 0o600)

    @contextmanager
    def held(self, *, alone: bool) -> Iterator[None]:
        """The floor held for one test: shared, or exclusively when `alone`."""
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._floor, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._floor, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._turnstile)
        os.close(self._floor)
