"""The demo: agentbar (demo data, simulator, SQLite), the sample CRM on its own origin, and
simulated traffic — customers calling Inbound Support at a steady pace (mostly from the CRM's
contacts, whose numbers are written in many formats; some unknown callers) and the CRM's leads
waiting in Outbound Sales.

Run by `scripts/demo` (`python -m examples.demo`). Ctrl-C stops everything. With `--nodes N`
(N > 1) agentbar runs as a cluster instead (examples/cluster_demo.py): N nodes on PostgreSQL and
Redis behind HAProxy, and the same CRM and traffic through HAProxy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from examples.cluster_demo import Cluster, running_cluster, watch_the_floor
from examples.crm.phones import normalise
from examples.crm.seed import CONTACTS
from examples.services.janus import have_janus, janus_server
from examples.services.ports import reserve
from examples.services.prompts import GREETING, have_prompt_tools, speak

UNKNOWN_SHARE = 0.2
"""Part of the simulated callers who are not in the CRM (its new-contact form pops)."""

HANG_UP_TRIES = 30
"""How often, a second apart, a cluster's customer tries to hang up while no node serves."""


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--agentbar-port", type=int, default=8080, help="agentbar's port (HAProxy's with --nodes)"
    )
    parser.add_argument("--crm-port", type=int, default=8081)
    parser.add_argument("--data-dir", default="demo-data", help="agentbar's and the CRM's data")
    parser.add_argument("--call-every", type=float, default=10.0, help="seconds between calls")
    parser.add_argument("--talk", type=float, default=30.0, help="mean seconds a customer talks")
    parser.add_argument("--max-calls", type=int, default=3, help="simulated calls live at once")
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="agentbar nodes: more than one runs them on PostgreSQL and Redis behind HAProxy",
    )
    options = parser.parse_args()
    if options.nodes < 1:
        parser.error("--nodes must be at least 1")
    return options


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo: {process.args!r} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        time.sleep(0.1)
    raise SystemExit(f"demo: {url} did not come up within {timeout:.0f} s")


def _caller(rng: random.Random) -> tuple[str, str]:
    """Who calls next: a CRM contact, by the number as written in their record, or now and
    then someone the CRM does not know."""
    if rng.random() < UNKNOWN_SHARE:
        phone = f"+1 415 555 {rng.randrange(200, 300):04d}"
        return phone, "an unknown caller"
    contact = rng.choice(CONTACTS)
    return contact.phone, contact.name


async def _add_leads(client: httpx.AsyncClient) -> None:
    """The CRM's leads, waiting in the preview campaign Outbound Sales."""
    leads = [
        {"phone": normalise(c.phone), "name": c.name, "data": {"company": c.company}}
        for c in CONTACTS
        if c.status == "lead"
    ]
    added = await client.post("/api/v1/campaigns/Outbound Sales/leads", json={"leads": leads})
    if added.status_code == 201:
        print(f"demo: {len(leads)} CRM leads wait in Outbound Sales (preview)", flush=True)
    else:
        print(f"demo: the leads were not added: {added.status_code} {added.text}", flush=True)


async def _customers(options: argparse.Namespace, agentbar: str, token: str) -> None:
    """Simulated customers calling Inbound Support at a steady pace, hanging up after a while."""
    rng = random.Random()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=agentbar, headers=headers) as client:
        try:
            await _add_leads(client)
            await _calls(options, client, rng)
        except httpx.TransportError:
            # Ctrl-C reaches agentbar too, and it may stop before this loop hears of it.
            print("demo: agentbar does not answer any more; the callers stop", flush=True)


async def _calls(
    options: argparse.Namespace, client: httpx.AsyncClient, rng: random.Random
) -> None:
    live: set[str] = set()

    async def hang_up_later(call_id: str) -> None:
        await asyncio.sleep(rng.expovariate(1 / options.talk))
        if options.nodes > 1:
            await _hang_up_through_a_takeover(client, call_id)
        else:
            with contextlib.suppress(httpx.HTTPError):
                await client.post(f"/api/v1/simulator/calls/{call_id}/hangup")
        live.discard(call_id)

    tasks: set[asyncio.Task[None]] = set()
    try:
        while True:
            if len(live) < options.max_calls:
                phone, who = _caller(rng)
                response = await _place_call(client, phone, keep_going=options.nodes > 1)
                if response is not None and response.status_code == 201:
                    call_id = response.json()["callId"]
                    live.add(call_id)
                    task = asyncio.create_task(hang_up_later(call_id))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    print(f"demo: {who} ({phone}) is calling Inbound Support", flush=True)
            await asyncio.sleep(options.call_every)
    finally:
        # The client closes once this returns: no hang-up may still be waiting to use it.
        for task in tasks:
            task.cancel()


async def _place_call(
    client: httpx.AsyncClient, phone: str, keep_going: bool
) -> httpx.Response | None:
    """The call, or None when a cluster's HAProxy did not answer (a takeover, or the demo
    stopping): the next caller tries again. One agentbar that stops answering ends the calls."""
    try:
        return await client.post(
            "/api/v1/simulator/calls", json={"from": phone, "campaign": "Inbound Support"}
        )
    except httpx.TransportError:
        if not keep_going:
            raise
        return None


