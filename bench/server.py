"""The agentbar server under test: its own process, seeded with the bench's agents.

The bench agents are `bench-00001`…, each with its own extension (so each simulated phone is
distinct), all in one inbound campaign; `browser-1` works a campaign of its own so the
in-browser screen pop is measured on calls no socket agent can take.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agentbar.domain.model.campaign import CampaignKind, DispositionClass, DispositionPlan
from agentbar.drivers.storage.sql import SqlDatabase
from tests.support.servers import serving

ADMIN_TOKEN = "bench-admin-token-of-128-bits-at-least"
TOKEN_SECRET = "bench-token-secret-of-at-least-32-bytes"
CAMPAIGN = "Bench Inbound"
BROWSER_CAMPAIGN = "Bench Browser"
BROWSER_AGENT = "browser-1"
DISPOSITION = "Sale"
PLAN = DispositionPlan((DispositionClass("Resolved", (DISPOSITION,)),))


def agent_ids(count: int) -> list[str]:
    return [f"bench-{i:05d}" for i in range(1, count + 1)]


def extension_of(agent_id: str) -> tuple[str, str]:
    """(name, phone) of the extension an agent works from."""
    if agent_id == BROWSER_AGENT:
        return "SIP 1001", "1001"
    number = int(agent_id.rsplit("-", 1)[1])
    return f"B{number:05d}", str(200000 + number)


@dataclass
class BenchServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/socket"


def provision(data_dir: Path, agents: int) -> None:
    provision_database(f"sqlite:///{data_dir / 'agentbar.db'}", agents)


def provision_database(url: str, agents: int) -> None:
    """The bench's catalog into the database at `url` (SQLAlchemy's), migrated first."""
    storage = SqlDatabase(url)
    storage.migrate()
    ids = agent_ids(agents)
    # No password hashes: the bench logs in with tokens, and argon2 would cost ~40 ms each.
    for agent_id in [*ids, BROWSER_AGENT]:
        storage.catalog.upsert_agent(agent_id, agent_id, None)
        storage.catalog.upsert_extension(*extension_of(agent_id))
    storage.catalog.upsert_campaign(CAMPAIGN, CampaignKind.INBOUND, PLAN, ids)
    # The browser agent's wrap-up ends by itself, so its calls need no toolbar clicks.
    storage.catalog.upsert_campaign(
        BROWSER_CAMPAIGN,
        CampaignKind.INBOUND,
        PLAN,
        [BROWSER_AGENT],
        wrap_up_timeout=0.01,
        default_disposition=DISPOSITION,
    )
    storage.close()


@contextmanager
def bench_server(data_dir: Path, agents: int, allowed_origins: list[str]) -> Iterator[BenchServer]:
    data_dir.mkdir(parents=True, exist_ok=True)
    provision(data_dir, agents)
    env = {
        **os.environ,
        "AGENTBAR_ALLOWED_ORIGINS": ",".join(allowed_origins),
        "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN,
        "AGENTBAR_TOKEN_SECRET": TOKEN_SECRET,
        # Every simulated agent connects from loopback: no cap per address.
        "AGENTBAR_SOCKETS_PER_ADDRESS": "1000000",
        "AGENTBAR_SOCKETS_TOTAL": "1000000",
        # The bench measures the server, not the per-socket frame budget (20/s, burst 40).
        "AGENTBAR_SOCKET_RATE": "10000",
        "AGENTBAR_SOCKET_BURST": "100000",
        # Warnings only: an access-log line per simulator POST would be measured as well.
        "AGENTBAR_LOG_LEVEL": "warning",
    }
    log_path = data_dir / "server.log"
    args = ["--data-dir", str(data_dir)]
    with serving(args, env, log_path, ready_timeout=60.0, stop_timeout=20.0) as served:
        yield BenchServer(served.process, served.port, log_path)
