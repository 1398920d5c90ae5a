"""Socket agents in a worker process: many toolbar connections on one asyncio loop.

Each agent logs in with a login token, picks its extension, goes ready (its only campaign is
selected at login), and then works every call it is offered: on the screen pop it talks for
`talk_s`, hangs up and disposes. The worker tells the parent over a pipe when all its agents
are ready; told "collect", it hands back what it measured since the last time and goes on; told
"stop", it closes the sockets and hands back the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import jwt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.server import DISPOSITION, TOKEN_SECRET, extension_of


@dataclass
class WorkerSpec:
    socket_url: str
    origin: str
    crm_origin: str
    agent_ids: list[str]
    talk_s: float
    login_concurrency: int = 32


@dataclass
class Measured:
    offered: list[float] = field(default_factory=list)
    screen_pops: list[float] = field(default_factory=list)
    completed_at: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def take(self) -> dict[str, Any]:
        """What was measured so far, as sent over the pipe; the meters start again from zero."""
        taken = {
            "offered": self.offered,
            "screen_pops": self.screen_pops,
            "completed_at": self.completed_at,
            "errors": dict(self.errors),
        }
        self.offered, self.screen_pops, self.completed_at = [], [], []
        self.errors = Counter()
        return taken


def login_token(agent_id: str) -> str:
    now = int(time.time())
    claims = {"sub": agent_id, "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, TOKEN_SECRET, algorithm="HS256")


class Agent:
    def __init__(self, agent_id: str, ws: ClientConnection, spec: WorkerSpec, out: Measured):
        self.agent_id = agent_id
        self._ws = ws
        self._spec = spec
        self._out = out
        self._next_id = 0
        self._hangup_id = -1
        self._dispose_id = -1
        self._talks: set[asyncio.Task[None]] = set()

    async def _send(self, cmd: str, **fields: Any) -> int:
        self._next_id += 1
        await self._ws.send(json.dumps({"id": self._next_id, "cmd": cmd, **fields}))
        return self._next_id

    async def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send and wait for the answer; only while setting up, before `work` reads."""
        frame_id = await self._send(cmd, **fields)
        while True:
            frame: dict[str, Any] = json.loads(await self._ws.recv())
            if frame.get("re") == frame_id:
                if not frame["ok"]:
                    raise RuntimeError(f"{self.agent_id} {cmd}: {frame['error']}")
                return frame

    async def set_up(self) -> None:
        await self.request(
            "auth.login",
            username=self.agent_id,
            password=login_token(self.agent_id),
            authPolicy="AUTH_TYPE_TOKEN",
            crmOrigin=self._spec.crm_origin,
        )
        name, phone = extension_of(self.agent_id)
        await self.request("extension.select", name=name, phone=phone)
        await self.request("presence.ready")

    async def work(self) -> None:
        """Read frames until the socket closes, reacting to each as a toolbar would."""
        try:
            async for text in self._ws:
                received = time.time()
                frame = json.loads(text)
                if "event" in frame:
                    self._on_event(frame, received)
                elif "re" in frame:
                    await self._on_answer(frame, received)
        except ConnectionClosed:
            pass

    def _on_event(self, frame: dict[str, Any], received: float) -> None:
        kind = frame["event"]
        if kind == "call.offered":
            self._out.offered.append(received - frame["at"])
        elif kind == "call.screen_pop":
            self._out.screen_pops.append(received - frame["at"])
            talk = asyncio.create_task(self._talk_then_hang_up())
            self._talks.add(talk)
            talk.add_done_callback(self._talks.discard)

    async def _talk_then_hang_up(self) -> None:
        await asyncio.sleep(self._spec.talk_s)
        self._hangup_id = await self._send("call.hangup")

    async def _on_answer(self, frame: dict[str, Any], received: float) -> None:
        if not frame["ok"]:
            self._out.errors[frame["error"]["code"]] += 1
            return
        if frame["re"] == self._hangup_id:
            self._dispose_id = await self._send("disposition.dispose", code=DISPOSITION)
        elif frame["re"] == self._dispose_id:
            self._out.completed_at.append(received)

    async def close(self) -> None:
        await self._ws.close()


async def _open(spec: WorkerSpec, agent_id: str, out: Measured, gate: asyncio.Semaphore) -> Agent:
    async with gate:
        ws = await connect(
            spec.socket_url,
            origin=Origin(spec.origin),
            open_timeout=120,
            # The server pings; a client ping per socket would only add load to measure.
            ping_interval=None,
        )
        agent = Agent(agent_id, ws, spec, out)
        await agent.set_up()
        return agent


async def _run(spec: WorkerSpec, pipe: Connection) -> None:
    out = Measured()
    gate = asyncio.Semaphore(spec.login_concurrency)
    started = time.monotonic()
    agents = await asyncio.gather(*(_open(spec, a, out, gate) for a in spec.agent_ids))
    pipe.send(("ready", len(agents), time.monotonic() - started))
    workers = [asyncio.create_task(agent.work()) for agent in agents]
    # The pipe blocks; a thread waits on it so the loop keeps serving the sockets.
    while await asyncio.to_thread(pipe.recv) == "collect":
        pipe.send(("results", out.take()))
    closing = asyncio.Semaphore(256)

    async def close(agent: Agent) -> None:
        async with closing:
            await agent.close()

    await asyncio.gather(*(close(agent) for agent in agents), return_exceptions=True)
    await asyncio.gather(*workers, return_exceptions=True)
    pipe.send(("results", out.take()))


def worker_main(spec: WorkerSpec, pipe: Connection) -> None:
    """The entry point of a worker process."""
    try:
        asyncio.run(_run(spec, pipe))
    except Exception as error:
        pipe.send(("failed", repr(error)))
        raise
