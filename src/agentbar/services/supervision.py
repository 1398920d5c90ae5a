"""Supervision: the floor as a supervisor sees it, and its changes, coalesced.

Rules kept here: the view is read from the live floor (the runtime's Center), never written;
each stored event costs O(1) — it only marks the agent and call it names as changed — and at
most one frame of changes is made every `interval` seconds, holding only what changed since
the last one, so a busy floor of thousands of agents sends a few small frames a second rather
than a snapshot per event. A feed that is not read in time merges its pending changes (later
rows replace earlier ones), so a slow supervisor costs memory bounded by the floor's size.

A call's time in its state is tracked here from the events (the domain keeps times for some
states only); an agent's is the domain's own `state_since`.

Each predictive campaign's dialer (docs/dialer.md) is a row too: its pacer's mode and reason,
dial level and abandon figures, read from the campaign's `CampaignDialer` and compared, like the
queues, at each frame: they change with the campaign's dials, answers and abandons, and with
the pacer's decisions, which follow events of the campaign.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from agentbar.domain.center import Center
from agentbar.domain.model.agent import AgentState
from agentbar.domain.model.call import Call, CallState
from agentbar.domain.model.campaign import DialMode
from agentbar.ports import Cancellable, Clock, Envelope

DEFAULT_INTERVAL = 0.25
"""Seconds between two frames of changes at most: four a second while the floor is busy."""

NOT_DIALLED = "not dialled yet"
NO_ABANDON_MESSAGE = "telephony cannot play the abandon message: no call is placed ahead"


@dataclass(frozen=True)
class AgentRow:
    agentId: str
    name: str
    state: str
    reason: str | None
    """The break reason while on break."""
    since: float
    campaign: str | None
    callId: str | None


@dataclass(frozen=True)
class QueueRow:
    campaignId: str
    name: str
    kind: str
    waiting: int
    oldestSince: float | None
    """When the call waiting longest started waiting; None with no call waiting."""
    ready: int
    """Agents ready and idle in the campaign."""


@dataclass(frozen=True)
class CallRow:
    callId: str
    agentId: str | None
    agentName: str | None
    phone: str
    campaignId: str
    campaign: str
    callType: str
    state: str
    since: float


@dataclass(frozen=True)
class DialerRow:
    """A predictive campaign's dialer: how it dials now and why, and its abandon figures."""

    campaignId: str
    name: str
    mode: str | None
    """`predictive`, or `progressive` (while it measures the campaign, or when the abandon
    window is at risk); None until the campaign's pacer first decides."""
    reason: str
    dialLevel: float | None
    callsInFlight: int
    """Calls dialled and not yet answered, or answered and waiting for an agent: now, not at
    the pacer's last decision (which stands still once the leads run out)."""
    abandonRate: float | None
    """Abandoned over live-answered calls in the window, a share (0.012 is 1.2%; 0 with none
    answered); None until the campaign's pacer first decides."""
    liveAnswered: int
    abandoned: int
    limit: float
    """The campaign's abandon limit, a share (0.03 is 3%)."""
    window: str
    """What the rate is measured over: `30d` or `24h`."""


@dataclass
class Changes:
    """What changed: rows to show (replacing any with the same id) and ids to remove."""

    agents: dict[str, AgentRow | None]
    calls: dict[str, CallRow | None]
    queues: dict[str, QueueRow]
    dialers: dict[str, DialerRow | None]

    def merge(self, later: Changes) -> None:
        self.agents.update(later.agents)
        self.calls.update(later.calls)
        self.queues.update(later.queues)
        self.dialers.update(later.dialers)

    def frame(self, at: float) -> dict[str, Any]:
        return {
            "type": "changes",
            "at": at,
            "agents": [asdict(r) for r in self.agents.values() if r is not None],
            "agentsGone": [i for i, r in self.agents.items() if r is None],
            "calls": [asdict(r) for r in self.calls.values() if r is not None],
            "callsGone": [i for i, r in self.calls.items() if r is None],
            "queues": [asdict(r) for r in self.queues.values()],
            "dialers": [asdict(r) for r in self.dialers.values() if r is not None],
            "dialersGone": [i for i, r in self.dialers.items() if r is None],
        }


class Feed:
    """One supervisor's stream of changes after its snapshot."""

    def __init__(self, supervision: Supervision) -> None:
        self._supervision = supervision
        self._pending: Changes | None = None
        self._ready = asyncio.Event()
        self._restart = False
        self.closed = False

    def offer(self, changes: Changes) -> None:
        if self._pending is None:
            self._pending = Changes(
                dict(changes.agents),
                dict(changes.calls),
                dict(changes.queues),
                dict(changes.dialers),
            )
        else:
            self._pending.merge(changes)
        self._ready.set()

    def take(self) -> Changes | None:
        """The changes not yet taken, if any, without waiting."""
        self._ready.clear()
        pending, self._pending = self._pending, None
        return pending

    def restart(self) -> None:
        """The floor was reloaded from storage, so changes it never saw as events may be
        missing here: the next frame is a whole snapshot instead."""
        self._restart = True
        self._pending = None
        self._ready.set()

    async def next_frame(self, now: float) -> dict[str, Any]:
        """The next frame to send, once there is one: the changes not yet taken, or a
        snapshot after a restart."""
        while True:
            await self._ready.wait()
            if self._restart:
                self._restart = False
                self._ready.clear()
                return self._supervision.snapshot()
            pending = self.take()
            if pending is not None:
                return pending.frame(now)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._supervision.forget(self)


