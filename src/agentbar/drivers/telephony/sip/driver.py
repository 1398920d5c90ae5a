"""The SIP telephony driver: registrar for the agents' extensions and back-to-back user agent
doing third-party call control (RFC 3725) between them and customers behind a trunk.

agentbar relays session descriptions; RTP flows between the phones, or through Janus for
conferences and IVRs (parties.py). Instructions:

- inbound: the trunk's INVITE (with the customer's offer) rings 180 while the call waits in
  its campaign; OfferToAgent INVITEs the agent's registered phone with that offer, and the
  agent's answer goes back to the customer in the 200.
- outbound (DialOut): the agent's phone is INVITEd without SDP; its offer is answered on hold
  in the ACK, sent to the customer via the trunk, and the customer's answer reaches the agent
  in a re-INVITE once they pick up.
- hold/resume: a re-INVITE to each side with the other's media made inactive, or sendrecv.
- blind transfer and requeue: the agent's leg is hung up, the customer waits on hold, and the
  new party (a number via the trunk, another agent's extension, the next agent of the queue)
  gets the customer's media; its answer reaches the customer in a re-INVITE.

Every established dialog is kept (`stored.py`) before the signal it matters for is reported:
a process started after one that died takes back the calls whose dialogs it finds (`adopt`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from agentbar.domain.model.call import Call, CallType
from agentbar.domain.model.commands import (
    AgentAnswered,
    AgentDidNotAnswer,
    CallArrived,
    CallEnded,
    CustomerAnswered,
    DialFailed,
    LegAnswered,
    LegEnded,
    Signal,
)
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
    Requeue,
    ResumeCall,
    TransferCall,
)
from agentbar.domain.model.legs import LegKind
from agentbar.drivers.media.janus import JanusClient
from agentbar.drivers.telephony.sip.dialogs import Dialogs
from agentbar.drivers.telephony.sip.endpoint import Address, SipEndpoint
from agentbar.drivers.telephony.sip.legs import Leg, Role, SipCall
from agentbar.drivers.telephony.sip.message import (
    SipMessage,
    new_tag,
    param,
    response_to,
    uri_of,
    user_of,
)
from agentbar.drivers.telephony.sip.parties import BUSY, Parties
from agentbar.drivers.telephony.sip.reattach import Reattach
from agentbar.drivers.telephony.sip.registrar import Registrar
from agentbar.drivers.telephony.sip.routes import Routes
from agentbar.drivers.telephony.sip.sdp import Origin, answer_on_hold, relay
from agentbar.drivers.telephony.sip.settings import SipSettings
from agentbar.drivers.telephony.sip.stored import sort_kept
from agentbar.ports.dialogs import DialogStore

log = logging.getLogger(__name__)

RESTARTED = "server restarted"
"""Who ended a call a restart could not take back."""


class SipTelephony:
    def __init__(
        self,
        settings: SipSettings,
        new_id: Callable[[str], str],
        route: Callable[[str], str | None],
        dialogs: DialogStore | None = None,
        janus: JanusClient | None = None,
    ) -> None:
        """`route` names the campaign a dialed number goes to (None: nobody takes it);
        `dialogs` keeps the established dialogs across a restart (None: nothing is kept);
        `janus` mixes conferences (None: they are refused)."""
        self._settings = settings
        self._new_id = new_id
        self._route = route
        self._endpoint = SipEndpoint(settings.host, settings.port, self._on_request)
        self.registrar = Registrar(settings.realm, settings.passwords)
        self._emit: Callable[[Signal], None] | None = None
        self._calls: dict[str, SipCall] = {}
        self._dialogs: Dialogs[SipCall] = Dialogs(self._endpoint, settings.ring_timeout, dialogs)
        self._keeper = self._dialogs.keeper
        self._orphans: list[Leg] = []
        """Kept dialogs of calls a restart did not take back: hung up once the endpoint runs."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._routes = Routes(self.registrar, settings.trunk)
        self._pages = Reattach(self.registrar, self._dialogs, self._calls, self._end, self._spawn)
        self._parties = Parties(
            self._dialogs,
            self._routes.of,
            self._calls,
            self._signal,
            self._end,
            janus,
            settings,
            self._spawn,
        )

    @property
    def address(self) -> Address:
        return self._endpoint.address

    def attach(self, emit: Callable[[Signal], None]) -> None:
        self._emit = emit

    async def start(self) -> None:
        if self._settings.trunk is not None:
            host, port = self._settings.trunk
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
            )
            if not found:
                raise OSError(f"SIP trunk '{host}' has no IPv4 address")
            self._routes.trunk = (str(found[0][4][0]), port)
        await self._endpoint.start()
        log.info("SIP listening on udp %s:%d", *self._endpoint.address)
        for leg in self._orphans:
            self._dialogs.send_bye(leg)
        self._orphans.clear()

    async def stop(self, *, hang_up: bool = True) -> None:
        """Hang up every call and forget its dialogs; with `hang_up=False`, stop as a process
        that dies would: not a word to the phones, the kept dialogs left as they are."""
        for task in list(self._tasks):
            task.cancel()
        if hang_up:
            for call in list(self._calls.values()):
                self._tear_down(call)
            await self._keeper.flush()
        else:
            self._keeper.abandon()
        await self._parties.close()
        self._calls.clear()
        await asyncio.sleep(0)  # let the BYEs and CANCELs leave before the socket closes
        await self._endpoint.stop()

    def live_calls(self) -> list[str]:
        return list(self._calls)

    async def adopt(self, calls: Sequence[Call], phones: Mapping[str, str]) -> None:
        """Take back the calls whose live legs all have kept dialogs; report the others ended."""
        restart = sort_kept(calls, await self._keeper.load())
        for call in restart.taken:
            self._calls[call.call_id] = call
            for leg in call.legs():
                self._dialogs.track(leg, call)
        for call_id in restart.ended:
            self._signal(CallEnded(call_id, RESTARTED))
        self._orphans = restart.orphans
        for leg in self._orphans:
            self._keeper.drop(leg)
        await self._keeper.flush()

    # -- instructions -------------------------------------------------------------------

    async def execute(self, instruction: Instruction) -> None:
        if isinstance(instruction, OfferToAgent):
            self._spawn(self._offer(instruction))
        elif isinstance(instruction, CancelOffer):
            self._cancel_offer(instruction)
        elif isinstance(instruction, DialOut):
            self._spawn(self._dial_out(instruction))
        elif isinstance(instruction, EndCall) and instruction.call_id in self._calls:
            self._end(self._calls[instruction.call_id], "agent")
        elif isinstance(instruction, HoldCall | ResumeCall):
            call = self._calls.get(instruction.call_id)
            if call is not None:
                direction = "inactive" if isinstance(instruction, HoldCall) else "sendrecv"
                self._spawn(self._set_direction(call, direction))
        elif isinstance(instruction, TransferCall):
            self._spawn(self._transfer(instruction))
        elif isinstance(instruction, Requeue):
            self._requeue(instruction)
        elif isinstance(instruction, DialCustomer):
            log.error("SIP: no media engine to play an abandon message; predictive dial refused")
            self._signal(DialFailed(instruction.call_id, "failed"))
        elif isinstance(instruction, ConsultCall | CompleteConsult | AddLeg | HangUpLeg):
            self._spawn(self._parties.execute(instruction))

    # -- inbound: the trunk's INVITE --------------------------------------------------------

    def _inbound(self, invite: SipMessage, source: Address) -> None:
        trunk = self._routes.trunk
        if trunk is not None and source[0] != trunk[0]:
            self._endpoint.respond(invite, response_to(invite, 403))
            return
        if invite.sdp is None:
            self._endpoint.respond(invite, response_to(invite, 488))
            return
        dialed = user_of(invite.uri)
        campaign_id = self._route(dialed)
        if campaign_id is None:
            log.warning("SIP: no campaign takes calls to '%s'", dialed)
            self._endpoint.respond(invite, response_to(invite, 404))
            return
        tag = new_tag()
        crt = self._new_id("crt")
        leg = Leg(
            role=Role.CUSTOMER,
            sip_call_id=invite.call_id,
            local=f"{invite.require('To')};tag={tag}",
            remote=invite.require("From"),
            target=uri_of(invite.get("Contact") or invite.require("From")),
            address=source,
            origin=Origin(host=self._endpoint.address[0]),
            incoming=True,
            invite=invite,
            remote_sdp=invite.sdp,
            crt=crt,
        )
        call = SipCall(self._new_id("call"), customer=leg)
        self._calls[call.call_id] = call
        self._dialogs.track(leg, call)
        self._endpoint.respond(invite, self._dialogs.response(leg, 180))
        phone = user_of(uri_of(invite.require("From")))
        self._signal(CallArrived(call.call_id, CallType.INBOUND, campaign_id, phone, crt))

    async def _offer(self, offer: OfferToAgent) -> None:
        call = self._calls.get(offer.call_id)
        customer = call.customer if call is not None else None
        if call is None or customer is None or customer.ended or customer.remote_sdp is None:
            return  # the customer hung up before the offer reached telephony
        binding = self.registrar.lookup(offer.extension_phone)
        if binding is None:
            log.info("SIP: extension %s is not registered", offer.extension_phone)
            self._signal(AgentDidNotAnswer(offer.call_id, offer.user_crt))
            return
        caller = user_of(uri_of(customer.remote))
        leg = self._dialogs.outgoing(
            Role.OFFER, binding.contact, binding.address, caller, offer.user_crt
        )
        call.offers[offer.user_crt] = leg
        leg.extension, leg.browser = offer.extension_phone, binding.browser
        self._dialogs.track(leg, call)
        final = await self._dialogs.ring(leg, relay(customer.remote_sdp, leg.origin))
        still_offered = call.offers.get(offer.user_crt) is leg
        if not still_offered:
            return  # cancelled, or the call is over
        del call.offers[offer.user_crt]
        if final.status >= 300:
            self._dialogs.forget(leg)
            self._signal(AgentDidNotAnswer(call.call_id, offer.user_crt))
            return
        self._dialogs.acknowledge(leg)
        if call.call_id not in self._calls or customer.ended:
            self._dialogs.hang_up(leg)
            return
        if call.agent is not None:
            # Ring-all: another phone took the call first; this one is hung up again.
            self._dialogs.hang_up(leg)
            return
        leg.role = Role.AGENT
        call.agent = leg
        assert leg.remote_sdp is not None
        if customer.up:
            await self._dialogs.reoffer(customer, leg.remote_sdp, "sendrecv")  # a requeued customer
        else:
            assert customer.invite is not None  # the trunk's INVITE, not answered until now
            customer.sent_sdp = relay(leg.remote_sdp, customer.origin)
            customer.up = True
            self._endpoint.respond(customer.invite, self._dialogs.response(customer, 200))
        await self._keeper.store(customer, leg)
        self._signal(AgentAnswered(call.call_id, offer.user_crt))

    def _cancel_offer(self, cancel: CancelOffer) -> None:
        call = self._calls.get(cancel.call_id)
        leg = call.offers.pop(cancel.user_crt, None) if call is not None else None
        if leg is not None:
            self._dialogs.hang_up(leg)

    # -- outbound: the agent's phone first, then the customer's ------------------------------

    async def _dial_out(self, dial: DialOut) -> None:
        call = SipCall(dial.call_id)
        self._calls[call.call_id] = call
        binding = self.registrar.lookup(dial.extension_phone)
        trunk = self._routes.trunk
        if binding is None or trunk is None:
            reason = "agent_no_answer" if binding is None else "no_answer"
            log.warning(
                "SIP: cannot dial out (%s)",
                "agent not registered" if binding is None else "no trunk configured",
            )
            self._fail_dial(call, reason)
            return
        agent = self._dialogs.outgoing(
            Role.AGENT, binding.contact, binding.address, dial.phone, dial.user_crt
        )
        call.agent = agent
        self._dialogs.track(agent, call)
        final = await self._dialogs.ring(agent, None)
        if call.call_id not in self._calls:
            return  # ended meanwhile
        if final.status >= 300 or agent.remote_sdp is None:
            self._fail_dial(call, "agent_busy" if final.status in BUSY else "agent_no_answer")
            return
        held = answer_on_hold(agent.remote_sdp, agent.origin)
        agent.sent_sdp = held
        self._dialogs.acknowledge(agent, held)
        await self._keeper.store(agent)  # so a restart meanwhile hangs it up
        customer = self._dialogs.outgoing(
            Role.CUSTOMER,
            self._routes.trunk_uri(dial.phone),
            trunk,
            dial.extension_phone,
            dial.customer_crt,
        )
        call.customer = customer
        self._dialogs.track(customer, call)
        final = await self._dialogs.ring(customer, relay(agent.remote_sdp, customer.origin))
        if call.call_id not in self._calls:
            return
        if final.status >= 300 or customer.remote_sdp is None:
            self._fail_dial(call, "busy" if final.status in BUSY else "no_answer")
            return
        self._dialogs.acknowledge(customer)
        await self._keeper.store(customer)
        await self._dialogs.reoffer(agent, customer.remote_sdp, "sendrecv")
        self._signal(CustomerAnswered(call.call_id))

    def _fail_dial(self, call: SipCall, reason: str) -> None:
        self._calls.pop(call.call_id, None)
        self._tear_down(call)
        self._signal(DialFailed(call.call_id, reason))

    # -- hold, transfers, requeue -----------------------------------------------------------

    async def _set_direction(self, call: SipCall, direction: str) -> None:
        customer, agent = call.customer, call.agent
        if customer is None or agent is None or not (customer.up and agent.up):
            return
        if call.room is not None:
            return await self._parties.hold(call, direction)
        if agent.remote_sdp is not None:
            await self._dialogs.reoffer(customer, agent.remote_sdp, direction)
        if customer.remote_sdp is not None:
            await self._dialogs.reoffer(agent, customer.remote_sdp, direction)

    def _requeue(self, step: Requeue) -> None:
        call = self._calls.get(step.call_id)
        if call is None:
            return
        self._drop_agent(call)
        del self._calls[call.call_id]
        call.call_id = step.new_call_id
        self._calls[call.call_id] = call
        customer = call.customer
        if customer is not None:
            self._keeper.keep(customer)  # under the call's new name
        if customer is not None and customer.up and customer.sent_sdp is not None:
            self._spawn(self._dialogs.reoffer(customer, customer.sent_sdp, "inactive"))

    async def _transfer(self, step: TransferCall) -> None:
        call = self._calls.get(step.call_id)
        if call is None or call.customer is None:
            return  # the customer hung up before the transfer reached telephony
        customer = call.customer
        self._drop_agent(call)
        call.target_leg_id = step.leg_id
        if step.kind is LegKind.IVR:
            return await self._parties.to_ivr(call, step.leg_id, step.address)
        destination = self._routes.of(step.kind, step.address)
        if destination is None or customer.remote_sdp is None:
            self._signal(LegEnded(call.call_id, step.leg_id, "busy"))
            self._end(call, "busy")
            return
        if customer.sent_sdp is not None:
            await self._dialogs.reoffer(customer, customer.sent_sdp, "inactive")
        uri, address = destination
        caller = user_of(uri_of(customer.remote))
        target = self._dialogs.outgoing(Role.TARGET, uri, address, caller, step.leg_id)
        call.target = target
        self._dialogs.track(target, call)
        final = await self._dialogs.ring(target, relay(customer.remote_sdp, target.origin))
        if call.call_id not in self._calls or call.target is not target:
            return
        if final.status >= 300 or target.remote_sdp is None:
            reason = "busy" if final.status in BUSY else "no_answer"
            self._dialogs.forget(target)
            call.target = None
            self._signal(LegEnded(call.call_id, step.leg_id, reason))
            self._end(call, reason)
            return
        self._dialogs.acknowledge(target)
        await self._keeper.store(target)
        await self._dialogs.reoffer(customer, target.remote_sdp, "sendrecv")
        self._signal(LegAnswered(call.call_id, step.leg_id))

    def _drop_agent(self, call: SipCall) -> None:
        for leg in call.offers.values():
            self._dialogs.hang_up(leg)
        call.offers.clear()
        if call.agent is not None:
            self._dialogs.hang_up(call.agent)
            call.agent = None

    # -- requests from the phones --------------------------------------------------------------

    def _on_request(self, request: SipMessage, source: Address) -> None:
        method = request.method
        if method == "REGISTER":
            self._endpoint.respond(request, self.registrar.handle(request, source))
            return
        if method == "OPTIONS":
            self._endpoint.respond(request, response_to(request, 200, new_tag()))
            return
        known = self._dialogs.find(request.call_id)
        if method == "INVITE" and known is None and param(request.require("To"), "tag") is None:
            self._inbound(request, source)
            return
        if method == "ACK":
            return  # 2xx ACKs only stop retransmissions, which the endpoint did
        if known is None:
            self._endpoint.respond(request, response_to(request, 481))
            return
        leg, call = known
        if method == "BYE":
            self._endpoint.respond(request, response_to(request, 200))
            self._hung_up(leg, call)
        elif method == "CANCEL":
            self._endpoint.respond(request, response_to(request, 200))
            if leg.invite is not None and not leg.up:
                self._endpoint.respond(leg.invite, self._dialogs.response(leg, 487))
                self._hung_up(leg, call)
        elif method == "INVITE":
            self._dialogs.answer_reinvite(leg, request)
        elif method in ("INFO", "NOTIFY", "UPDATE"):
            self._endpoint.respond(request, response_to(request, 200))
            self._parties.heard_info(call, leg, request)
        else:
            self._endpoint.respond(request, response_to(request, 405))

    def _hung_up(self, leg: Leg, call: SipCall) -> None:
        """The phone of `leg` hung up (BYE) or gave up ringing (CANCEL)."""
        leg.ended, leg.up = True, False
        self._dialogs.forget(leg)
        if self._calls.get(call.call_id) is not call:
            return
        if leg is call.customer:
            self._end(call, "customer")
        elif leg is call.agent and not self._pages.keeps(call, leg):
            self._end(call, "agent")
        elif leg is call.target and call.target_leg_id is not None:
            self._signal(LegEnded(call.call_id, call.target_leg_id, "hung_up"))
            self._end(call, "hung_up")
        else:
            self._spawn(self._parties.hung_up(call, leg))

    def _end(self, call: SipCall, ended_by: str) -> None:
        if self._calls.pop(call.call_id, None) is None:
            return
        self._tear_down(call)
        self._signal(CallEnded(call.call_id, ended_by))

    def _tear_down(self, call: SipCall) -> None:
        for leg in call.legs():
            self._dialogs.hang_up(leg)
        call.offers.clear()
        self._spawn(self._parties.close_room(call))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("SIP call flow failed", exc_info=finished.exception())

        task.add_done_callback(done)

    def _signal(self, signal: Signal) -> None:
        if self._emit is None:
            raise RuntimeError("SIP driver is not attached to a contact center")
        self._emit(signal)
