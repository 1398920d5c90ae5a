"""The telephone network: instructions out, signals in; and a simulated network's extras."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from agentbar.domain.model.call import Call
from agentbar.domain.model.commands import Signal
from agentbar.domain.model.instructions import Instruction


class TelephonyDriver(Protocol):
    """Carries out instructions and reports what happened on the lines as signals."""

    def attach(self, emit: Callable[[Signal], None]) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, instruction: Instruction) -> None: ...

    async def adopt(self, calls: Sequence[Call], phones: Mapping[str, str]) -> None:
        """Take over the live calls a process that died left (the floor restored them), before
        `start`. `phones` names each logged-in agent's extension phone. The network outlived
        the process: customers are still on their lines, connected parties still connected;
        a driver that cannot take a call back reports it ended (CallEnded), never leaves it
        hanging. Offers that were ringing are not taken back: the floor makes them again."""
        ...


class Sandbox(Protocol):
    """Customer-side controls only a simulated telephone network has."""

    def place_inbound_call(self, phone: str, campaign_id: str) -> str:
        """Start a customer's call into the campaign; returns the call id."""
        ...

    def hang_up_customer(self, call_id: str) -> None:
        """The customer hangs up; raises UnknownCall if no such live call."""
        ...
