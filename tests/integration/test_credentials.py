"""Password checks run off the event loop: argon2's deliberate slowness never stalls the
other agents' sockets."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from agentbar.auth.passwords import Passwords
from agentbar.auth.policy import AuthPolicy
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.services.credentials import Credentials


class GatedPasswords(Passwords):
    """Verification that waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(memory_kib=8, time_cost=1)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def verify(self, stored_hash: str | None, password: str) -> bool:
        self.entered.set()
        assert self.gate.wait(timeout=10)
        return super().verify(stored_hash, password)


async def test_the_loop_keeps_running_while_a_password_is_checked(tmp_path: Path) -> None:
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'c.db'}")
    storage.migrate()
    passwords = GatedPasswords()
    storage.catalog.upsert_agent("a1", "a1", passwords.hash("secret"))
    credentials = Credentials(storage.catalog, passwords)

    login = asyncio.create_task(credentials.check(AuthPolicy.PASSWORD, "a1", "secret"))
    await asyncio.to_thread(passwords.entered.wait, 10)
    # The check is under way and blocked; the loop still runs other work meanwhile.
    other = asyncio.create_task(asyncio.sleep(0, result="served"))
    assert await asyncio.wait_for(other, timeout=5) == "served"
    assert not login.done()
    passwords.gate.set()
    verified = await asyncio.wait_for(login, timeout=10)
    assert verified.agent.agent_id == "a1"
    storage.close()
