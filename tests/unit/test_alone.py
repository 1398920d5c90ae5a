"""The floor lock that lets a test marked `alone` run with no other test beside it while the
suite runs in xdist workers (tests/support/alone.py, hooked in by tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.alone import Floor

ROOT = Path(__file__).resolve().parents[2]
NOT_YET = 0.3  # seconds to watch for a lock that must not be granted


class Taker:
    """A thread that takes the floor and holds it until released."""

    def __init__(self, floor: Floor, *, alone: bool) -> None:
        self.held = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(floor, alone), daemon=True)
        self._thread.start()

    def _hold(self, floor: Floor, alone: bool) -> None:
        with floor.held(alone=alone):
            self.held.set()
            self._release.wait()

    def release(self) -> None:
        """Let go of the floor (or of the wait for it) and end the thread."""
        self._release.set()
        self._thread.join(5)


@pytest.fixture
def floors(tmp_path: Path) -> Iterator[list[Floor]]:
    # Each Floor opens the files anew: flock treats them as separate holders, as it does two
    # workers.
    opened = [Floor(tmp_path) for _ in range(3)]
    yield opened
    for floor in opened:
        floor.close()


def test_shared_holders_run_together(floors: list[Floor]) -> None:
    with floors[0].held(alone=False):
        other = Taker(floors[1], alone=False)
        try:
            assert other.held.wait(5)
        finally:
            other.release()


def test_an_alone_holder_waits_for_the_running_test_and_new_ones_wait_behind_it(
    floors: list[Floor],
) -> None:
    running, alone_floor, later_floor = floors
    takers: list[Taker] = []
    try:
        with running.held(alone=False):
            alone = Taker(alone_floor, alone=True)
            takers.append(alone)
            assert not alone.held.wait(NOT_YET)
            # The alone test waits: a test that comes now must not start beside the running
            # one and so keep it waiting (the turnstile).
            later = Taker(later_floor, alone=False)
            takers.append(later)
            assert not later.held.wait(NOT_YET)
        assert alone.held.wait(5)  # the running test ended: the alone one goes first
        assert not later.held.wait(NOT_YET)
        alone.release()
        assert later.held.wait(5)
    finally:
        for taker in takers:
            taker.release()


TWO_KINDS = """
import os, time
from pathlib import Path
import pytest

RUNNING = Path(os.environ["RUNNING_DIR"])

@pytest.mark.parametrize("n", range(12))
def test_beside(n: int) -> None:
    mark = RUNNING / f"beside-{n}"
    mark.touch()
    time.sleep(0.05)  # stands for a test's work
    mark.unlink()

@pytest.mark.alone
@pytest.mark.parametrize("n", range(3))
def test_alone(n: int) -> None:
    for _ in range(5):
        assert not any(RUNNING.iterdir()), list(RUNNING.iterdir())
        time.sleep(0.02)
"""

CONFTEST = """from tests.conftest import (
    pytest_configure,
    pytest_configure_node,
    pytest_runtest_protocol,
    pytest_unconfigure,
)
"""


def test_in_two_workers_no_test_runs_beside_an_alone_one(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(CONFTEST)
    (suite / "test_two_kinds.py").write_text(TWO_KINDS)
    running = tmp_path / "running"
    running.mkdir()
    # Only xdist's plugin: loading every installed plugin in three processes takes seconds.
    env = {
        **os.environ,
        "RUNNING_DIR": str(running),
        "PYTHONPATH": str(ROOT),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    args = ["-q", "-p", "xdist.plugin", "-n", "2", "--dist", "worksteal", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-o", "markers=alone", "--rootdir", str(suite)],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "15 passed" in done.stdout, done.stdout
