"""A browser phone's page going away is not the agent hanging up.

The browser phone is the toolbar registering its extension through Janus's SIP plugin, and
that plugin ends the SIP call (BYE) when the page's WebRTC media ends: a refresh, a navigation,
a closed tab. The agent's own hang-up never takes that way (the toolbar's hang-up asks
agentbar, which sends the BYE), so a BYE from a browser phone's leg means its page went away.
The customer is then kept on the line (they hear silence, not a hang-up) until the extension
registers again from the next page; that phone is INVITEd with the customer's media,
marked as a re-attach so the toolbar answers at once, and the customer is re-INVITEd with its
answer. No new registration within REATTACH_SECONDS, or a phone that refuses: the call ends as
the agent's hang-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from agentbar.drivers.telephony.sip.dialogs import Dialogs
from agentbar.drivers.telephony.sip.legs import Leg, Role, SipCall
from agentbar.drivers.telephony.sip.message import uri_of, user_of
from agentbar.drivers.telephony.sip.registrar import Registrar
from agentbar.drivers.telephony.sip.sdp import mirrored_direction, relay

log = logging.getLogger(__name__)

REATTACH_SECONDS = 10.0
"""How long a customer waits, held, for the agent's next page to register the phone again."""
REATTACH_HEADER = "X-Agentbar-Reattach"
"""On the INVITE that re-attaches a call: the toolbar answers it at once (its value: the
call's id)."""


class Reattach:
    def __init__(
        self,
        registrar: Registrar,
        dialogs: Dialogs[SipCall],
        calls: Mapping[str, SipCall],
        end: Callable[[SipCall, str], None],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self._registrar = registrar
        self._dialogs = dialogs
        self._calls = calls
        self._end = end
        self._spawn = spawn
        self._waiting: dict[str, asyncio.Event] = {}
        registrar.on_bound = self._bound

    def keeps(self, call: SipCall, gone: Leg) -> bool:
        """Whether the call outlives `gone`, its agent's leg that just hung up: only a browser
        phone's, while the customer is on the line. The re-attach then runs on its own."""
        customer = call.customer
        if not gone.browser or gone.extension is None or customer is None or not customer.up:
            return False
        call.agent = None
        self._spawn(self._reattach(call, gone.extension, gone))
        return True

    def _bound(self, extension: str) -> None:
        waiting = self._waiting.get(extension)
        if waiting is not None:
            waiting.set()

    def _live(self, call: SipCall) -> bool:
        return self._calls.get(call.call_id) is call and call.customer is not None

    async def _reattach(self, call: SipCall, extension: str, gone: Leg) -> None:
        customer = call.customer
        assert customer is not None
        log.info("SIP: browser phone %s went away; %s waits for it", extension, call.call_id)
        registered = self._waiting.setdefault(extension, asyncio.Event())
        # The customer is not re-INVITEd meanwhile: what they send goes nowhere and they hear
        # silence for the moment the page takes, and the one re-INVITE, with the next page's
        # media, comes sooner.
        held = customer.sent_sdp is not None and mirrored_direction(customer.sent_sdp) == "inactive"
        binding = self._registrar.lookup(extension)
        try:
            while binding is None or binding.contact == gone.target or not binding.browser:
                registered.clear()
                await asyncio.wait_for(registered.wait(), REATTACH_SECONDS)
                binding = self._registrar.lookup(extension)
        except TimeoutError:
            if self._live(call):
                self._end(call, "agent")
            return
        finally:
            self._waiting.pop(extension, None)
        if not self._live(call) or customer.remote_sdp is None:
            return
        caller = user_of(uri_of(customer.remote))
        leg = self._dialogs.outgoing(Role.OFFER, binding.contact, binding.address, caller, gone.crt)
        leg.extension, leg.browser = extension, True
        leg.headers.append((REATTACH_HEADER, call.call_id))
        call.agent = leg
        self._dialogs.track(leg, call)
        final = await self._dialogs.ring(leg, relay(customer.remote_sdp, leg.origin))
        if not self._live(call) or call.agent is not leg:
            self._dialogs.hang_up(leg)
            return
        if final.status >= 300 or leg.remote_sdp is None:
            self._dialogs.forget(leg)
            call.agent = None
            self._end(call, "agent")
            return
        self._dialogs.acknowledge(leg)
        leg.role = Role.AGENT
        # A call the agent held before the page went away stays held.
        direction = "inactive" if held else "sendrecv"
        if held:
            await self._dialogs.reoffer(leg, customer.remote_sdp, direction)
        await self._dialogs.reoffer(customer, leg.remote_sdp, direction)
        await self._dialogs.keeper.store(customer, leg)
        log.info("SIP: %s re-attached to browser phone %s", call.call_id, extension)
