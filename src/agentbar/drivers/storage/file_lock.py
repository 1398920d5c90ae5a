"""One process per embedded database: a lock on a file beside it, held while the process runs.

The kernel drops the lock when its holder dies, `kill -9` included. So a process that gets it
knows no other live process uses the database — and that whatever still holds the floor's lease
in it is a dead one, whose lease need not be waited out.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from agentbar.ports.values import StorageInUse


class DatabaseFileLock:
    def __init__(self, database: Path) -> None:
        self._path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def take(self) -> None:
        if self._fd is not None:
            return
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StorageInUse(
                f"another agentbar process uses the database {self._path.with_suffix('')}; "
                "stop it first (one server per data directory)"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