async def _hang_up_through_a_takeover(client: httpx.AsyncClient, call_id: str) -> None:
    """While no node owns the floor HAProxy answers 503; the new owner keeps the call, so the
    customer hangs up once it serves rather than staying on the line for good."""
    for _ in range(HANG_UP_TRIES):
        with contextlib.suppress(httpx.HTTPError):
            answer = await client.post(f"/api/v1/simulator/calls/{call_id}/hangup")
            if answer.status_code < 500:
                return
        await asyncio.sleep(1.0)


def _environment(options: argparse.Namespace, token: str, data_dir: Path) -> dict[str, str]:
    """What agentbar (every node of it) and the CRM are started with."""
    agentbar = f"http://{options.host}:{options.agentbar_port}"
    crm = f"http://{options.host}:{options.crm_port}"
    crm_origins = {
        crm,
        f"http://localhost:{options.crm_port}",
        f"http://127.0.0.1:{options.crm_port}",
    }
    return {
        **os.environ,
        "AGENTBAR_ALLOWED_ORIGINS": ",".join(sorted(crm_origins)),
        "AGENTBAR_ADMIN_TOKEN": token,
        # agentbar asks the CRM's SSO endpoint when the CRM logs its toolbar in.
        "AGENTBAR_CRM_SSO_URL": f"{crm}/sso",
        "AGENTBAR_CRM_SSO_FORMAT": "json",
        # The sample CRM listens on this machine: a private target the operator allows.
        "AGENTBAR_ALLOW_PRIVATE_TARGETS": "true",
        "AGENTBAR_API_DOCS": "true",
        # the CRM's settings (examples.crm.app:demo_app)
        "AGENTBAR_URL": agentbar,
        "CRM_DATABASE": str(data_dir / "crm.db"),
    }


def _browser_phone(stack: contextlib.ExitStack, env: dict[str, str], data_dir: Path) -> bool:
    """Janus for the toolbar's browser phone, and the callers' spoken greeting, when Debian's
    janus, espeak-ng and opus-tools are there (scripts/demo installs them)."""
    if not have_janus() or not have_prompt_tools():
        print("demo: no Janus here: the browser phone is off (scripts/setup --janus)", flush=True)
        return False
    janus = stack.enter_context(janus_server())
    greeting = speak(GREETING, data_dir / "greeting.opus")
    env["AGENTBAR_JANUS_URL"] = janus.url
    env["AGENTBAR_JANUS_TOKEN_SECRET"] = janus.token_secret
    env["AGENTBAR_SANDBOX_GREETING"] = str(greeting)
    print(f"demo: Janus at {janus.url} carries the browser phone's audio", flush=True)
    return True


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    options = _options()
    # The servers started here for a cluster (PostgreSQL, Redis, the nodes) take free ports:
    # never the two this demo was told to serve on, which it binds last.
    reserve(options.agentbar_port, options.crm_port)
    root = Path(__file__).resolve().parent.parent
    token = secrets.token_urlsafe(16)
    agentbar = f"http://{options.host}:{options.agentbar_port}"
    crm = f"http://{options.host}:{options.crm_port}"
    data_dir = Path(options.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _environment(options, token, data_dir)
    processes: list[subprocess.Popen[bytes]] = []
    # The cluster's servers (and Janus) are stopped last, once the CRM and the callers are gone.
    with contextlib.ExitStack() as cluster_servers:
        try:
            server, cluster = None, None
            phone = options.nodes == 1 and _browser_phone(cluster_servers, env, data_dir)
            if options.nodes > 1:
                cluster = cluster_servers.enter_context(
                    running_cluster(options, env, root, data_dir)
                )
            else:
                server = subprocess.Popen(
                    [sys.executable, "-m", "agentbar", "serve", "--host", options.host,
                     "--port", str(options.agentbar_port), "--data-dir", str(data_dir), "--demo"],
                    env=env, cwd=root,
                )  # fmt: skip
                processes.append(server)
            crm_server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "examples.crm.app:demo_app",
                 "--host", options.host, "--port", str(options.crm_port), "--log-level",
                 "warning"],
                env=env, cwd=root,
            )  # fmt: skip
            processes.append(crm_server)
            if server is not None:
                _wait_until_up(f"{agentbar}/healthz", server)
            _wait_until_up(f"{crm}/login", crm_server)
            phone_hint = (
                "demo: to talk in the browser, pick the extension Browser 2001 in the toolbar: "
                "callers greet you through its phone\n"
                if phone
                else ""
            )
            print(
                f"\ndemo: open the CRM at {crm}/ and sign in as agent1 / agent1 "
                f"(agents agent1…agent5, password = user id); the toolbar signs in with you\n"
                "demo: in the toolbar pick Inbound Support and press Ready; callers pop their "
                f"contact in the CRM\n{phone_hint}"
                f"demo: agentbar is at {agentbar}; admin token for this run: {token}\n"
                "demo: Ctrl-C stops everything\n",
                flush=True,
            )
            asyncio.run(_traffic(options, agentbar, token, cluster))
        except KeyboardInterrupt:
            pass
        finally:
            print("\ndemo: stopping", flush=True)
            _stop(processes)
    return 0


async def _traffic(
    options: argparse.Namespace, agentbar: str, token: str, cluster: Cluster | None
) -> None:
    """The callers; with a cluster, the watcher that names the floor's owner too."""
    if cluster is None:
        await _customers(options, agentbar, token)
    else:
        await asyncio.gather(_customers(options, agentbar, token), watch_the_floor(cluster, token))


if __name__ == "__main__":
    raise SystemExit(main())
