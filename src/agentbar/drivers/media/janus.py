"""agentbar's own client of Janus's WebSocket API, for the AudioBridge plugin: rooms that mix
a call's SIP legs (conferences) as plain-RTP participants. Janus does the mixing; this only
asks for it.

The protocol (https://janus.conf.meetecho.com/docs/rest.html, over WebSocket with the
`janus-protocol` subprotocol): one session kept alive by a keepalive every 25 s, one handle per
participant. Synchronous plugin requests (`create`, `destroy`) are answered with `success`;
asynchronous ones (`join`, `configure`, `leave`) with `ack`, then an `event` carrying the same
transaction. Every request carries a token signed with Janus's `token_auth_secret`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from agentbar.auth.phone_secrets import AUDIOBRIDGE_PLUGIN, janus_token
from agentbar.ports.media import MediaUnavailable

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 25.0
REQUEST_TIMEOUT = 10.0
TOKEN_LIFETIME = 24 * 3600.0


class JanusError(MediaUnavailable):
    """Janus refused a request or could not be reached; the message says which and why."""


@dataclass
class Participant:
    """One plain-RTP participant of a room: its handle, and where Janus takes its RTP (PCMU,
    payload type 0) for the room."""

    handle: int
    host: str
    port: int
    id: object = None
    """Its id in the room (Janus picks it)."""


class JanusClient:
    def __init__(self, url: str, token: Callable[[float], str]) -> None:
        """`token(expires_at)`: a token Janus accepts for the AudioBridge plugin."""
        self._url = url
        self._token = token
        self._token_value = ""
        self._token_expires = 0.0
        self._ws: ClientConnection | None = None
        self._session = 0
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._rooms = itertools.count(secrets.randbelow(2**30) + 1)

    @classmethod
    def signing(cls, url: str, secret: str) -> JanusClient:
        """A client that signs its own AudioBridge tokens with Janus's token_auth_secret."""
        return cls(url, lambda expires: janus_token(secret, expires, (AUDIOBRIDGE_PLUGIN,)))

    # -- the connection -------------------------------------------------------------------

    async def _connected(self) -> None:
        async with self._lock:
            if self._ws is not None:
                return
            try:
                self._ws = await websockets.connect(
                    self._url, subprotocols=[websockets.Subprotocol("janus-protocol")]
                )
            except (OSError, websockets.WebSocketException) as error:
                raise JanusError(f"Janus is unreachable at {self._url}: {error}") from None
            self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))
            created = await self._request({"janus": "create"})
            self._session = int(created["data"]["id"])
            self._keepalive = asyncio.get_running_loop().create_task(self._keep_alive())

    async def close(self) -> None:
        for task in (self._keepalive, self._reader):
            if task is not None:
                task.cancel()
        if self._ws is not None:
            with contextlib.suppress(websockets.WebSocketException, OSError):
                await self._ws.close()
        self._ws = None

    def _token_now(self) -> str:
        now = time.time()
        if now > self._token_expires - 3600:
            self._token_expires = now + TOKEN_LIFETIME
            self._token_value = self._token(self._token_expires)
        return self._token_value

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            try:
                await self._request({"janus": "keepalive", "session_id": self._session})
            except JanusError as error:
                log.warning("Janus keepalive failed: %s", error)
                return

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                transaction = message.get("transaction")
                kind = message.get("janus")
                if kind == "event" and transaction in self._events:
                    self._events.pop(transaction).set_result(message)
                elif kind in ("success", "error", "ack") and transaction in self._pending:
                    self._pending.pop(transaction).set_result(message)
        except websockets.WebSocketException as error:
            log.warning("Janus connection lost: %s", error)
        finally:
            self._ws = None
            gone = JanusError(f"the connection to Janus at {self._url} was lost")
            for waiting in (*self._pending.values(), *self._events.values()):
                if not waiting.done():
                    waiting.set_exception(gone)
            self._pending.clear()
            self._events.clear()

    async def _request(self, message: dict[str, Any], *, event: bool = False) -> dict[str, Any]:
        """Send `message`; its answer (with `event`, the event that follows its ack)."""
        ws = self._ws
        if ws is None:
            raise JanusError(f"not connected to Janus at {self._url}")
        transaction = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending[transaction] = answer
        followed: asyncio.Future[dict[str, Any]] | None = None
        if event:
            followed = loop.create_future()
            self._events[transaction] = followed
        payload = {**message, "transaction": transaction, "token": self._token_now()}
        try:
            await ws.send(json.dumps(payload))
            reply = await asyncio.wait_for(answer, REQUEST_TIMEOUT)
            if reply.get("janus") == "error":
                error = reply.get("error", {})
                raise JanusError(f"Janus refused: {error.get('code')} {error.get('reason')}")
            if followed is not None:
                reply = await asyncio.wait_for(followed, REQUEST_TIMEOUT)
        except TimeoutError:
            raise JanusError(f"Janus did not answer within {REQUEST_TIMEOUT} s") from None
        finally:
            self._pending.pop(transaction, None)
            self._events.pop(transaction, None)
        data = reply.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError(f"AudioBridge refused: {data.get('error_code')} {data['error']}")
        return reply

    async def _attach(self) -> int:
        attached = await self._request(
            {"janus": "attach", "plugin": AUDIOBRIDGE_PLUGIN, "session_id": self._session}
        )
        return int(attached["data"]["id"])

    async def _message(
        self,
        handle: int,
        body: dict[str, Any],
        jsep: dict[str, Any] | None = None,
        *,
        event: bool = False,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "janus": "message",
            "session_id": self._session,
            "handle_id": handle,
            "body": body,
        }
        if jsep is not None:
            message["jsep"] = jsep
        return await self._request(message, event=event)

    # -- rooms ------------------------------------------------------------------------------

    async def _ask(self, body: dict[str, Any], *, quiet: bool = False) -> None:
        """One synchronous AudioBridge request on a handle of its own; with `quiet`, a refusal
        is only logged (the room or the file is gone already) and a lost Janus ignored."""
        if quiet and self._ws is None:
            return
        await self._connected()
        handle = await self._attach()
        try:
            await self._message(handle, body)
        except JanusError as error:
            if not quiet:
                raise
            log.info("Janus: %s refused: %s", body["request"], error)
        finally:
            await self._detach(handle)

    async def _create(self, settings: dict[str, Any]) -> int:
        room = next(self._rooms)
        await self._ask(
            {
                "request": "create",
                "room": room,
                "audiolevel_event": False,
                "is_private": True,
                **settings,
            }
        )
        return room

    async def create_room(self) -> int:
        """A new room that mixes G.711 phones: 8 kHz, plain RTP allowed."""
        return await self._create({"sampling_rate": 8000, "allow_rtp_participants": True})

    # The sandbox's rooms (ports.MediaRooms): browsers join them over WebRTC, with a PIN.

    async def open_room(self, pin: str) -> int:
        return await self._create({"sampling_rate": 16000, "pin": pin})

    async def play(
        self, room: int, path: str, *, loop: bool = True, file_id: str | None = None
    ) -> None:
        body: dict[str, Any] = {"request": "play_file", "room": room, "filename": path}
        await self._ask(body | {"loop": loop} | ({"file_id": file_id} if file_id else {}))

    async def stop_file(self, room: int, file_id: str) -> None:
        """Stop a file playing (it may have finished already)."""
        await self._ask({"request": "stop_file", "room": room, "file_id": file_id}, quiet=True)

    async def close_room(self, room: int) -> None:
        await self.destroy_room(room)

    async def destroy_room(self, room: int) -> None:
        await self._ask({"request": "destroy", "room": room}, quiet=True)

    async def join(self, room: int, display: str, host: str, port: int) -> Participant:
        """A plain-RTP participant speaking PCMU with the phone taking its audio at `host`:
        `port`. Janus sends it the room's mix once the phone's first packet has come."""
        await self._connected()
        handle = await self._attach()
        try:
            joined = await self._message(
                handle,
                {
                    "request": "join",
                    "room": room,
                    "display": display,
                    "codec": "pcmu",
                    "rtp": {"ip": host, "port": port},
                },
                event=True,
            )
        except JanusError:
            await self._detach(handle)
            raise
        data = joined.get("plugindata", {}).get("data", {})
        rtp = data.get("rtp", {})
        if not rtp.get("ip") or not rtp.get("port"):
            await self._detach(handle)
            raise JanusError("AudioBridge joined a participant without its RTP address")
        return Participant(handle, str(rtp["ip"]), int(rtp["port"]), data.get("id"))

    async def hears(self, room: int, participant: Participant) -> bool:
        """Whether Janus sends the participant the room's mix yet: not before the first packet
        from its phone has come (the room lists it as set up)."""
        await self._connected()
        found = await self._message(
            participant.handle, {"request": "listparticipants", "room": room}
        )
        listed = found.get("plugindata", {}).get("data", {}).get("participants", [])
        return any(p.get("id") == participant.id and p.get("setup") for p in listed)

    async def leave(self, participant: Participant) -> None:
        if self._ws is None:
            return
        try:
            await self._message(participant.handle, {"request": "leave"}, event=True)
        except JanusError as error:
            log.info("Janus: leaving: %s", error)
        await self._detach(participant.handle)

    async def _detach(self, handle: int) -> None:
        with contextlib.suppress(JanusError):
            await self._request(
                {"janus": "detach", "session_id": self._session, "handle_id": handle}
            )
