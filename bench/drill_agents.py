"""Socket agents that ride out a server restart, in a worker process (see bench/drill.py).

Each agent logs in with a login token, picks its extension and goes ready, then works every
call it is screen-popped: talks `talk_s`, hangs up, disposes. When its socket closes it
reconnects, with the toolbar's backoff, until a socket opens on a node that serves, and
resumes its session with `auth.resume` and the last event `seq` it saw, as the toolbar does;
only a refused resume makes it log in again. It records every event frame's `seq` (live or
replayed), every `call.offered` and `call.screen_pop` with its call, and when each resume was
answered.

As the toolbar, which shows the disposition form only once the agent is in `wrap_up`, it
disposes only once it has seen its own state turn `wrap_up` (an event or a resume's snapshot):
a hangup's answer says the hangup was ordered, and the call's end comes after it.

A call's work survives the restart: a hangup or disposition whose answer never came (the
socket died first) is sent again after the resume if the resume's snapshot says it is still
needed — the agent still `on_call` (hang up) or in `wrap_up` (dispose) on that call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Origin

from bench.agents import login_token
from bench.server import DISPOSITION, extension_of


@dataclass
class DrillSpec:
    socket_url: str
    origin: str
    crm_origin: str
    agent_ids: list[str]
    talk_s: float
    reconnect_for_s: float = 120.0
    """How long an agent keeps trying to get its socket back before it gives up."""
    login_concurrency: int = 32


@dataclass
class Seen:
    """What one agent saw and did; sent back to the drill as a plain dict."""

    agent_id: str
    login_seq: int = 0
    """The snapshot `seq` of the first login: events up to it are in the snapshot, not sent."""
    seqs: list[int] = field(default_factory=list)
    offers: list[tuple[str, int, bool, float]] = field(default_factory=list)
    """(callId, seq, replayed, time.time() when read) of every `call.offered` frame."""
    pops: list[tuple[str, int]] = field(default_factory=list)
    resumed_at: list[float] = field(default_factory=list)
    replayed: int = 0
    relogins: int = 0
    resume_failures: list[str] = field(default_factory=list)
    too_far_behind: int = 0
    connect_attempts: int = 0
    completed: int = 0
    errors: Counter[str] = field(default_factory=Counter)


BACKOFF_S = (0.25, 0.5, 1.0, 2.0, 5.0)
"""The toolbar's reconnection backoff (static/toolbar/socket.js), no jitter, as it has none."""


WRAP_UP_WAIT_S = 30.0
"""The longest an agent waits for its wrap-up after a hangup before it disposes anyway."""

TRY_AGAIN_S = 0.5
"""How long an agent waits before clicking again when the server said to try again."""


def _try_again(answer: dict[str, Any]) -> bool:
    """Refused for now, not for good: no node owned the floor in time (a failover)."""
    return not answer["ok"] and answer["error"]["code"] == "floor_unavailable"


class Lost(Exception):
    """The socket closed before the command's answer came."""


