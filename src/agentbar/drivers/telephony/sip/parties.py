"""Consultations and conferences on SIP: the legs a call gains besides its customer and agent.

A consultation needs no mixing, only third-party call control: the customer is held, the
target is INVITEd with the agent's media and the agent re-INVITEd with the target's, so the
two talk alone; completing it re-INVITEs the customer and the target with each other's media
and hangs up the agent; cancelling it hangs up the target (the center then resumes the call,
which reconnects the customer and the agent).

A conference mixes: Janus's AudioBridge holds a room per conferenced call, and each SIP leg
is a plain-RTP participant of it. A participant joins with its phone's RTP address (Janus 1.1
learns it only then) and gets the room's port for it. On the first party, the room is made and
the customer and the agent are re-INVITEd to their participants' ports; each party is INVITEd
without an offer, joins with the address its own offer gives, and gets its port in the ACK.
Every phone speaks G.711 mu-law to the room, which mixes for each what all the others say. If
Janus cannot be had, the party is reported busy and the call stays as it was: nobody is left
half-bridged.

An IVR is its prompt played into the room. One that collects digits has the caller's phone
re-INVITEd to send its RTP to a key listener (keys.py) until the collection is over: the caller
still hears the room, but the room (the agent, in a conference) hears neither the caller nor
the keys meanwhile; then the caller is put back into the room and the digits reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from agentbar.domain.model.commands import DigitsCollected, LegAnswered, LegEnded, Signal
from agentbar.domain.model.instructions import (
    AddLeg,
    CompleteConsult,
    ConsultCall,
    HangUpLeg,
    Instruction,
)
from agentbar.domain.model.legs import LegKind
from agentbar.drivers.media.janus import JanusClient, JanusError, Participant
from agentbar.drivers.telephony.sip.dialogs import Dialogs
from agentbar.drivers.telephony.sip.endpoint import Address
from agentbar.drivers.telephony.sip.keys import Keypad, info_key, keys_offer
from agentbar.drivers.telephony.sip.legs import Leg, Role, Room, SipCall
from agentbar.drivers.telephony.sip.message import SipMessage, uri_of, user_of
from agentbar.drivers.telephony.sip.sdp import Origin, g711_offer, media_address, offers_pcmu, relay
from agentbar.drivers.telephony.sip.settings import SipSettings

log = logging.getLogger(__name__)

BUSY = (486, 600, 603)
HEARD_WITHIN = 2.0
"""Seconds a room may take to hear a phone's first packet (a few RTP packets' time)."""


def _room_offer(member: Participant) -> bytes:
    """What a phone is offered to join a room: the participant's RTP port, PCMU."""
    return g711_offer(Origin(host=member.host), member.host, member.port)


