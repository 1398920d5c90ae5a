"""The telephone network: instructions out, signals in; and a simulated network's extras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from agentbar.domain.model.commands import Signal
from agentbar.domain.model.instructions import Instruction


class TelephonyDriver(Protocol):
    """Carries out instructions and reports what happened on the lines as signals."""

    def attach(self, emit: Callable[[Signal], None]) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, instruction: Instruction) -> None: ...


class Sandbox(Protocol):
    """Customer-side controls only a simulated telephone network has."""

    def place_inbound_call(self, phone: str, campaign_id: str) -> str:
        """Start a customer's call into the campaign; returns the call id."""
        ...

    def hang_up_customer(self, call_id: str) -> None:
        """The customer hangs up; raises UnknownCall if no such live call."""
        ...
