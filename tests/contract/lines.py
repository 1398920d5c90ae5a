"""The telephone lines a contract test drives, one implementation per telephony driver.

Each gives the same handles: agents' phones that answer or refuse, a customer who calls in
and hangs up, numbers behind the trunk, the driver's signals in order, and observations of
who is talking to whom, made the way that driver's world can be seen: the simulator's line
view, or what real SIP phones report over their control sockets.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from agentbar.clock import LoopClock
from agentbar.domain.model.commands import CallArrived, Signal
from agentbar.domain.model.ivr import DigitCollection
from agentbar.drivers.media.janus import JanusClient
from agentbar.drivers.telephony.simulator import CustomerScript, PhoneScript, Simulator
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.ids import new_id
from agentbar.ports import TelephonyDriver
from tests.support.baresip import Phone, phone, write_tone

S = TypeVar("S", bound=Signal)
CAMPAIGN = "campaign-inbound"
CUSTOMER = "+14085551212"
DIALED = "+18005550100"
OUTBOUND_NUMBER = "+14155550123"
"""The number behind the trunk that outbound calls and transfers reach."""
SIGNAL_TIMEOUT = 10.0


class Lines(Protocol):
    name: str

    @property
    def driver(self) -> TelephonyDriver: ...

    async def next_signal(self, kind: type[S], within: float = SIGNAL_TIMEOUT) -> S:
        """The driver's next signal, which must be of `kind`."""
        ...

    async def agent_phone(self, extension: str, *, busy: bool = False) -> None:
        """An agent's phone that auto-answers (or refuses every call when `busy`)."""
        ...

    async def busy_number(self, number: str) -> None:
        """The customer at `number` (behind the trunk) refuses calls as busy."""
        ...

    async def customer_calls(self) -> CallArrived:
        """The customer CUSTOMER dials DIALED; the call arrives in CAMPAIGN."""
        ...

    async def customer_hangs_up(self, call_id: str) -> None: ...

    async def talking(self, call_id: str, party: str) -> None:
        """Assert `party` (an extension, a number, or CUSTOMER) is connected on the call."""
        ...

    async def left(self, call_id: str, party: str) -> None:
        """Assert `party` is no longer on the call."""
        ...

    async def held(self, call_id: str, on_hold: bool) -> None:
        """Assert the call is (or is no longer) on hold."""
        ...


class NoSignal(TimeoutError):
    """The signal awaited did not come in time (with what the phones saw, for SIP)."""


class _Signals:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Signal] = asyncio.Queue()

    async def next_signal(self, kind: type[S], within: float = SIGNAL_TIMEOUT) -> S:
        signal = await asyncio.wait_for(self.queue.get(), within)
        assert isinstance(signal, kind), f"expected {kind.__name__}, got {signal}"
        return signal


class SimulatedLines(_Signals):
    name = "simulator"

    def __init__(self) -> None:
        super().__init__()
        self.simulator = Simulator(LoopClock(), new_id)
        self.driver: TelephonyDriver = self.simulator
        self.simulator.attach(self.queue.put_nowait)

    async def agent_phone(self, extension: str, *, busy: bool = False) -> None:
        self.simulator.script_phone(extension, PhoneScript(busy=busy))

    async def busy_number(self, number: str) -> None:
        self.simulator.script_customer(number, CustomerScript(busy=True))

    async def customer_calls(self) -> CallArrived:
        self.simulator.place_inbound_call(CUSTOMER, CAMPAIGN)
        return await self.next_signal(CallArrived)

    async def customer_hangs_up(self, call_id: str) -> None:
        self.simulator.hang_up_customer(call_id)

    async def talking(self, call_id: str, party: str) -> None:
        line = self.simulator.line(call_id)
        assert line is not None, f"no live line {call_id}"
        if party == CUSTOMER or (party.startswith("+") and line.customer_with is None):
            return  # the customer (called in, or dialed out to) is on every live line
        assert party in (line.agent_phone, line.customer_with), f"{party} not on {line}"
        if party == line.customer_with:
            assert any(address == party and up for address, up in line.legs.values())

    async def left(self, call_id: str, party: str) -> None:
        line = self.simulator.line(call_id)
        if line is not None and party != CUSTOMER:
            assert party not in (line.agent_phone, line.customer_with), f"{party} on {line}"
        elif party == CUSTOMER:
            assert line is None, f"the customer is still on {line}"

    async def held(self, call_id: str, on_hold: bool) -> None:
        assert self.simulator.is_on_hold(call_id) is on_hold


