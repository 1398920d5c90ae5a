"""The sandbox's customers speak to a browser phone.

On the simulator there is no SIP to carry a call's audio, yet an agent trying the browser phone
in the demo should hear a customer. So when a simulated call connects to an agent working from
a `browser` extension, the customer's side is a media room (Janus's AudioBridge) playing a
short spoken greeting, guarded by a PIN; the agent's toolbar asks for that room
(`phone.room`) and joins it over WebRTC. The room closes when the call ends.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from agentbar.domain.model.agent import ExtensionKind
from agentbar.ports import Envelope, MediaRooms, MediaUnavailable
from agentbar.services.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceRoom:
    room: int
    pin: str


class SandboxVoices:
    def __init__(self, runtime: Runtime, rooms: MediaRooms, greeting: Path) -> None:
        self._runtime = runtime
        self._rooms = rooms
        self._greeting = greeting
        self._calls: dict[str, asyncio.Task[VoiceRoom | None]] = {}
        """Each speaking call's room, being opened or open."""

    def see(self, envelope: Envelope) -> None:
        """A runtime watcher: a call connected to a browser phone gets its room; an ended
        call's room closes."""
        call_id = envelope.call_id
        if call_id is None:
            return
        if envelope.kind == "call.connected" and call_id not in self._calls:
            agent = self._runtime.center.find_agent(envelope.agent_id or "")
            extension = agent.extension if agent is not None else None
            if extension is not None and extension.kind is ExtensionKind.BROWSER:
                self._calls[call_id] = asyncio.get_running_loop().create_task(self._open())
        elif envelope.kind == "call.ended" and call_id in self._calls:
            asyncio.get_running_loop().create_task(self._close(self._calls.pop(call_id)))

    async def _open(self) -> VoiceRoom | None:
        pin = secrets.token_hex(8)
        try:
            room = await self._rooms.open_room(pin)
            await self._rooms.play(room, str(self._greeting))
        except MediaUnavailable as error:  # the call goes on, silent
            log.warning("sandbox: the customer's greeting could not be played: %s", error)
            return None
        return VoiceRoom(room, pin)

    async def _close(self, opening: asyncio.Task[VoiceRoom | None]) -> None:
        voice = await opening
        if voice is not None:
            try:
                await self._rooms.close_room(voice.room)
            except MediaUnavailable as error:
                log.info("sandbox: a room did not close: %s", error)

    async def room_of(self, call_id: str) -> VoiceRoom | None:
        opening = self._calls.get(call_id)
        return None if opening is None else await opening