class DrillAgent:
    def __init__(self, agent_id: str, spec: DrillSpec) -> None:
        self.agent_id = agent_id
        self.seen = Seen(agent_id)
        self._spec = spec
        self._ws: ClientConnection | None = None
        self._live = asyncio.Event()  # set while logged in (or resumed) on an open socket
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 0
        self._token = ""
        self._last_seq = 0
        self._replay_left = 0
        self._snapshot: dict[str, Any] = {}
        self._state = ""  # the agent's state, from its events and snapshots
        self._state_seen = asyncio.Event()  # set at each change of `_state`
        self._calls: dict[str, asyncio.Task[None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.stopping = False

    # -- the socket ----------------------------------------------------------------------

    async def _open(self, again: bool = True) -> ClientConnection:
        """A socket to a node that serves: retried (a dead or standing-by node refuses it),
        `again` after a close: the toolbar waits its first backoff step even then."""
        deadline = time.monotonic() + self._spec.reconnect_for_s
        failed = 0
        if again:
            await asyncio.sleep(BACKOFF_S[0])
            failed = 1
        while True:
            self.seen.connect_attempts += 1
            try:
                ws = await connect(
                    self._spec.socket_url,
                    origin=Origin(self._spec.origin),
                    open_timeout=10,
                    ping_interval=None,  # the server pings
                )
            except (OSError, TimeoutError, WebSocketException):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(BACKOFF_S[min(failed, len(BACKOFF_S) - 1)])
                failed += 1
                continue
            self._ws = ws
            self._reader = asyncio.create_task(self._read(ws))
            return ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                self._on_frame(json.loads(text))
        except ConnectionClosed:
            pass
        finally:
            self._live.clear()
            pending, self._pending = self._pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(Lost())

    def _on_frame(self, frame: dict[str, Any]) -> None:
        if "event" in frame:
            seq: int = frame["seq"]
            replayed = self._replay_left > 0
            if replayed:
                self._replay_left -= 1
                self.seen.replayed += 1
            self.seen.seqs.append(seq)
            self._last_seq = max(self._last_seq, seq)
            kind, data = frame["event"], frame["data"]
            if kind == "agent.state_changed":
                self._set_state(data["state"])
            elif kind == "call.offered":
                self.seen.offers.append((data["callId"], seq, replayed, time.time()))
            elif kind == "call.screen_pop":
                self.seen.pops.append((data["callId"], seq))
                self._work_on(data["callId"], "talk")
        elif "re" in frame:
            # Read here, not where the answer is awaited: the frames after it may come first.
            if frame.get("ok") and "snapshot" in frame:
                self._snapshot = frame["snapshot"]
                self._set_state(self._snapshot["agent"]["state"])
                if frame.get("tooFarBehind"):
                    self.seen.too_far_behind += 1
                self._replay_left = int(frame.get("replayed", 0))
                if "replayed" not in frame or frame.get("tooFarBehind"):
                    # As the toolbar: a snapshot without a replay is the state to go on from.
                    self._last_seq = max(self._last_seq, int(self._snapshot["seq"]))
            future = self._pending.pop(frame["re"], None)
            if future is not None and not future.done():
                future.set_result(frame)

    def _set_state(self, state: str) -> None:
        self._state = state
        self._state_seen.set()

    async def _in_wrap_up(self) -> None:
        """Until the agent's state is `wrap_up` (or WRAP_UP_WAIT_S: the dispose says why not)."""
        deadline = time.monotonic() + WRAP_UP_WAIT_S
        while self._state != "wrap_up" and (left := deadline - time.monotonic()) > 0:
            self._state_seen.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._state_seen.wait(), left)

    async def _request(self, ws: ClientConnection, cmd: str, **fields: Any) -> dict[str, Any]:
        self._next_id += 1
        frame_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[frame_id] = future
        try:
            await ws.send(json.dumps({"id": frame_id, "cmd": cmd, **fields}))
        except ConnectionClosed as closed:
            self._pending.pop(frame_id, None)
            self._live.clear()  # before its reader notices: `Lost` always means "wait for a resume"
            raise Lost() from closed
        return await future

    async def _command(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """A command once the agent is back on a socket; `Lost` if that socket dies first."""
        await self._live.wait()
        assert self._ws is not None
        answer = await self._request(self._ws, cmd, **fields)
        if not answer["ok"]:
            self.seen.errors[f"{cmd}: {answer['error']['code']}"] += 1
        return answer

    # -- logging in, resuming ------------------------------------------------------------

    async def log_in(self, ws: ClientConnection) -> None:
        answer = await self._request(
            ws,
            "auth.login",
            username=self.agent_id,
            password=login_token(self.agent_id),
            authPolicy="AUTH_TYPE_TOKEN",
            crmOrigin=self._spec.crm_origin,
        )
        if not answer["ok"]:
            raise RuntimeError(f"{self.agent_id} auth.login: {answer['error']}")
        self._token = answer["token"]
        if not self.seen.login_seq:
            self.seen.login_seq = int(answer["snapshot"]["seq"])
        name, phone = extension_of(self.agent_id)
        for cmd, fields in (("extension.select", {"name": name, "phone": phone}),
                            ("presence.ready", {})):  # fmt: skip
            answer = await self._request(ws, cmd, **fields)
            if not answer["ok"]:
                raise RuntimeError(f"{self.agent_id} {cmd}: {answer['error']}")
        self._live.set()

    async def start(self) -> None:
        await self.log_in(await self._open(again=False))

    async def keep_on(self) -> None:
        """Until stopped: whenever the socket closes, get it back and resume."""
        try:
            await self._keep_on()
        except Exception as error:
            self.seen.errors[f"gave up: {error!r}"[:200]] += 1

    async def _keep_on(self) -> None:
        while not self.stopping:
            assert self._reader is not None
            await self._reader
            if self.stopping:
                return
            while not self.stopping:
                ws = await self._open()
                try:
                    answer = await self._request(
                        ws,
                        "auth.resume",
                        token=self._token,
                        crmOrigin=self._spec.crm_origin,
                        lastSeq=self._last_seq,
                    )
                    if answer["ok"]:
                        self.seen.resumed_at.append(time.time())
                        self._live.set()
                        self._pick_up()
                    else:
                        self.seen.resume_failures.append(answer["error"]["code"])
                        self.seen.relogins += 1
                        await self.log_in(ws)
                    break
                except Lost:
                    continue  # the new socket died too: once more

    def _pick_up(self) -> None:
        """After a resume: a call on the agent that it has not been working on (its screen
        pop came while the socket was away and is still to be replayed, or the pop was lost)."""
        state = self._snapshot["agent"]["state"]
        call = self._snapshot.get("call") or {}
        if state == "on_call" and call.get("callId"):
            self._work_on(call["callId"], "talk")
        elif state == "wrap_up" and call.get("callId"):
            self._work_on(call["callId"], "dispose")

    # -- working a call ------------------------------------------------------------------

    def _work_on(self, call_id: str, step: str) -> None:
        if call_id not in self._calls:  # one piece of work per call, however often it pops
            self._calls[call_id] = asyncio.create_task(self._work(call_id, step))

    async def _work(self, call_id: str, step: str) -> None:
        if step == "talk":
            await asyncio.sleep(self._spec.talk_s)
            step = "hangup"
        while True:
            try:
                if step == "hangup":
                    answer = await self._command("call.hangup")
                    if _try_again(answer):
                        await asyncio.sleep(TRY_AGAIN_S)
                        continue
                    step = "dispose"
                await self._in_wrap_up()
                answer = await self._command("disposition.dispose", code=DISPOSITION)
                if answer["ok"]:
                    self.seen.completed += 1
                elif _try_again(answer):
                    await asyncio.sleep(TRY_AGAIN_S)
                    continue
                return
            except Lost:
                # Whether the command was carried out is for the resumed snapshot to say.
                await self._live.wait()
                state = self._snapshot["agent"]["state"]
                if (self._snapshot.get("call") or {}).get("callId") != call_id:
                    return
                if state == "on_call":
                    step = "hangup"
                elif state == "wrap_up":
                    step = "dispose"
                else:
                    return

    async def stop(self) -> None:
        self.stopping = True
        for task in self._calls.values():
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        await asyncio.gather(*self._calls.values(), return_exceptions=True)

    def results(self) -> dict[str, Any]:
        s = self.seen
        return {**s.__dict__, "errors": dict(s.errors)}


async def _run(spec: DrillSpec, pipe: Connection) -> None:
    agents = [DrillAgent(agent_id, spec) for agent_id in spec.agent_ids]
    gate = asyncio.Semaphore(spec.login_concurrency)

    async def start(agent: DrillAgent) -> None:
        async with gate:
            await agent.start()

    began = time.monotonic()
    await asyncio.gather(*(start(agent) for agent in agents))
    pipe.send(("ready", len(agents), time.monotonic() - began))
    keepers = [asyncio.create_task(agent.keep_on()) for agent in agents]
    await asyncio.to_thread(pipe.recv)  # the pipe blocks; the loop keeps serving the sockets
    await asyncio.gather(*(agent.stop() for agent in agents), return_exceptions=True)
    for keeper in keepers:
        keeper.cancel()
    await asyncio.gather(*keepers, return_exceptions=True)
    pipe.send(("results", [agent.results() for agent in agents]))


def worker_main(spec: DrillSpec, pipe: Connection) -> None:
    """The entry point of a worker process."""
    try:
        asyncio.run(_run(spec, pipe))
    except Exception as error:
        pipe.send(("failed", repr(error)))
        raise
