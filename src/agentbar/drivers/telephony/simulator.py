"""The simulated telephone network: the sandbox every agentbar starts with.

It keeps the customer's side of each call and the agents' extensions. Instructions from the
contact center (ring an agent, end a call) become signals back after the configured delays,
on the injected clock, so tests can run in virtual time.

Transfers and conferences add legs to a line: each rings its party (an external number
scripted like a customer, an agent's extension, an IVR) and reports LegAnswered or LegEnded.
Whom the customer is talking to is kept (`customer_with`), so once the agent has left a line
(a blind or completed transfer) the party hanging up ends the whole call. A queue transfer
renames the line; the old name still reaches it (the sandbox API's hang-up uses it).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict

from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.commands import (
    AgentAnswered,
    AgentDidNotAnswer,
    CallArrived,
    CallEnded,
    CustomerAnswered,
    DialFailed,
    DigitsCollected,
    LegAnswered,
    LegEnded,
    Signal,
)
from agentbar.domain.model.errors import UnknownCall
from agentbar.domain.model.handoffs import TransferState
from agentbar.domain.model.instructions import (
    AddLeg,
    CancelOffer,
    CompleteConsult,
    ConsultCall,
    DialCustomer,
    DialOut,
    EndCall,
    HangUpLeg,
    HoldCall,
    Instruction,
    OfferToAgent,
    PlayAbandonMessage,
    Requeue,
    ResumeCall,
    TransferCall,
)
from agentbar.domain.model.ivr import DigitCollection
from agentbar.domain.model.legs import LegKind, LegPurpose, LegState, live_legs
from agentbar.drivers.telephony.simulator_keys import keyed
from agentbar.drivers.telephony.simulator_lines import LineView, SimulatedCall, SimulatedLeg
from agentbar.drivers.telephony.simulator_scripts import (
    CustomerMix,
    CustomerScript,
    DialerRecord,
    IvrScript,
    PhoneScript,
)
from agentbar.ports import Cancellable, Clock, CustomerBehaviour

__all__ = ["CustomerMix", "CustomerScript", "IvrScript", "LineView", "PhoneScript", "Simulator"]

NO_ANSWER_AFTER = 30.0
"""Seconds an unanswered leg rings before the network gives up on it."""
SIDE_LEGS = (LegPurpose.CONSULT, LegPurpose.CONFERENCE, LegPurpose.TRANSFER)


class Simulator:
    def __init__(
        self,
        clock: Clock,
        new_id: Callable[[str], str],
        answer_delay: float = 0.0,
        *,
        customers: CustomerMix | None = None,
        seed: int = 0,
        no_answer_after: float = NO_ANSWER_AFTER,
        ivr_collection: Callable[[str], DigitCollection | None] = lambda _: None,
    ) -> None:
        self._ivr_collection = ivr_collection
        """The digits an IVR (by name) asks callers for, if any."""
        self._no_answer_after = no_answer_after
        """Seconds a customer who never answers rings before the network gives up."""
        self._clock = clock
        self._new_id = new_id
        self._answer_delay = answer_delay
        self._mix = customers
        self._rng = random.Random(seed)
        self._calls: dict[str, SimulatedCall] = {}
        self._phones: dict[str, PhoneScript] = {}
        self._customers: dict[str, CustomerScript] = {}
        self._ivrs: dict[str, IvrScript] = {}
        self._renamed: dict[str, str] = {}
        self._emit: Callable[[Signal], None] | None = None
        self.dialer_record = DialerRecord()

    def script_phone(self, phone: str, script: PhoneScript) -> None:
        """From now on the agent phone `phone` behaves as `script`."""
        self._phones[phone] = script

    def script_customer(self, phone: str, script: CustomerScript) -> None:
        """From now on the customer at `phone` (E.164) treats outbound calls as `script`."""
        self._customers[phone] = script

    def script_outbound_customer(self, phone: str, behaviour: CustomerBehaviour) -> None:
        """The sandbox API's `script_customer`: the port speaks of behaviours, not scripts."""
        self.script_customer(phone, CustomerScript(**asdict(behaviour)))  # the same field names

    def script_ivr(self, name: str, script: IvrScript) -> None:
        self._ivrs[name] = script

    def is_on_hold(self, call_id: str) -> bool:
        return call_id in self._calls and self._calls[call_id].on_hold

    def line(self, call_id: str) -> LineView | None:
        call = self._calls.get(self._current(call_id))
        if call is None:
            return None
        handed_to = call.legs.get(call.customer_with) if call.customer_with else None
        return LineView(
            call_id=call.call_id,
            agent_phone=call.agent_phone,
            on_hold=call.on_hold,
            customer_with=handed_to.address if handed_to else None,
            legs={leg_id: (leg.address, leg.answered) for leg_id, leg in call.legs.items()},
        )

    def _current(self, call_id: str) -> str:
        """The line's name now: a queue transfer renames it, perhaps more than once."""
        while call_id in self._renamed:
            call_id = self._renamed[call_id]
        return call_id

    def attach(self, emit: Callable[[Signal], None]) -> None:
        self._emit = emit

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for call in self._calls.values():
            call.silence()
        self._calls.clear()

    def live_calls(self) -> list[str]:
        return list(self._calls)

    # -- after a restart: the lines a dead process left ---------------------------------------

    async def adopt(self, calls: Sequence[Call], phones: Mapping[str, str]) -> None:
        """Rebuild the line of every call whose customer is still on it, as the floor restored
        it: who talks to whom, held or not, its side legs (ringing ones ring again, as scripted
        now); a dial not yet answered starts again. Timers the dead process held for its parties
        died with it: a scripted `hang_up_after` or an IVR's end never comes for such a line."""
        for call in calls:
            customer = call.leg(call.customer_crt)
            if customer is None or customer.kind is not LegKind.CUSTOMER or not customer.live:
                continue  # the customer hung up: the floor knows already
            if call.state is CallState.DIALING:
                self._dial_again(call, phones)
            else:
                self._take_back(call, phones)

    def _dial_again(self, call: Call, phones: Mapping[str, str]) -> None:
        extension = phones.get(call.agent_id) if call.agent_id is not None else None
        if extension is None or call.user_crt is None:
            # No extension to ring first: end the dial rather than leave it ringing forever.
            self._signal(DialFailed(call.call_id, "server restarted"))
            return
        dial = DialOut(call.call_id, call.user_crt, extension, call.customer_crt, call.phone)
        self._dial_out(dial)

    def _take_back(self, call: Call, phones: Mapping[str, str]) -> None:
        line = SimulatedCall(call.call_id, call.phone, call.customer_crt)
        if call.state in (CallState.CONNECTED, CallState.CONSULTING):
            # A queued or offered call has no agent on the line: the floor offers it again.
            line.agent_leg, line.on_hold = call.user_crt, call.on_hold
            line.agent_phone = phones.get(call.agent_id) if call.agent_id is not None else None
        line.customer_with = _handed_to(call)
        self._calls[line.call_id] = line
        if call.transferred_from is not None:
            # The sandbox may still hang up under the name the line had before a requeue.
            self._renamed[call.transferred_from] = line.call_id
            line.former_names.append(call.transferred_from)
        for leg in live_legs(call.legs, *SIDE_LEGS):
            # A USER leg's party is an agent: it rang on that agent's extension.
            address = phones.get(leg.party, leg.party) if leg.kind is LegKind.USER else leg.party
            if leg.state is LegState.CONNECTED:
                line.legs[leg.leg_id] = SimulatedLeg(leg.kind, address, answered=True)
            else:
                self._ring_leg(line, leg.leg_id, leg.kind, address)

    # -- the customer's side (sandbox API) --------------------------------------------------

    def place_inbound_call(
        self, phone: str, campaign_id: str, hang_up_after: float | None = None
    ) -> str:
        """A customer calls; with `hang_up_after`, they hang up that many seconds later."""
        call = SimulatedCall(self._new_id("call"), phone, self._new_id("crt"))
        self._calls[call.call_id] = call
        self._signal(
            CallArrived(call.call_id, CallType.INBOUND, campaign_id, phone, call.customer_crt)
        )
        if hang_up_after is not None:
            call_id = call.call_id
            call.pending.append(
                self._clock.call_later(hang_up_after, lambda: self._hang_up_if_live(call_id))
            )
        return call.call_id

    def hang_up_customer(self, call_id: str) -> None:
        self._end(self._current(call_id), "customer")

    def _hang_up_if_live(self, call_id: str) -> None:
        call_id = self._current(call_id)
        if call_id in self._calls:
            self._end(call_id, "customer")

    # -- instructions from the contact center -------------------------------------------

    async def execute(self, instruction: Instruction) -> None:
        if isinstance(instruction, OfferToAgent):
            self._offer(instruction)
        elif isinstance(instruction, EndCall) and instruction.call_id in self._calls:
            self._end(instruction.call_id, "agent")
        elif isinstance(instruction, CancelOffer):
            self._cancel_offer(instruction)
        elif isinstance(instruction, DialOut):
            self._dial_out(instruction)
        elif isinstance(instruction, DialCustomer):
            self._dial_customer(instruction)
        elif isinstance(instruction, PlayAbandonMessage):
            self._play_abandon_message(instruction)
        elif isinstance(instruction, HoldCall | ResumeCall) and instruction.call_id in self._calls:
            self._calls[instruction.call_id].on_hold = isinstance(instruction, HoldCall)
        elif isinstance(instruction, TransferCall | Requeue | ConsultCall | CompleteConsult):
            self._transfer(instruction)
        elif isinstance(instruction, AddLeg):
            call = self._calls.get(instruction.call_id)
            if call is not None:
                self._ring_leg(call, instruction.leg_id, instruction.kind, instruction.address)
        elif isinstance(instruction, HangUpLeg):
            call = self._calls.get(instruction.call_id)
            leg = call.legs.pop(instruction.leg_id, None) if call is not None else None
            if leg is not None:
                leg.cancel()

    # -- transfers and conferences: legs of their own -----------------------------------------

    def _transfer(self, step: TransferCall | Requeue | ConsultCall | CompleteConsult) -> None:
        call = self._calls.get(step.call_id)
        if call is None:
            return  # the customer hung up before the transfer reached telephony
        if isinstance(step, ConsultCall):
            call.on_hold = True
            self._ring_leg(call, step.leg_id, LegKind.PHONE, step.address)
            return
        # Every other step takes the agent off the line.
        if call.ringing is not None:
            call.ringing.cancel()
        call.ringing = None
        call.stop_offers()
        call.agent_leg = call.agent_phone = None
        call.on_hold = False
        if isinstance(step, TransferCall):
            call.customer_with = step.leg_id
            self._ring_leg(call, step.leg_id, step.kind, step.address)
        elif isinstance(step, CompleteConsult):
            call.customer_with = step.leg_id
            if step.leg_id not in call.legs:
                # The target hung up just before: the customer is left with nobody.
                self._end(call.call_id, "hung_up")
        else:
            del self._calls[call.call_id]
            self._renamed[call.call_id] = step.new_call_id
            call.former_names.append(call.call_id)
            call.call_id = step.new_call_id
            self._calls[call.call_id] = call

    def _ring_leg(self, call: SimulatedCall, leg_id: str, kind: LegKind, address: str) -> None:
        leg = SimulatedLeg(kind, address)
        call.legs[leg_id] = leg
        line = call.call_id
        answer_after: float | None
        hang_up_after: float | None = None
        if kind is LegKind.IVR:
            ivr = self._ivrs.get(address, IvrScript())
            busy, answer_after, hang_up_after = False, ivr.answer_after, ivr.hang_up_after
        elif kind is LegKind.USER:
            phone = self._phones.get(address, PhoneScript(self._answer_delay))
            busy, answer_after = phone.busy, phone.answer_after
        else:
            person = self._customers.get(address, CustomerScript(self._answer_delay))
            busy, answer_after = person.busy, person.answer_after
            hang_up_after = person.hang_up_after
        if busy:
            leg.timers.append(self._later(0.0, lambda: self._leg_gone(line, leg_id, "busy")))
        elif answer_after is None:
            leg.timers.append(
                self._later(NO_ANSWER_AFTER, lambda: self._leg_gone(line, leg_id, "no_answer"))
            )
        else:
            leg.timers.append(
                self._later(answer_after, lambda: self._leg_answered(line, leg_id, hang_up_after))
            )

    def _leg_answered(self, line: str, leg_id: str, hang_up_after: float | None) -> None:
        call = self._calls.get(self._current(line))
        leg = call.legs.get(leg_id) if call is not None else None
        if call is None or leg is None:
            return
        leg.timers.clear()
        leg.answered = True
        self._signal(LegAnswered(call.call_id, leg_id))
        collection = self._ivr_collection(leg.address) if leg.kind is LegKind.IVR else None
        if collection is not None:
            keys = self._customers.get(call.phone, CustomerScript()).ivr_keys
            after, digits, ended = keyed(collection, keys)
            collected = DigitsCollected(call.call_id, leg_id, digits, ended.value)
            leg.timers.append(self._later(after, lambda: self._if_leg(line, leg_id, collected)))
        if hang_up_after is not None:
            leg.timers.append(
                self._later(hang_up_after, lambda: self._leg_gone(line, leg_id, "hung_up"))
            )

    def _if_leg(self, line: str, leg_id: str, signal: Signal) -> None:
        call = self._calls.get(self._current(line))
        if call is not None and leg_id in call.legs:
            self._signal(signal)

    def _leg_gone(self, line: str, leg_id: str, reason: str) -> None:
        """The party of a leg is gone (busy, no answer, hung up)."""
        call = self._calls.get(self._current(line))
        leg = call.legs.pop(leg_id, None) if call is not None else None
        if call is None or leg is None:
            return
        leg.cancel()
        self._signal(LegEnded(call.call_id, leg_id, reason))
        if call.customer_with == leg_id:
            # The customer was handed to this party alone: nobody is left to talk to.
            self._end(call.call_id, reason)

    # -- outbound: the agent's leg first, then the customer's ------------------------------

    def _dial_out(self, dial: DialOut) -> None:
        call = SimulatedCall(dial.call_id, dial.phone, dial.customer_crt, dial.user_crt)
        call.agent_phone = dial.extension_phone
        self._calls[call.call_id] = call
        script = self._phones.get(dial.extension_phone, PhoneScript(self._answer_delay))
        if script.busy:
            call.ringing = self._later(0.0, lambda: self._dial_failed(dial.call_id, "agent_busy"))
        elif script.answer_after is None:
            call.ringing = self._later(
                NO_ANSWER_AFTER, lambda: self._dial_failed(dial.call_id, "agent_no_answer")
            )
        else:
            call.ringing = self._later(script.answer_after, lambda: self._ring_customer(dial))

    def _customer_script(self, phone: str) -> CustomerScript:
        """The customer's own script; else one drawn from the mix; else an instant answer."""
        if phone in self._customers:
            return self._customers[phone]
        if self._mix is not None:
            return self._mix.draw(self._rng)
        return CustomerScript(self._answer_delay)

    def _ring_customer(self, dial: DialOut | DialCustomer) -> None:
        """Ring the customer; a predictive dial (no agent on the line yet) rings until the
        contact center gives it up. Answering-machine detection hangs up on machines."""
        call_id, detecting = dial.call_id, isinstance(dial, DialCustomer)
        call = self._calls.get(call_id)
        if call is None:
            return
        script = self._customer_script(dial.phone)
        if script.busy:
            call.ringing = self._later(
                script.busy_after, lambda: self._dial_failed(call_id, "busy")
            )
        elif script.answer_after is None and not detecting:
            call.ringing = self._later(
                self._no_answer_after, lambda: self._dial_failed(call_id, "no_answer")
            )
        elif script.machine or script.taken_for_machine:  # detected whoever the call is for
            answered = (script.answer_after or 0.0) + script.detect_after
            call.ringing = self._later(answered, lambda: self._detected(call_id, script))
        elif script.answer_after is not None:
            answer = lambda: self._customer_answered(call_id, script)  # noqa: E731
            call.ringing = self._later(script.answer_after, answer)

    def _detected(self, call_id: str, script: CustomerScript) -> None:
        """Answering-machine detection heard a machine (or took a person for one)."""
        if script.machine:
            self.dialer_record.machines += 1
        else:
            self.dialer_record.taken_for_machines += 1
        self._dial_failed(call_id, "machine")

    def _dial_customer(self, dial: DialCustomer) -> None:
        self._calls[dial.call_id] = SimulatedCall(dial.call_id, dial.phone, dial.customer_crt)
        self._ring_customer(dial)

    def _play_abandon_message(self, play: PlayAbandonMessage) -> None:
        """The message is played and the line hung up (the center has ended the call)."""
        call = self._calls.pop(play.call_id, None)
        if call is not None:
            call.silence()
            self.dialer_record.messages_played.append((play.call_id, play.message))
            self.dialer_record.played += 1

    def _customer_answered(self, call_id: str, script: CustomerScript) -> None:
        call = self._calls.get(call_id)
        if call is None:
            return
        call.ringing = None
        self._signal(CustomerAnswered(call_id))
        if script.hang_up_after is not None:
            call.pending.append(
                self._later(script.hang_up_after, lambda: self._hang_up_if_live(call_id))
            )

    def _dial_failed(self, call_id: str, reason: str) -> None:
        call = self._calls.pop(call_id, None)
        if call is not None:
            for timer in call.pending:
                timer.cancel()
            self._signal(DialFailed(call_id, reason))

    def _later(self, delay: float, action: Callable[[], None]) -> Cancellable:
        return self._clock.call_later(delay, action)

    def _offer(self, offer: OfferToAgent) -> None:
        call = self._calls.get(offer.call_id)
        if call is None:
            return  # the customer hung up before the offer reached telephony
        call.agent_leg = offer.user_crt
        call.agent_phone = offer.extension_phone
        # Simulated agent phones auto-answer unless scripted otherwise, as contact-center
        # softphones commonly do.
        script = self._phones.get(offer.extension_phone, PhoneScript(self._answer_delay))
        pending: Cancellable | None = None
        if script.busy:
            pending = self._clock.call_later(0.0, lambda: self._refused(offer))
        elif script.answer_after is not None:
            pending = self._clock.call_later(script.answer_after, lambda: self._answered(offer))
        call.offers[offer.user_crt] = (offer.extension_phone, pending)

    def _answered(self, offer: OfferToAgent) -> None:
        call = self._calls.get(offer.call_id)
        if call is not None and call.offers.pop(offer.user_crt, None) is not None:
            call.agent_leg, call.agent_phone = offer.user_crt, offer.extension_phone
            self._signal(AgentAnswered(offer.call_id, offer.user_crt))

    def _refused(self, offer: OfferToAgent) -> None:
        call = self._calls.get(offer.call_id)
        if call is not None and call.offers.pop(offer.user_crt, None) is not None:
            call.forget_offer(offer.user_crt)
            self._signal(AgentDidNotAnswer(offer.call_id, offer.user_crt))

    def _cancel_offer(self, cancel: CancelOffer) -> None:
        call = self._calls.get(cancel.call_id)
        if call is None:
            return
        ringing = call.offers.pop(cancel.user_crt, None)
        if ringing is not None and ringing[1] is not None:
            ringing[1].cancel()
        call.forget_offer(cancel.user_crt)

    def _end(self, call_id: str, ended_by: str) -> None:
        call = self._calls.pop(call_id, None)
        if call is None:
            raise UnknownCall(f"no live simulated call '{call_id}'")
        call.silence()
        for name in call.former_names:
            self._renamed.pop(name, None)
        self._signal(CallEnded(call_id, ended_by))

    def _signal(self, signal: Signal) -> None:
        if self._emit is None:
            raise RuntimeError("simulator is not attached to a contact center")
        self._emit(signal)


def _handed_to(call: Call) -> str | None:
    """The live leg a completed transfer bridged the customer to, once the agent left."""
    completed = {t.leg_id for t in call.transfers if t.state is TransferState.COMPLETED}
    handed = [leg.leg_id for leg in live_legs(call.legs) if leg.leg_id in completed]
    return handed[-1] if handed else None
