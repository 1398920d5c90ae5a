"""A throwaway PostgreSQL server for tests and the cluster demo, from Debian's packages:
`initdb` into a fresh directory, `pg_ctl` on a free loopback port, stopped and removed
afterwards.

PostgreSQL refuses to run as root, so under root (CI, a fresh machine) the cluster belongs to
the `postgres` user that Debian's package creates, and every server command runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from examples.services.ports import free_port

SUPERUSER = "agentbar"
PORT_ATTEMPTS = 3
"""Free ports tried: another process may take the one picked before the server binds it."""
PORT_TAKEN = "Address already in use"
"""In the server's log when it could not bind its port."""


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps them off the PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _major_version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


@dataclass
class PostgresServer:
    port: int
    _names: Iterator[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's SQLAlchemy URL: each test gets its own."""
        name = f"test_{next(self._names)}"
        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup --postgres")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="agentbar-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    log = base / "server.log"

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, cwd=base)

    try:
        run(
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
        )
        pg_ctl = (str(binaries / "pg_ctl"), "-D", str(data))
        stop = (*pg_ctl, "-m", "immediate", "-w", "stop")
        # The port is picked just before the start, and another tried if something took it in
        # between (the server then fails to bind and says so in its log).
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = free_port()
            options = (
                f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                run(*pg_ctl, "-l", str(log), "-o", options, "-w", "start")
                break
            except subprocess.CalledProcessError:
                if attempt < PORT_ATTEMPTS and _port_was_taken(log):
                    log.unlink()
                    continue
                _stop_if_up(run, stop)
                raise
            except BaseException:
                _stop_if_up(run, stop)
                raise
        try:
            yield PostgresServer(port, itertools.count(1))
        finally:
            run(*stop)
    except subprocess.CalledProcessError as error:
        detail = log.read_text() if log.exists() else ""
        raise RuntimeError(f"PostgreSQL failed: {error.stderr.decode()}\n{detail}") from error
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _stop_if_up(run: Callable[..., None], stop: tuple[str, ...]) -> None:
    # pg_ctl starts the server in a session of its own, so a Ctrl-C (or a timeout) that ends
    # pg_ctl may leave the server up: stop it, if it is there, before going on.
    with contextlib.suppress(subprocess.CalledProcessError):
        run(*stop)


def _port_was_taken(log: Path) -> bool:
    return log.exists() and PORT_TAKEN in log.read_text(errors="replace")
