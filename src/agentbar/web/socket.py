"""The toolbar socket: one WebSocket per toolbar, JSON frames both ways.

Rules kept here: the handshake must come from agentbar's own origin (the toolbar page); the
first useful frame authenticates (login or resume with a token, never a token in the URL)
and names the CRM origin, which must be on the allow-list; commands are answered in order;
events reach the socket from the bus, and the session's end closes it with the reason. An
authenticated socket registers with its session while open (so the session does not idle
out) and acts for it only while the session is live.

The toolbar renders what the server decides: after a live event that changed the agent's view
(agent, call and legs, lead), a `{"view": ..., "seq": n}` frame follows that event, so the
CRM's handlers (fired from events) and the screen (drawn from views) keep the events' order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.call import CallType
from agentbar.domain.model.events import CallbackScheduled
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.ids import new_id
from agentbar.origins import origin_of
from agentbar.phones import normalize_phone
from agentbar.ports import Envelope, EventBus, Subscription, SubscriptionClosed
from agentbar.services.browser_phone import BrowserPhones
from agentbar.services.crm_settings import CrmSettings
from agentbar.services.desk import Desk
from agentbar.services.event_replay import EventReplay
from agentbar.services.runtime import Runtime
from agentbar.services.sessions import INVALID_SESSION, Session, Sessions
from agentbar.services.unseen_events import UnseenEvents
from agentbar.web import frames as f
from agentbar.web.open_sockets import serve_in_place
from agentbar.web.socket_answers import PLAIN_COMMANDS, Refused, answer_of, error
from agentbar.web.socket_budget import SocketBudget
from agentbar.web.socket_intake import Frame, LoginDeadline, rate_limited_answer, read_and_answer

log = logging.getLogger(__name__)

CLOSE_SESSION_ENDED = 4001
MAX_REPLAY = 500
BINARY_FRAME = {"code": "bad_frame", "message": "frames are JSON text; a binary frame is not read"}
"""A resuming toolbar further behind than this many events gets a fresh snapshot instead: the
snapshot is the state already, and the CRM handlers of so many stale events would mislead."""


def _own_origin(ws: WebSocket) -> str | None:
    scheme = "https" if ws.url.scheme == "wss" else "http"
    host = ws.headers.get("host", "")
    return origin_of(f"{scheme}://{host}")


@dataclass(frozen=True)
class ToolbarServices:
    """What a toolbar socket works with."""

    sessions: Sessions
    crm_settings: CrmSettings
    desk: Desk
    runtime: Runtime
    event_replay: EventReplay
    unseen_events: UnseenEvents
    bus: EventBus
    browser_phones: BrowserPhones
    budget: SocketBudget = field(default_factory=SocketBudget)
    """Its limits, and the count of open sockets shared with the supervisor's."""
    sent: Callable[[Envelope], None] = field(default=lambda envelope: None)
    """Told of each event frame once it is written (the metrics time it from its decision)."""


def plan_view(desk: Desk, agent_id: str, campaign_id: str | None) -> list[dict[str, Any]]:
    plan = desk.disposition_plan(agent_id, campaign_id)
    return [{"dispositionClass": k.name, "dispositionCodes": list(k.codes)} for k in plan.classes]


