"""The stored live floor: what a starting process reads back to go on where the last one
stopped. It is written with the events of each move (`EventLog.record`), in one transaction."""

from __future__ import annotations

from typing import Protocol

from agentbar.domain.model.durable import FloorImage


class FloorStore(Protocol):
    async def load_floor(self) -> FloorImage:
        """Every agent logged in, every live call, each queue's order and every pending timer,
        as the last stored move left them."""
        ...