class Supervision:
    def __init__(self, center: Center, clock: Clock, interval: float = DEFAULT_INTERVAL) -> None:
        self._center = center
        self._clock = clock
        self._interval = interval
        self._feeds: set[Feed] = set()
        self._changed_agents: set[str] = set()
        self._changed_calls: set[str] = set()
        self._call_since: dict[str, tuple[CallState, float]] = {}
        self._queues: dict[str, QueueRow] = {}
        """Each queue as the feeds were last told it."""
        self._dialers: dict[str, DialerRow] = {}
        """Each predictive campaign's dialer as the feeds were last told it."""
        self._flush: Cancellable | None = None

    # -- reading -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole floor now: every logged-in agent, every campaign's queue, every call in
        progress, every predictive campaign's dialer. Walks the floor: for a supervisor's
        (re)connection, never per event."""
        center = self._center
        return {
            "type": "snapshot",
            "at": self._clock.now(),
            "agents": [asdict(self._agent_row(a)) for a in center.agents],
            "queues": [asdict(self._queue_row(c)) for c in center.campaigns],
            "calls": [asdict(self._call_row(c)) for c in center.calls.values() if _in_progress(c)],
            "dialers": [asdict(r) for r in self._dialer_rows().values()],
        }

    def subscribe(self) -> tuple[dict[str, Any], Feed]:
        """A snapshot and the feed of changes after it (nothing falls between the two: both
        are taken without yielding to the event loop)."""
        if not self._feeds:
            # The queues every watching feed knows are those of this snapshot. (With feeds
            # already watching, the next frame may repeat a queue row this one knows: harmless.)
            self._queues = {c: self._queue_row(c) for c in self._center.campaigns}
            self._dialers = self._dialer_rows()
        feed = Feed(self)
        self._feeds.add(feed)
        return self.snapshot(), feed

    def forget(self, feed: Feed) -> None:
        self._feeds.discard(feed)

    def reloaded(self) -> None:
        """The floor read here was (re)loaded from storage — a door's copy reloaded, or the
        floor taken over — and may hold changes no event told: every watching supervisor gets
        a whole snapshot."""
        self._queues = {c: self._queue_row(c) for c in self._center.campaigns}
        self._dialers = self._dialer_rows()
        for feed in self._feeds:
            feed.restart()

    @property
    def feeds(self) -> int:
        return len(self._feeds)

    # -- following the runtime ------------------------------------------------------------

    def see(self, envelope: Envelope) -> None:
        """A runtime watcher: note what the event names; a frame follows within `interval`.

        Watchers run right after the command that made the event, so the floor read here is
        the one the event's time `at` describes: a call's new state began then. With no
        supervisor watching, only those times are kept (a later snapshot needs them).
        """
        watched = bool(self._feeds)
        if watched and envelope.agent_id is not None:
            self._changed_agents.add(envelope.agent_id)
        for call_id in (envelope.call_id, envelope.data.get("newCallId")):
            if not isinstance(call_id, str):
                continue
            if watched:
                self._changed_calls.add(call_id)
            call = self._center.calls.get(call_id)
            if call is None:
                self._call_since.pop(call_id, None)
            elif self._call_since.get(call_id, (None,))[0] is not call.state:
                self._call_since[call_id] = (call.state, envelope.at)
        if watched and self._flush is None:
            self._flush = self._clock.call_later(self._interval, self.flush)

    def flush(self) -> None:
        """Make one frame of what changed and offer it to every feed."""
        self._flush = None
        center = self._center
        changes = Changes({}, {}, {}, {})
        for agent_id in self._changed_agents:
            agent = center.agents.get(agent_id)
            changes.agents[agent_id] = self._agent_row(agent_id) if agent is not None else None
        for call_id in self._changed_calls:
            call = center.calls.get(call_id)
            changes.calls[call_id] = (
                self._call_row(call) if call is not None and _in_progress(call) else None
            )
        # Campaigns are few (tens): comparing every queue is cheaper than tracking which
        # events touch which queue, and it notices a campaign that was just provisioned.
        for campaign_id in center.campaigns:
            row = self._queue_row(campaign_id)
            if self._queues.get(campaign_id) != row:
                self._queues[campaign_id] = row
                changes.queues[campaign_id] = row
        # Dialers the same way: a pacer's decision changes its row on events of the campaign
        # that name no dialer (an agent ready, a call wrapped up).
        dialers = self._dialer_rows()
        for campaign_id, dialer in dialers.items():
            if self._dialers.get(campaign_id) != dialer:
                changes.dialers[campaign_id] = dialer
        for campaign_id in self._dialers.keys() - dialers.keys():
            changes.dialers[campaign_id] = None  # no longer predictive, or gone
        self._dialers = dialers
        self._changed_agents.clear()
        self._changed_calls.clear()
        if changes.agents or changes.calls or changes.queues or changes.dialers:
            for feed in self._feeds:
                feed.offer(changes)

    # -- rows --------------------------------------------------------------------------------

    def _agent_row(self, agent_id: str) -> AgentRow:
        agent = self._center.agents[agent_id]
        campaign = self._center.campaigns.get(agent.campaign_id or "")
        return AgentRow(
            agentId=agent_id,
            name=agent.profile.name,
            state=agent.state.value,
            reason=agent.break_reason if agent.state is AgentState.BREAK else None,
            since=agent.state_since,
            campaign=campaign.name if campaign is not None else None,
            callId=agent.call_id,
        )

    def _queue_row(self, campaign_id: str) -> QueueRow:
        center = self._center
        campaign = center.campaigns[campaign_id]
        waiting = center.waiting[campaign_id]
        first = waiting.peek()
        first_call = center.calls.get(first) if first is not None else None
        return QueueRow(
            campaignId=campaign_id,
            name=campaign.name,
            kind=campaign.kind.value,
            waiting=len(waiting),
            oldestSince=first_call.queued_at if first_call is not None else None,
            ready=len(center.idle[campaign_id]),
        )

    def _dialer_rows(self) -> dict[str, DialerRow]:
        """Every predictive campaign's dialer row, by campaign id."""
        center = self._center
        predictive = [c for c in center.campaigns.values() if c.dial_mode is DialMode.PREDICTIVE]
        if not predictive:
            return {}
        # One walk over the calls for all campaigns, counted as the pacer counts them.
        in_flight = dict.fromkeys((c.campaign_id for c in predictive), 0)
        for call in center.calls.values():
            if call.campaign_id in in_flight and call.in_flight():
                in_flight[call.campaign_id] += 1
        now = self._clock.now()
        rows: dict[str, DialerRow] = {}
        for campaign in predictive:
            campaign_id = campaign.campaign_id
            dialer = center.dialers.get(campaign_id)
            if dialer is None or not center.plays_messages:
                # Without a way to play the abandon message the floor dials such a campaign
                # progressively, with no pacer and no figures of its own.
                rows[campaign_id] = DialerRow(
                    campaignId=campaign_id,
                    name=campaign.name,
                    mode=None if center.plays_messages else "progressive",
                    reason=NOT_DIALLED if center.plays_messages else NO_ABANDON_MESSAGE,
                    dialLevel=None,
                    callsInFlight=in_flight[campaign_id],
                    abandonRate=None,
                    liveAnswered=0,
                    abandoned=0,
                    limit=campaign.abandon_limit,
                    window=campaign.abandon_window,
                )
                continue
            view = dialer.view(campaign.abandon_limit, now)
            rows[campaign_id] = DialerRow(
                campaignId=campaign_id,
                name=campaign.name,
                mode=view.mode,
                reason=view.reason,
                dialLevel=view.dial_level,
                callsInFlight=in_flight[campaign_id],
                abandonRate=view.abandon_rate,
                liveAnswered=view.live_answered,
                abandoned=view.abandoned,
                limit=view.limit,
                window=view.window,
            )
        return rows

    def _call_row(self, call: Call) -> CallRow:
        center = self._center
        agent = center.agents.get(call.agent_id or "")
        campaign = center.campaigns.get(call.campaign_id)
        state, since = self._call_since.get(call.call_id, (None, 0.0))
        if state is not call.state:
            since = _since_from_call(call)
        return CallRow(
            callId=call.call_id,
            agentId=call.agent_id,
            agentName=agent.profile.name if agent is not None else None,
            phone=call.phone,
            campaignId=call.campaign_id,
            campaign=campaign.name if campaign is not None else call.campaign_id,
            callType=call.call_type.value,
            state=call.state.value,
            since=since,
        )


def _in_progress(call: Call) -> bool:
    """A call someone is handling: ringing an agent, dialling, talking, wrapping up. A call
    waiting in its queue is counted there instead."""
    return call.state not in (CallState.QUEUED, CallState.DISPOSED, CallState.ABANDONED)


def _since_from_call(call: Call) -> float:
    """The start of the call's state from its own times, for a call this view has not seen
    change (one already live when the view started)."""
    by_state = {
        CallState.OFFERED: call.offered_at,
        CallState.CONNECTED: call.answered_at,
        CallState.WRAP_UP: call.ended_at,
    }
    return by_state.get(call.state) or call.queued_at