class ToolbarSocket:
    def __init__(self, ws: WebSocket, services: ToolbarServices) -> None:
        self._ws = ws
        self._c = services
        self._session: Session | None = None
        self._send_lock = asyncio.Lock()
        self._forwarder: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self._replay: list[Envelope] = []
        self._unseen_seen = 0
        """How many ranges of unseen events (`UnseenEvents.found`) this socket has sent from."""
        self._sent = 0
        """The seq of the last event sent: events arrive in order, so any at or below it is
        a copy (the live one of a replayed or unseen event)."""
        self._view: dict[str, Any] | None = None
        self._view_due: int | None = None
        """The seq of the last event sent whose view is not sent yet: the agent's view goes
        once after the events sent together (a move's), not between them, where its rendering
        would hold back the toolbar's handling of the next event (a screen pop)."""
        """The agent's view as this toolbar last received it (snapshot or `view` frame)."""
        self._too_far_behind = False
        self._ending_here = False
        self._login_deadline = LoginDeadline()

    async def run(self) -> None:
        origin = self._ws.headers.get("origin")
        if origin is None or origin_of(origin) != _own_origin(self._ws):
            log.warning("socket refused: Origin %r is not the toolbar's own origin", origin)
            await self._ws.close(code=1008)
            return
        await serve_in_place(self._ws, self._c.budget.open_sockets, self._serve)

    async def _serve(self) -> None:
        limits = self._c.budget.limits
        log_in = self._login_deadline.run(limits.auth_timeout, self._close, "log in")
        deadline = asyncio.create_task(log_in)
        try:
            await read_and_answer(
                self._ws,
                self._c.budget,
                self._answer,
                lambda frame: self._send(rate_limited_answer(frame, limits.rate)),
                self._close,
            )
        finally:
            deadline.cancel()
            await self._stop_forwarding()
            if self._session is not None:
                self._c.sessions.socket_closed(self._session)

    async def _answer(self, text: Frame) -> bool:
        """Answer one frame; False once the socket is closed and answers nothing more."""
        try:
            if text is None:
                raise f.BadFrame(BINARY_FRAME["code"], BINARY_FRAME["message"], None)
            frame = f.parse_frame(text)
        except f.BadFrame as bad:
            await self._send(
                {"re": bad.frame_id, "ok": False, "error": error(bad.code, bad.message)}
            )
            return True
        async with self._login_deadline.answering:
            reply = await answer_of(frame.id, frame.cmd, lambda: self._handle(frame))
            await self._send(reply)
        if self._subscription is not None and self._forwarder is None:
            # Events start only after the answer that carries the snapshot, so the toolbar
            # always has a state to apply them to: first the replay, then live ones.
            self._forwarder = asyncio.create_task(self._forward(self._subscription))
        if isinstance(frame, f.Logout) and reply["ok"]:
            await self._close(1000, "logged out")
        return self._ws.application_state is WebSocketState.CONNECTED

    # -- authentication ------------------------------------------------------------------

    def _allowed_crm_origin(self, crm_origin: str) -> str:
        origin = origin_of(crm_origin)
        if origin is None:
            raise Refused("bad_origin", f"'{crm_origin}' is not a CRM page URL or origin")
        if origin not in self._c.crm_settings.allowed_origins():
            raise Refused(
                "origin_not_allowed",
                f"CRM origin {origin} is not allowed to use this toolbar; "
                "the administrator must add it to AGENTBAR_ALLOWED_ORIGINS",
            )
        return origin

    def _unauthenticated(self) -> None:
        if self._session is not None:
            raise Refused("already_authenticated", "this socket is already logged in")

    async def _login(self, frame: f.Login) -> dict[str, Any]:
        self._unauthenticated()
        origin = self._allowed_crm_origin(frame.crmOrigin)
        # Behind a reverse proxy this is the proxy's address unless uvicorn trusts the
        # proxy's X-Forwarded-For: FORWARDED_ALLOW_IPS=<proxy address> (uvicorn's
        # --proxy-headers is on by default, trusting 127.0.0.1 only).
        client = self._ws.client.host if self._ws.client else ""
        result = await self._c.sessions.login(
            frame.username, frame.password, frame.authPolicy, origin, frame.force, client
        )
        snapshot = await self._attach(result.session)
        return {"token": result.token, "forced": result.forced, "snapshot": snapshot}

    async def _resume(self, frame: f.Resume) -> dict[str, Any]:
        self._unauthenticated()
        origin = self._allowed_crm_origin(frame.crmOrigin)
        session = await self._c.sessions.resume(frame.token, origin)
        snapshot = await self._attach(session, frame.lastSeq)
        answer: dict[str, Any] = {"snapshot": snapshot}
        if frame.lastSeq is not None:
            answer["replayed"] = len(self._replay)
            answer["tooFarBehind"] = self._too_far_behind
        return answer

    async def _attach(self, session: Session, last_seq: int | None = None) -> dict[str, Any]:
        if not self._c.sessions.socket_opened(session):
            raise INVALID_SESSION  # it ended between the login (or resume) and now
        # Subscribe before reading the snapshot so nothing falls between the two.
        subscription = self._c.bus.subscribe(f"agent:{session.agent_id}")
        self._unseen_seen = self._c.unseen_events.found
        try:
            snapshot = await self._c.desk.snapshot(session.agent_id)
            if last_seq is not None:
                await self._plan_replay(session.agent_id, last_seq)
        except BaseException:
            subscription.close()
            self._c.sessions.socket_closed(session)
            raise
        self._session = session
        self._subscription = subscription
        self._login_deadline.met()
        self._view = {key: snapshot[key] for key in ("agent", "call", "lead")}
        return snapshot

    async def _plan_replay(self, agent_id: str, last_seq: int) -> None:
        # Read after subscribing: an event stored meanwhile is both here and in the
        # subscription, and _forward drops the live copy by its seq.
        missed = await self._c.event_replay.missed_by(agent_id, last_seq, MAX_REPLAY + 1)
        if len(missed) > MAX_REPLAY:
            self._too_far_behind = True
            return
        # Session events are this socket's business only while live (see _forward); an old
        # session's start or end replayed would read as news about this one.
        self._replay = [e for e in missed if not e.kind.startswith("session.")]

    async def _logout(self, frame: f.Logout) -> dict[str, Any]:
        session = self._require_session()
        self._ending_here = True
        try:
            await self._c.sessions.logout(session)
        except BaseException:
            self._ending_here = False
            raise
        return {}

    def _require_session(self) -> Session:
        if self._session is None:
            raise Refused("not_authenticated", "log in first")
        if not self._c.sessions.is_live(self._session):
            # Ended elsewhere (force login, supervisor, idle): session.ended is on its way,
            # and until the socket closes it must not act for the agent's new session.
            raise INVALID_SESSION
        return self._session

    # -- agent commands --------------------------------------------------------------------

    async def _handle(self, frame: Any) -> dict[str, Any]:
        make = PLAIN_COMMANDS.get(type(frame))
        if make is None:
            return await self._HANDLERS[type(frame)](self, frame)
        session = self._require_session()
        await self._c.runtime.command(make(session.agent_id, frame))
        return {}

    async def _select_extension(self, frame: f.SelectExtension) -> dict[str, Any]:
        session = self._require_session()
        known = await self._c.desk.extension_for(frame.name, frame.phone)
        if known is None:
            named = " with phone ".join(f"'{part}'" for part in (frame.name, frame.phone) if part)
            raise Refused("unknown_extension", f"extension {named} is not provisioned")
        await self._c.runtime.command(cmd.SelectExtension(session.agent_id, known))
        return {}

    async def _list_dispositions(self, frame: f.ListDispositions) -> dict[str, Any]:
        session = self._require_session()
        return {"dispositionCodes": plan_view(self._c.desk, session.agent_id, frame.campaignId)}

    async def _acknowledge_screen_pop(self, frame: f.AcknowledgeScreenPop) -> dict[str, Any]:
        session = self._require_session()
        await self._c.desk.acknowledge_screen_pop(
            session.agent_id, frame.screenPopId, frame.recordId
        )
        return {}

    async def _record_for_call(self, frame: f.RecordForCall) -> dict[str, Any]:
        session = self._require_session()
        await self._c.desk.record_for_call(session.agent_id, frame.callRef, frame.recordId)
        return {}

    async def _phone_credentials(self, frame: f.PhoneCredentials) -> dict[str, Any]:
        return {"phone": self._c.browser_phones.credentials(self._require_session().agent_id)}

    async def _phone_room(self, frame: f.PhoneRoom) -> dict[str, Any]:
        return {"room": await self._c.browser_phones.room(self._require_session().agent_id)}

    async def _phone_problem(self, frame: f.PhoneProblem) -> dict[str, Any]:
        self._c.browser_phones.problem(self._require_session().agent_id, frame.code, frame.detail)
        return {}

    async def _snapshot(self, frame: f.Snapshot) -> dict[str, Any]:
        session = self._require_session()
        return {"snapshot": await self._c.desk.snapshot(session.agent_id)}

    async def _dial(self, frame: f.Dial) -> dict[str, Any]:
        session = self._require_session()
        crm_params: dict[str, Any] = dict(frame.additionalParams or {})
        if frame.customerId is not None:
            crm_params["customerId"] = frame.customerId
        call_id = new_id("call")
        await self._c.runtime.command(
            cmd.Dial(
                agent_id=session.agent_id,
                phone=normalize_phone(frame.phone),
                call_id=call_id,
                call_type=CallType(frame.callType),
                campaign_id=frame.campaignId,
                crm_params=tuple(crm_params.items()),
            )
        )
        return {"callId": call_id}

    async def _dispose(self, frame: f.Dispose) -> dict[str, Any]:
        session = self._require_session()
        request = None
        if frame.callback is not None:
            wanted = frame.callback
            request = cmd.CallbackRequest(
                at=wanted.at.timestamp(),
                self_callback=wanted.selfCallback,
                phone=normalize_phone(wanted.phone) if wanted.phone else None,
                params=tuple((wanted.params or {}).items()),
            )
        outcome = await self._c.runtime.command(
            cmd.Dispose(session.agent_id, frame.code, frame.note, frame.callRef, request)
        )
        scheduled = [e for e in outcome.events if isinstance(e, CallbackScheduled)]
        return {"callbackId": scheduled[0].callback_id} if scheduled else {}

    async def _dispose_and_dial(self, frame: f.DisposeAndDial) -> dict[str, Any]:
        session = self._require_session()
        call_id = new_id("call")
        dial = cmd.Dial(session.agent_id, normalize_phone(frame.phone), call_id, CallType.MANUAL)
        await self._c.runtime.command(cmd.DisposeAndDial(session.agent_id, frame.code, dial))
        return {"callId": call_id}

    async def _dial_lead(self, frame: f.DialLead) -> dict[str, Any]:
        session = self._require_session()
        call_id = new_id("call")
        await self._c.runtime.command(cmd.DialLead(session.agent_id, call_id))
        return {"callId": call_id}

    async def _transfer(self, frame: f.Transfer) -> dict[str, Any]:
        session = self._require_session()
        kind = TransferKind(frame.kind)
        target = frame.target
        if kind in (TransferKind.PHONE, TransferKind.INCALL):
            target = normalize_phone(target)
        outcome = await self._c.runtime.command(cmd.Transfer(session.agent_id, kind, target))
        [asked] = [e for e in outcome.events if isinstance(e, ev.TransferRequested)]
        return {
            "transferId": asked.transfer_id,
            "legId": asked.leg_id,
            "newCallId": asked.new_call_id,
        }

    async def _conference(self, frame: f.Conference) -> dict[str, Any]:
        session = self._require_session()
        kind = ConferenceKind(frame.kind)
        target = frame.target
        if kind in (ConferenceKind.PHONE, ConferenceKind.TPV):
            target = normalize_phone(target)
        outcome = await self._c.runtime.command(cmd.Conference(session.agent_id, kind, target))
        [asked] = [e for e in outcome.events if isinstance(e, ev.ConferenceRequested)]
        return {"legId": asked.leg_id}

    async def _ping(self, frame: f.Ping) -> dict[str, Any]:
        return {}

    # -- events ----------------------------------------------------------------------------

    async def _forward(self, subscription: Subscription) -> None:
        assert self._session is not None
        replay, self._replay = self._replay, []
        try:
            for missed in replay:
                await self._send(missed.frame())
                self._sent = missed.seq
            while True:
                if self._view_due is not None and not subscription.waiting():
                    await self._send_view(self._view_due)
                envelope = await subscription.get()
                if envelope.seq <= self._sent:
                    continue
                # What this node reads of the floor holds the event first: after a reload
                # from storage, which may find events this socket was never handed.
                await self._c.runtime.holds(envelope.seq)
                if self._c.unseen_events.found > self._unseen_seen:
                    if await self._send_unseen():
                        return
                    if envelope.seq <= self._sent:
                        continue  # sent from storage just now
                if await self._deliver(envelope):
                    return
        except Exception:  # the subscription closed (too slow) or the socket went away
            await self._close(1013, "fell behind; reconnect and resume")

    async def _send_unseen(self) -> bool:
        """Send, from storage, the agent's events this node may have missed and this socket has
        not sent; True once the socket is done (its session ended, or too much was missed)."""
        assert self._session is not None
        seen = self._c.unseen_events.found
        found = self._c.unseen_events.since(self._unseen_seen)
        self._unseen_seen = seen
        if found is None:
            return False
        after, up_to = found
        missed = await self._c.event_replay.missed_by(
            self._session.agent_id, max(after, self._sent), MAX_REPLAY + 1
        )
        if len(missed) > MAX_REPLAY:
            raise SubscriptionClosed("too many unseen events: the toolbar resumes instead")
        for envelope in missed:
            if envelope.seq > up_to:
                break
            if await self._deliver(envelope):
                return True
        return False

    async def _deliver(self, envelope: Envelope) -> bool:
        """Send one event (its view is due); True once the socket is done (its session
        ended)."""
        assert self._session is not None
        if envelope.kind == "session.started":
            return False
        if envelope.kind == "session.ended":
            if envelope.data.get("sessionId") != self._session.session_id:
                return False
            await self._send(envelope.frame())
            if not self._ending_here:
                await self._close(CLOSE_SESSION_ENDED, str(envelope.data.get("reason"))[:100])
            return True
        await self._send(envelope.frame())
        self._c.sent(envelope)
        self._sent = envelope.seq
        self._view_due = envelope.seq
        return False

    async def _send_view(self, seq: int) -> None:
        """The agent's view after the event `seq`, if it changed (a logged-out agent has none)."""
        assert self._session is not None
        self._view_due = None
        view = await self._c.desk.view_after(self._session.agent_id, seq)
        if view is not None and view != self._view:
            self._view = view
            await self._send({"view": view, "seq": seq})

    async def _stop_forwarding(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        if self._forwarder is not None and self._forwarder is not asyncio.current_task():
            self._forwarder.cancel()
            await asyncio.gather(self._forwarder, return_exceptions=True)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            if self._ws.application_state is WebSocketState.CONNECTED:
                # A client that left while its command ran is no error: the reader ends it.
                with contextlib.suppress(WebSocketDisconnect):
                    await self._ws.send_json(message)

    async def _close(self, code: int, reason: str) -> None:
        """Close once, after any frame being sent (a second close would be an error)."""
        async with self._send_lock:
            if self._ws.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                    await self._ws.close(code=code, reason=reason[:120])

    # One table for the class, not a dict of bound methods per socket: with thousands of sockets
    # open, a per-socket table cost ~3 KiB each (bench/run --memory).
    _HANDLERS: ClassVar[dict[type[Any], Callable[[ToolbarSocket, Any], Awaitable[dict[str, Any]]]]]
    _HANDLERS = {
        f.Login: _login,
        f.Resume: _resume,
        f.Logout: _logout,
        f.SelectExtension: _select_extension,
        f.Dispose: _dispose,
        f.ListDispositions: _list_dispositions,
        f.AcknowledgeScreenPop: _acknowledge_screen_pop,
        f.RecordForCall: _record_for_call,
        f.Snapshot: _snapshot,
        f.PhoneCredentials: _phone_credentials,
        f.PhoneRoom: _phone_room,
        f.PhoneProblem: _phone_problem,
        f.Dial: _dial,
        f.DisposeAndDial: _dispose_and_dial,
        f.DialLead: _dial_lead,
        f.Transfer: _transfer,
        f.Conference: _conference,
        f.Ping: _ping,
    }