class Parties:
    def __init__(
        self,
        dialogs: Dialogs[SipCall],
        destination: Callable[[LegKind, str], tuple[str, Address] | None],
        calls: dict[str, SipCall],
        signal: Callable[[Signal], None],
        end: Callable[[SipCall, str], None],
        janus: JanusClient | None,
        settings: SipSettings,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self._dialogs = dialogs
        self._destination = destination
        self._calls = calls
        self._signal = signal
        self._end = end
        self._janus = janus
        self._prompt_of = settings.prompt_of
        self._collection_of = settings.ivr_collection
        self._spawn = spawn

    def _live(self, call: SipCall) -> bool:
        return self._calls.get(call.call_id) is call

    async def execute(self, instruction: Instruction) -> None:
        call = self._calls.get(getattr(instruction, "call_id", ""))
        if call is None or call.customer is None:
            return  # the customer hung up before the instruction reached telephony
        if isinstance(instruction, ConsultCall):
            await self._consult(call, instruction.leg_id, instruction.address)
        elif isinstance(instruction, CompleteConsult):
            await self._complete(call, instruction.leg_id)
        elif isinstance(instruction, AddLeg):
            await self._confer(call, instruction)
        elif isinstance(instruction, HangUpLeg):
            await self._drop(call, instruction.leg_id)

    # -- consultation -------------------------------------------------------------------------

    async def _consult(self, call: SipCall, leg_id: str, address: str) -> None:
        customer, agent = call.customer, call.agent
        assert customer is not None
        if agent is None or agent.remote_sdp is None or customer.remote_sdp is None:
            self._signal(LegEnded(call.call_id, leg_id, "busy"))
            return
        await self._dialogs.reoffer(customer, agent.remote_sdp, "inactive")
        target = await self._ring(call, leg_id, LegKind.PHONE, address, agent.remote_sdp)
        if target is None:
            return
        self._dialogs.acknowledge(target)
        await self._dialogs.reoffer(agent, target.remote_sdp or b"", "sendrecv")
        self._signal(LegAnswered(call.call_id, leg_id))

    async def _complete(self, call: SipCall, leg_id: str) -> None:
        customer, target = call.customer, call.parties.pop(leg_id, None)
        assert customer is not None
        if call.agent is not None:
            self._dialogs.hang_up(call.agent)
            call.agent = None
        if target is None or target.remote_sdp is None or customer.remote_sdp is None:
            return  # the target hung up just before: the center ends the call
        target.role = Role.TARGET
        call.target, call.target_leg_id = target, leg_id
        await self._dialogs.reoffer(customer, target.remote_sdp, "sendrecv")
        await self._dialogs.reoffer(target, customer.remote_sdp, "sendrecv")
        await self._dialogs.keeper.store(customer, target)

    # -- conference ---------------------------------------------------------------------------

    async def _confer(self, call: SipCall, step: AddLeg) -> None:
        janus = self._janus
        if janus is None:
            log.warning("SIP: a conference needs Janus (AGENTBAR_JANUS_URL)")
            self._signal(LegEnded(call.call_id, step.leg_id, "busy"))
            return
        if step.kind is LegKind.IVR and self._prompt_of(step.address) is None:
            log.warning("SIP: IVR '%s' has no prompt (AGENTBAR_IVR_PROMPTS)", step.address)
            self._signal(LegEnded(call.call_id, step.leg_id, "busy"))
            return
        try:
            room = call.room or await self._open_room(janus, call)
        except JanusError as error:
            log.warning("SIP: conference refused: %s", error)
            self._signal(LegEnded(call.call_id, step.leg_id, "busy"))
            return
        if step.kind is LegKind.IVR:
            await self._play_prompt(call, room, step.leg_id, step.address, loop=False)
            return
        # The party is INVITEd without an offer: its own, in the 200, says where it takes its
        # audio, which Janus must know before it gives the room's port for the answer (ACK).
        leg = await self._ring(call, step.leg_id, step.kind, step.address, None)
        if leg is None:
            return
        found = media_address(leg.remote_sdp or b"") if offers_pcmu(leg.remote_sdp or b"") else None
        member = None
        if found is not None:
            try:
                member = await janus.join(room.number, step.leg_id, *found)
            except JanusError as error:
                log.warning("SIP: conference party refused: %s", error)
        if member is None or not self._live(call) or call.parties.get(step.leg_id) is not leg:
            self._dialogs.acknowledge(leg)
            call.parties.pop(step.leg_id, None)
            self._dialogs.hang_up(leg)
            if member is not None:
                await janus.leave(member)
            if self._live(call):
                self._signal(LegEnded(call.call_id, step.leg_id, "failed"))
            return
        room.members[step.leg_id] = member
        leg.sent_sdp = relay(_room_offer(member), leg.origin)
        self._dialogs.acknowledge(leg, leg.sent_sdp)
        self._signal(LegAnswered(call.call_id, step.leg_id))

    async def to_ivr(self, call: SipCall, leg_id: str, ivr: str) -> None:
        """A transfer to an IVR: the customer (the agent is gone) hears its prompt, looped, in a
        room of its own, until they hang up."""
        janus = self._janus
        played = False
        if janus is not None and self._prompt_of(ivr) is not None:
            try:
                room = call.room or await self._open_room(janus, call)
                played = await self._play_prompt(call, room, leg_id, ivr, loop=True)
            except JanusError as error:
                log.warning("SIP: IVR '%s' refused: %s", ivr, error)
        if not played and self._live(call):
            self._signal(LegEnded(call.call_id, leg_id, "busy"))
            self._end(call, "busy")

    async def _play_prompt(
        self, call: SipCall, room: Room, leg_id: str, ivr: str, *, loop: bool
    ) -> bool:
        """The IVR's prompt played in the room as the leg `leg_id`: answered, or ended busy."""
        prompt = self._prompt_of(ivr)
        assert self._janus is not None
        assert prompt is not None
        try:
            await self._janus.play(room.number, prompt, loop=loop, file_id=leg_id)
        except JanusError as error:
            log.warning("SIP: IVR '%s' could not play: %s", ivr, error)
            if not loop:
                self._signal(LegEnded(call.call_id, leg_id, "busy"))
            return False
        room.prompts.add(leg_id)
        self._signal(LegAnswered(call.call_id, leg_id))
        collection = self._collection_of(ivr)
        if collection is not None and room.keypad is None:
            await self._collect(call, room, Keypad(leg_id, collection, self._collected(call, room)))
        return True

    # -- an IVR collecting digits -------------------------------------------------------------

    async def _collect(self, call: SipCall, room: Room, keypad: Keypad) -> None:
        """Point the caller's RTP at the keypad's listener (see the module's docstring)."""
        customer = call.customer
        if customer is None or customer.crt not in room.members:
            return
        room.keypad = keypad
        await self._until_heard(room, room.members[customer.crt])
        host = self._dialogs.host
        port = (await keypad.listen(host))[1]
        await self._dialogs.reoffer(customer, keys_offer(Origin(host=host), host, port), "sendrecv")

    async def _until_heard(self, room: Room, member: Participant) -> None:
        """Janus sends a plain-RTP participant the room's mix only once a packet from its phone
        has come (the phone may have joined a moment ago, with a transfer to the IVR): moved
        away before that, the caller would hear nothing. Janus announces it to nobody, so ask."""
        assert self._janus is not None
        deadline = asyncio.get_running_loop().time() + HEARD_WITHIN
        while not await self._janus.hears(room.number, member):
            if asyncio.get_running_loop().time() > deadline:
                log.warning("SIP: room %d never heard the caller; collecting anyway", room.number)
                return
            await asyncio.sleep(0.02)

    def _collected(self, call: SipCall, room: Room) -> Callable[[Keypad], None]:
        def finished(keypad: Keypad) -> None:
            if room.keypad is not keypad:
                return
            room.keypad = None
            assert keypad.ended is not None
            if self._live(call) and keypad.leg_id in room.prompts:
                digits = keypad.collector.digits
                ended = keypad.ended.value
                self._signal(DigitsCollected(call.call_id, keypad.leg_id, digits, ended))
            self._spawn(self._back_to_room(call, room))

        return finished

    async def _back_to_room(self, call: SipCall, room: Room) -> None:
        customer = call.customer
        member = room.members.get(customer.crt or "") if customer is not None else None
        if customer is not None and member is not None and self._live(call):
            await self._dialogs.reoffer(customer, _room_offer(member), "sendrecv")

    def heard_info(self, call: SipCall, leg: Leg, request: SipMessage) -> None:
        """A SIP INFO on a leg: the caller's key, if the call's IVR is collecting."""
        keypad = call.room.keypad if call.room is not None else None
        key = info_key(request.get("Content-Type") or "", request.body)
        if keypad is not None and leg is call.customer and key is not None:
            keypad.press(key)

    async def _open_room(self, janus: JanusClient, call: SipCall) -> Room:
        """A room with the customer and the agent in it, each re-INVITEd to its participant's
        port; put back as they were if that cannot be done."""
        room = Room(await janus.create_room())
        moved: list[Leg] = []
        try:
            for leg in (call.customer, call.agent):
                if leg is None or leg.crt is None or not leg.up:
                    continue
                found = media_address(leg.remote_sdp or b"")
                if found is None:
                    raise JanusError("a phone of the call has no audio to mix")
                member = await janus.join(room.number, leg.crt, *found)
                room.members[leg.crt] = member
                moved.append(leg)
                await self._dialogs.reoffer(leg, _room_offer(member), "sendrecv")
                if media_address(leg.remote_sdp or b"") != found:
                    raise JanusError("a phone moved its audio when asked into the room")
        except JanusError:
            await self._reconnect_directly(call, moved)
            for member in room.members.values():
                await janus.leave(member)
            await janus.destroy_room(room.number)
            raise
        call.room = room
        return room

    async def _reconnect_directly(self, call: SipCall, moved: list[Leg]) -> None:
        customer, agent = call.customer, call.agent
        if not moved or customer is None or agent is None:
            return
        if agent.remote_sdp is not None:
            await self._dialogs.reoffer(customer, agent.remote_sdp, "sendrecv")
        if customer.remote_sdp is not None:
            await self._dialogs.reoffer(agent, customer.remote_sdp, "sendrecv")

    async def hold(self, call: SipCall, direction: str) -> None:
        """Hold (or resume) a conferenced call: the customer stops (or goes on) hearing and
        being heard in the room; the others go on talking."""
        customer, room = call.customer, call.room
        member = room.members.get(customer.crt or "") if customer and room else None
        if customer is not None and member is not None:
            await self._dialogs.reoffer(customer, _room_offer(member), direction)

    async def close(self) -> None:
        if self._janus is not None:
            await self._janus.close()

    async def close_room(self, call: SipCall) -> None:
        """The call is over: its room (if any) goes."""
        room, call.room = call.room, None
        if room is not None and room.keypad is not None:
            room.keypad.close()
        if room is None or self._janus is None:
            return
        for member in room.members.values():
            await self._janus.leave(member)
        await self._janus.destroy_room(room.number)

    # -- legs coming and going ----------------------------------------------------------------

    async def _ring(
        self, call: SipCall, leg_id: str, kind: LegKind, address: str, sdp: bytes | None
    ) -> Leg | None:
        """INVITE a new party with `sdp` (None: none, the party offers); the answered leg not
        yet acknowledged, or None once reported ended."""
        customer = call.customer
        assert customer is not None
        destination = self._destination(kind, address)
        if destination is None:
            self._signal(LegEnded(call.call_id, leg_id, "busy"))
            return None
        uri, where = destination
        caller = user_of(uri_of(customer.remote))
        leg = self._dialogs.outgoing(Role.TARGET, uri, where, caller, leg_id)
        call.parties[leg_id] = leg
        self._dialogs.track(leg, call)
        offer = relay(sdp, leg.origin) if sdp is not None else None
        final: SipMessage = await self._dialogs.ring(leg, offer)
        if not self._live(call) or call.parties.get(leg_id) is not leg:
            self._dialogs.hang_up(leg)
            return None
        if final.status >= 300 or leg.remote_sdp is None:
            del call.parties[leg_id]
            self._dialogs.forget(leg)
            reason = "busy" if final.status in BUSY else "no_answer"
            self._signal(LegEnded(call.call_id, leg_id, reason))
            return None
        return leg

    async def _drop(self, call: SipCall, leg_id: str) -> None:
        leg = call.parties.pop(leg_id, None)
        if leg is None and call.target_leg_id == leg_id:
            leg, call.target = call.target, None
        if leg is not None:
            self._dialogs.hang_up(leg)
        await self._leave(call, leg_id)

    async def hung_up(self, call: SipCall, leg: Leg) -> None:
        """A party's phone hung up: the rest of the call goes on."""
        leg_id = next((k for k, v in call.parties.items() if v is leg), None)
        if leg_id is None:
            return
        del call.parties[leg_id]
        self._signal(LegEnded(call.call_id, leg_id, "hung_up"))
        await self._leave(call, leg_id)

    async def _leave(self, call: SipCall, leg_id: str) -> None:
        room = call.room
        if room is not None and room.keypad is not None and room.keypad.leg_id == leg_id:
            room.keypad.close()  # the IVR is gone before the caller finished: nothing to report
            room.keypad = None
            await self._back_to_room(call, room)
        if room is not None and leg_id in room.prompts and self._janus is not None:
            room.prompts.discard(leg_id)
            await self._janus.stop_file(room.number, leg_id)
        member = room.members.pop(leg_id, None) if room is not None else None
        if member is not None and self._janus is not None:
            await self._janus.leave(member)
