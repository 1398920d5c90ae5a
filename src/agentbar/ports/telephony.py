"""The telephone network: instructions out, signals in; and a simulated network's extras."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CustomerBehaviour:
    """How a simulated customer treats the outbound calls to their number (a dial from an
    agent's phone or a predictive dial alike)."""

    answer_after: float | None = 0.0
    """Seconds of ringing before the line is picked up; None: it never is (no answer)."""
    busy: bool = False
    """The line is busy at once: nobody ever picks up."""
    machine: bool = False
    """An answering machine picks up, after `answer_after`: answering-machine detection hangs
    up on it, so the call never reaches an agent."""
    hang_up_after: float | None = None
    """Seconds after picking up that the person hangs up; None: they wait for the other side."""
    ivr_keys: str = ""
    """The keys they press when an IVR asks them for digits; none: the collection times out."""


class AbandonRecord(Protocol):
    """What a simulated network heard of abandoned calls, as a regulator would count them."""

    @property
    def messages_played(self) -> Sequence[tuple[str, str]]:
        """(call id, message) of the latest abandoned calls that heard their campaign's
        message (a bounded number of them), oldest first."""
        ...


class Sandbox(Protocol):
    """Customer-side controls only a simulated telephone network has."""

    def place_inbound_call(self, phone: str, campaign_id: str) -> str:
        """Start a customer's call into the campaign; returns the call id."""
        ...

    def hang_up_customer(self, call_id: str) -> None:
        """The customer hangs up; raises UnknownCall if no such live call."""
        ...

    def script_outbound_customer(self, phone: str, behaviour: CustomerBehaviour) -> None:
        """From now on the customer at `phone` (E.164) treats outbound calls as `behaviour`
        says (calls already ringing keep the script they were dialled with)."""
        ...

    @property
    def dialer_record(self) -> AbandonRecord: ...
