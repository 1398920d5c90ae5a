"""Rooms of a media engine that mix audio, and play a file into one: what the sandbox's
simulated customers speak through (Janus's AudioBridge is the driver)."""

from __future__ import annotations

from typing import Protocol


class MediaUnavailable(Exception):
    """The media engine refused or could not be reached; the message says which and why."""


class MediaRooms(Protocol):
    async def open_room(self, pin: str) -> int:
        """A new room that only those given `pin` may join; its number."""
        ...

    async def play(self, room: int, path: str) -> None:
        """Play the audio file at `path` (on the media engine's machine) in the room, looped."""
        ...

    async def close_room(self, room: int) -> None: ...
