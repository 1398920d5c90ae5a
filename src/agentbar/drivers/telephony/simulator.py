"""The simulated telephone network: the sandbox every agentbar starts with.

It keeps the customer's side of each call and the agents' extensions. Instructions from the
contact center (ring an agent, end a call) become signals back after the configured delays,
on the injected clock, so tests can run in virtual time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agentbar.domain.call import CallType
from agentbar.domain.commands import AgentAnswered, CallArrived, CallEnded, Signal
from agentbar.domain.errors import UnknownCall
from agentbar.domain.instructions import EndCall, Instruction, OfferToAgent
from agentbar.ports import Cancellable, Clock


@dataclass
class SimulatedCall:
    call_id: str
    phone: str
    customer_crt: str
    agent_leg: str | None = None
    agent_phone: str | None = None
    pending: list[Cancellable] = field(default_factory=list)


class Simulator:
    def __init__(
        self, clock: Clock, new_id: Callable[[str], str], answer_delay: float = 0.0
    ) -> None:
        self._clock = clock
        self._new_id = new_id
        self._answer_delay = answer_delay
        self._calls: dict[str, SimulatedCall] = {}
        self._emit: Callable[[Signal], None] | None = None

    def attach(self, emit: Callable[[Signal], None]) -> None:
        self._emit = emit

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for call in self._calls.values():
            for timer in call.pending:
                timer.cancel()
        self._calls.clear()

    def live_calls(self) -> list[str]:
        return list(self._calls)

    # -- the customer's side (sandbox API) --------------------------------------------------

    def place_inbound_call(self, phone: str, campaign_id: str) -> str:
        call = SimulatedCall(self._new_id("call"), phone, self._new_id("crt"))
        self._calls[call.call_id] = call
        self._signal(
            CallArrived(call.call_id, CallType.INBOUND, campaign_id, phone, call.customer_crt)
        )
        return call.call_id

    def hang_up_customer(self, call_id: str) -> None:
        self._end(call_id, "customer")

    # -- instructions from the contact center -------------------------------------------

    async def execute(self, instruction: Instruction) -> None:
        if isinstance(instruction, OfferToAgent):
            self._offer(instruction)
        elif isinstance(instruction, EndCall) and instruction.call_id in self._calls:
            self._end(instruction.call_id, "agent")

    def _offer(self, offer: OfferToAgent) -> None:
        call = self._calls.get(offer.call_id)
        if call is None:
            return  # the customer hung up before the offer reached telephony
        call.agent_leg = offer.user_crt
        call.agent_phone = offer.extension_phone
        # Simulated agent phones auto-answer, as contact-center softphones commonly do.
        call.pending.append(
            self._clock.call_later(
                self._answer_delay, lambda: self._signal(AgentAnswered(offer.call_id))
            )
        )

    def _end(self, call_id: str, ended_by: str) -> None:
        call = self._calls.pop(call_id, None)
        if call is None:
            raise UnknownCall(f"no live simulated call '{call_id}'")
        for timer in call.pending:
            timer.cancel()
        self._signal(CallEnded(call_id, ended_by))

    def _signal(self, signal: Signal) -> None:
        if self._emit is None:
            raise RuntimeError("simulator is not attached to a contact center")
        self._emit(signal)
