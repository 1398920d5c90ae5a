"""The dialogs the SIP driver keeps in its DialogStore, so that a process started after one
that died can still hang up, hold and transfer the calls the network kept up (the media went
straight between the phones, so they went on talking).

A dialog is kept once it is established and belongs to a call (a customer's, an agent's, a
transfer target's leg; not a phone still ringing for an offer), before the driver reports the
signal that made it matter; kept again whenever it changes (a re-INVITE either way bumps a
CSeq or changes a description); forgotten when it ends. Its document holds the dialog state of
RFC 3261 §12 and what third-party call control needs to go on:

- `call_id`, `role`, `crt`: the call (agentbar's id) and which of its legs the dialog is (the
  centre's CRT id of the leg);
- the key is the dialog's SIP Call-ID; `local` and `remote` are the From/To values of either
  side, each with its URI and tag; `target` is the remote target (the phone's Contact) and
  `address` where requests to the phone go (the peer address the INVITE reached it at);
- `cseq`: the local CSeq last used; `incoming`: who sent the INVITE;
- `origin`: the o= line agentbar uses on the leg (session id, version, host), so the next
  offer is a new version of the same session (RFC 3264 §8);
- `remote_sdp`, `sent_sdp`: what the phone last described and what agentbar last gave it.

There is no route set: the driver does not support Record-Route, so no dialog has one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentbar.domain.model.call import Call, CallState
from agentbar.domain.model.legs import LegKind, LegState, live_legs
from agentbar.drivers.telephony.sip.legs import Leg, Role, SipCall
from agentbar.drivers.telephony.sip.sdp import Origin
from agentbar.ports.dialogs import DialogStore

log = logging.getLogger(__name__)

KEPT_ROLES = (Role.CUSTOMER, Role.AGENT, Role.TARGET)


def _text(sdp: bytes | None) -> str | None:
    # latin-1 maps every byte to one character: any body comes back byte for byte.
    return sdp.decode("latin-1") if sdp is not None else None


def _bytes(text: str | None) -> bytes | None:
    return text.encode("latin-1") if text is not None else None


def leg_doc(leg: Leg, call_id: str) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "role": leg.role.value,
        "crt": leg.crt,
        "local": leg.local,
        "remote": leg.remote,
        "target": leg.target,
        "address": [leg.address[0], leg.address[1]],
        "incoming": leg.incoming,
        "cseq": leg.cseq,
        "origin": {
            "session": leg.origin.session,
            "version": leg.origin.version,
            "host": leg.origin.host,
        },
        "remote_sdp": _text(leg.remote_sdp),
        "sent_sdp": _text(leg.sent_sdp),
    }


def leg_of(sip_call_id: str, doc: dict[str, Any]) -> tuple[str, Leg]:
    """The call a kept dialog belongs to, and the dialog as an established leg again."""
    origin = doc["origin"]
    host, port = doc["address"]
    leg = Leg(
        role=Role(doc["role"]),
        sip_call_id=sip_call_id,
        local=doc["local"],
        remote=doc["remote"],
        target=doc["target"],
        address=(str(host), int(port)),
        origin=Origin(int(origin["session"]), int(origin["version"]), str(origin["host"])),
        incoming=bool(doc["incoming"]),
        cseq=int(doc["cseq"]),
        remote_sdp=_bytes(doc["remote_sdp"]),
        sent_sdp=_bytes(doc["sent_sdp"]),
        up=True,
        crt=doc["crt"],
    )
    return str(doc["call_id"]), leg


def take_back(call: Call, kept: Sequence[Leg]) -> list[Leg] | None:
    """The kept dialogs that carry every live leg of `call` as the floor restored it, or None
    when one has none: a leg that was still ringing (a dial, a transfer target: its INVITE died
    with the process), or one whose dialog was never kept. An agent's phone ringing for an
    offer needs none: the floor makes the offer again."""
    by_crt = {leg.crt: leg for leg in kept if leg.crt is not None}
    taken: list[Leg] = []
    for leg in live_legs(call.legs):
        if leg.state is LegState.RINGING:
            if leg.kind is LegKind.AGENT and call.state is CallState.OFFERED:
                continue
            return None
        found = by_crt.get(leg.leg_id)
        if found is None:
            return None
        taken.append(found)
    roles = [leg.role for leg in taken]
    if Role.CUSTOMER not in roles or len(set(roles)) != len(roles):
        return None
    return taken


@dataclass
class Restart:
    """What a restart makes of the kept dialogs, given the live calls the floor restored."""

    taken: list[SipCall] = field(default_factory=list)
    """Calls taken back, each with the dialogs of its live legs."""
    ended: list[str] = field(default_factory=list)
    """Calls with their customer still on the line that cannot be taken back."""
    orphans: list[Leg] = field(default_factory=list)
    """Kept dialogs no call took back: of those calls, or of calls the floor no longer has
    (or whose leg it knows as ringing, or ended)."""


def sort_kept(calls: Sequence[Call], kept: Sequence[tuple[str, Leg]]) -> Restart:
    by_call: dict[str, list[Leg]] = {}
    for call_id, leg in kept:
        by_call.setdefault(call_id, []).append(leg)
    restart = Restart()
    for call in calls:
        customer = call.leg(call.customer_crt)
        if customer is None or not customer.live:
            continue  # the customer hung up: the floor knows already
        legs = by_call.pop(call.call_id, [])
        taken = take_back(call, legs)
        restart.orphans += [leg for leg in legs if taken is None or leg not in taken]
        if taken is None:
            restart.ended.append(call.call_id)
            continue
        sip_call = SipCall(call.call_id)
        for leg in taken:
            if leg.role is Role.CUSTOMER:
                sip_call.customer = leg
            elif leg.role is Role.AGENT:
                sip_call.agent = leg
            else:
                sip_call.target, sip_call.target_leg_id = leg, leg.crt
        restart.taken.append(sip_call)
    for legs in by_call.values():
        restart.orphans += legs
    return restart


class DialogKeeper:
    """Writes each dialog's newest state to the store, one write at a time, in order.

    `keep` and `drop` note the newest state at once (they are called where nothing may wait,
    e.g. while answering a phone's request) and a background write follows; a flow about to
    report a signal awaits `flush`, so what it noted is stored first. A write that fails is
    logged: the call goes on, it only would not survive a restart."""

    def __init__(self, store: DialogStore | None, call_of: Callable[[Leg], str | None]) -> None:
        self._store = store
        self._call_of = call_of
        self._pending: dict[str, dict[str, Any] | None] = {}
        self._kept: set[str] = set()
        self._lock = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None

    def keep(self, leg: Leg) -> None:
        """Note the leg's state, if it is an established dialog of a call."""
        if self._store is None or not leg.up or leg.ended or leg.role not in KEPT_ROLES:
            return
        call_id = self._call_of(leg)
        if call_id is None:
            return
        self._kept.add(leg.sip_call_id)
        self._note(leg.sip_call_id, leg_doc(leg, call_id))

    def drop(self, leg: Leg) -> None:
        """The dialog ended: forget it, if it was kept."""
        if leg.sip_call_id in self._kept:
            self._kept.discard(leg.sip_call_id)
            self._note(leg.sip_call_id, None)

    def _note(self, key: str, doc: dict[str, Any] | None) -> None:
        self._pending[key] = doc
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self.flush())

    async def store(self, *legs: Leg) -> None:
        """Store the legs' dialogs as they stand now (before the signal they matter for)."""
        for leg in legs:
            self.keep(leg)
        await self.flush()

    async def flush(self) -> None:
        """Store everything noted so far."""
        async with self._lock:
            while self._pending and self._store is not None:
                key = next(iter(self._pending))
                doc = self._pending.pop(key)
                try:
                    if doc is None:
                        await self._store.forget(key)
                    else:
                        await self._store.save(key, doc)
                except Exception:
                    log.exception("SIP: could not store the state of dialog %s", key)

    async def load(self) -> list[tuple[str, Leg]]:
        """Every dialog kept: its call, and the dialog as an established leg."""
        if self._store is None:
            return []
        loaded: list[tuple[str, Leg]] = []
        for key, doc in (await self._store.load_all()).items():
            try:
                loaded.append(leg_of(key, doc))
            except (KeyError, TypeError, ValueError):
                log.warning("SIP: kept dialog %s is unreadable; forgotten", key)
                await self._store.forget(key)
                continue
            self._kept.add(key)
        return loaded

    def abandon(self) -> None:
        """Write nothing more, as a process that died would."""
        self._store = None
        self._pending.clear()
        if self._writer is not None:
            self._writer.cancel()