class SipLines(_Signals):
    """agentbar's SIP driver with real baresip phones: agents' extensions registered with it,
    a customer phone calling in, and a trunk phone answering every number dialed out."""

    name = "sip"
    PASSWORD = "contract-secret"

    def __init__(self, workdir: Path, stack: AsyncExitStack) -> None:
        super().__init__()
        self._workdir = workdir
        self._stack = stack
        self._agent_tone = write_tone(workdir / "agent.wav", 1000)
        self._customer_tone = write_tone(workdir / "customer.wav", 440)
        self.phones: dict[str, Phone] = {}
        self._talking: set[str] = set()
        self.trunk: Phone | None = None
        self.customer: Phone | None = None
        self.driver: SipTelephony

    async def next_signal(self, kind: type[S], within: float = SIGNAL_TIMEOUT) -> S:
        try:
            return await super().next_signal(kind, within)
        except TimeoutError:
            # What the phones saw is the only account of a signal that never came.
            raise NoSignal(
                f"no {kind.__name__} within {within} s; the phones' logs:\n{self._phone_logs()}"
            ) from None

    def _phone_logs(self, lines: int = 40) -> str:
        running = [*self.phones.values(), self.trunk, self.customer]
        parts = []
        for each in running:
            if each is None:
                continue
            log = each.workdir / "baresip.log"
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            parts.append(f"--- {each.name}\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    async def open(
        self,
        ring_timeout: float = 3.0,
        janus: JanusClient | None = None,
        ivr_prompts: Path | None = None,
        ivr_collection: Callable[[str], DigitCollection | None] = lambda ivr: None,
    ) -> None:
        self.trunk = self._enter(
            phone(
                self._workdir,
                "trunk",
                f"<sip:{OUTBOUND_NUMBER}@127.0.0.1:{{sip_port}}>;regint=0;answermode=auto",
                tone=self._customer_tone,
                record=True,
            )
        )
        settings = SipSettings(
            host="127.0.0.1",
            port=0,
            trunk=("127.0.0.1", self.trunk.sip_port),
            realm="agentbar",
            ring_timeout=ring_timeout,
            password_of=lambda extension: self.PASSWORD,
            ivr_prompts=ivr_prompts,
            ivr_collection=ivr_collection,
        )
        self.driver = SipTelephony(settings, new_id, lambda dialed: CAMPAIGN, janus=janus)
        self.driver.attach(self.queue.put_nowait)
        await self.driver.start()
        self._stack.push_async_callback(self.driver.stop)

    def _enter(self, manager: object) -> Phone:
        running: Phone = self._stack.enter_context(manager)  # type: ignore[arg-type]
        # Stopped off the event loop first: the phone unregisters from the driver as it quits.
        self._stack.push_async_callback(asyncio.to_thread, running.stop)
        return running

    @property
    def agentbar(self) -> str:
        host, port = self.driver.address
        return f"{host}:{port}"

    async def agent_phone(
        self, extension: str, *, busy: bool = False, answers: bool = True, tone: Path | None = None
    ) -> None:
        mode = "auto" if answers and not busy else "manual"
        account = (
            f"<sip:{extension}@{self.agentbar}>;auth_pass={self.PASSWORD};"
            f"answermode={mode};regint=300"
        )
        running = self._enter(
            phone(
                self._workdir,
                f"ext{extension}",
                account,
                tone=tone or self._agent_tone,
                record=True,
            )
        )
        self.phones[extension] = running
        await asyncio.to_thread(running.wait_event, "REGISTER_OK")
        if busy:
            running.refuse_calls()

    async def busy_number(self, number: str) -> None:
        assert self.trunk is not None
        await asyncio.to_thread(self.trunk.command, "answermode", "manual")
        self.trunk.refuse_calls()

    async def customer_calls(self) -> CallArrived:
        if self.customer is None:
            self.customer = self._enter(
                phone(
                    self._workdir,
                    "customer",
                    f"<sip:{CUSTOMER}@127.0.0.1:{{sip_port}}>;regint=0",
                    tone=self._customer_tone,
                    record=True,
                )
            )
        self.customer.dial(f"sip:{DIALED}@{self.agentbar}")
        return await self.next_signal(CallArrived)

    async def customer_hangs_up(self, call_id: str) -> None:
        assert self.customer is not None
        await asyncio.to_thread(self.customer.hang_up)

    def _phone_of(self, party: str) -> Phone:
        if party == CUSTOMER:
            assert self.customer is not None
            return self.customer
        if party in self.phones:
            return self.phones[party]
        assert self.trunk is not None
        return self.trunk  # every other number is behind the trunk

    async def talking(self, call_id: str, party: str) -> None:
        running = self._phone_of(party)
        await asyncio.to_thread(running.wait_event, "CALL_ESTABLISHED")
        running.forget("CALL_REMOTE_SDP")  # the call's first offer; later ones are re-offers
        self._talking.add(party)

    async def left(self, call_id: str, party: str) -> None:
        await asyncio.to_thread(self._phone_of(party).wait_event, "CALL_CLOSED")
        self._talking.discard(party)

    async def held(self, call_id: str, on_hold: bool) -> None:
        # Each side gets a new offer from agentbar: the other's media, inactive or sendrecv.
        for party in sorted(self._talking):
            await asyncio.to_thread(
                self._phone_of(party).wait_event,
                "CALL_REMOTE_SDP",
                10.0,
                lambda event: event.data.get("param") == "offer",
            )


@asynccontextmanager
async def open_lines(kind: str, workdir: Path) -> AsyncIterator[Lines]:
    async with AsyncExitStack() as stack:
        if kind == "simulator":
            simulated = SimulatedLines()
            stack.push_async_callback(simulated.driver.stop)
            yield simulated
        else:
            sip = SipLines(workdir, stack)
            await sip.open()
            yield sip
