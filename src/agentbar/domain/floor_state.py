"""What the floor holds — agents, calls, queues, idle heaps, callbacks, leads and the
configuration — and the reading of it.

Nothing here decides or reports: the moves that change states and emit events are `Floor`'s
(floor.py). Nothing reads a clock or does I/O; time is always an argument.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from agentbar.domain.dialer.abandon_window import WindowLength
from agentbar.domain.dialer.campaign_dialer import CampaignDialer
from agentbar.domain.model.agent import Agent, AgentState, BreakReason
from agentbar.domain.model.call import FINAL_STATES, Call, CallState
from agentbar.domain.model.callback_book import CallbackBook
from agentbar.domain.model.campaign import Campaign, Routing
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import (
    IllegalTransition,
    UnknownAgent,
    UnknownCall,
    UnknownCampaign,
)
from agentbar.domain.model.instructions import CancelTimer, Instruction, StartTimer
from agentbar.domain.model.lead_book import Lead, LeadBook
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState
from agentbar.domain.model.routing import IdleAgents, WaitingCalls

IdSource = Callable[[str], str]
"""Makes a fresh identifier for the given kind ('crt', 'pop', ...)."""


class FloorState:
    def __init__(self, new_id: IdSource) -> None:
        self.new_id = new_id
        self.campaigns: dict[str, Campaign] = {}
        self.campaigns_by_name: dict[str, Campaign] = {}
        self.break_reason_names: dict[str, str] = {}
        """Each configured break reason by its case-folded name, as spelled in configuration."""
        self._break_reasons: tuple[BreakReason, ...] = ()
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.idle: dict[str, IdleAgents] = {}
        self.auto_idle: dict[str, IdleAgents] = {}
        """The idle agents with auto-call on, per campaign: who a progressive dialer serves."""
        self.waiting: dict[str, WaitingCalls] = {}
        self.handed_off: dict[str, Call] = {}
        """Disposed calls whose customer is still on the line with someone else (a blind
        transfer's phone, an IVR): kept only so the end of their legs can be recorded."""
        self.ivr_names: dict[str, str] = {}
        self.do_not_call: frozenset[str] = frozenset()
        """Numbers (E.164) never dialled, in any mode: configuration, kept by `forget_floor`."""
        self.callbacks = CallbackBook()
        self.leads = LeadBook()
        self.dialers: dict[str, CampaignDialer] = {}
        """Each predictive campaign's figures, abandon window and pacer (made when it first
        dials)."""
        self.plays_messages = True
        """Whether telephony can play a recorded message: predictive dialing needs it for the
        abandon message, and without it predictive campaigns dial progressively."""
        self.offer_numbers = itertools.count(1)
        """Numbers every offer in order (round-robin routing ranks agents by their last)."""
        self._changed_agents: set[str] = set()
        self._changed_calls: set[str] = set()
        self._stored_queues: dict[str, int] = {}
        """The version of each campaign queue last reported for storage."""

    def configure(
        self,
        campaigns: Iterable[Campaign],
        break_reasons: Iterable[BreakReason],
        ivrs: Iterable[str] = (),
    ) -> None:
        """Load (or reload) the provisioned campaigns, break reasons (in display order) and
        IVRs."""
        for campaign in campaigns:
            self.campaigns[campaign.campaign_id] = campaign
            self.campaigns_by_name[campaign.name.casefold()] = campaign
            self.idle.setdefault(campaign.campaign_id, IdleAgents())
            self.auto_idle.setdefault(campaign.campaign_id, IdleAgents())
            self.waiting.setdefault(campaign.campaign_id, WaitingCalls())
        self._break_reasons = tuple(break_reasons)
        self.break_reason_names = {r.name.casefold(): r.name for r in self._break_reasons}
        self.ivr_names = {name.casefold(): name for name in ivrs}

    def dialer(self, campaign_id: str) -> CampaignDialer:
        """The campaign's dialer; a campaign whose window changed length starts a new window
        (its figures and level go on)."""
        length = WindowLength.parse(self.campaigns[campaign_id].abandon_window)
        dialer = self.dialers.get(campaign_id)
        if dialer is None:
            dialer = self.dialers[campaign_id] = CampaignDialer(length)
        elif dialer.window.length != length:
            dialer.renew_window(length)
        return dialer

    def forbid_numbers(self, numbers: Iterable[str]) -> None:
        """Load (or reload) the do-not-call list: numbers in E.164, as stored."""
        self.do_not_call = frozenset(numbers)

    # -- reading ------------------------------------------------------------------------

    @property
    def break_reasons(self) -> tuple[BreakReason, ...]:
        return self._break_reasons

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"agent '{agent_id}' is not logged in") from None

    def find_agent(self, agent_id: str) -> Agent | None:
        return self.agents.get(agent_id)

    def call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise UnknownCall(f"no call '{call_id}'") from None

    def campaign(self, campaign_id: str) -> Campaign:
        try:
            return self.campaigns[campaign_id]
        except KeyError:
            raise UnknownCampaign(f"no campaign with id '{campaign_id}'") from None

    def campaign_named(self, name: str) -> Campaign | None:
        return self.campaigns_by_name.get(name.strip().casefold())

    def any_call(self, call_id: str) -> Call | None:
        """A live call, or a disposed one whose customer is still out on the network."""
        return self.calls.get(call_id) or self.handed_off.get(call_id)

    def waiting_count(self, campaign_id: str) -> int:
        return len(self.waiting[campaign_id])

    def agent_of(self, call: Call) -> Agent:
        if call.agent_id is None or call.agent_id not in self.agents:
            raise IllegalTransition(f"call '{call.call_id}' has no agent")
        return self.agents[call.agent_id]

    # -- keeping it stored -----------------------------------------------------------------

    def admit(self, agent: Agent) -> None:
        """A logged-in agent joins the floor; its changes are stored from now on."""
        self.agents[agent.agent_id] = agent
        agent.report_changes_to(self._changed_agents)

    def take_changes(
        self, touched: Iterable[str], instructions: Iterable[Instruction], now: float
    ) -> FloorChanges:
        """What the last move changed of the stored floor: every agent and call it changed (or
        `touched`), as it now stands or gone, and every timer it started or cancelled."""
        changes = FloorChanges()
        for agent_id in self._changed_agents:
            agent = self.agents.get(agent_id)
            if agent is None:
                changes.agents_gone.append(agent_id)
            else:
                changes.agents.append(agent)
        for call_id in self._changed_calls.union(touched):
            call = self.any_call(call_id)
            if call is None:
                changes.calls_gone.append(call_id)
            else:
                call.report_changes_to(self._changed_calls)
                changes.calls.append(call)
        self._changed_agents.clear()
        self._changed_calls.clear()
        for campaign_id, queue in self.waiting.items():
            if self._stored_queues.get(campaign_id, 0) != queue.version:
                self._stored_queues[campaign_id] = queue.version
                changes.queues[campaign_id] = list(queue)
        for campaign_id, dialer in self.dialers.items():
            if dialer.unstored:
                dialer.unstored = False
                changes.dialers[campaign_id] = dialer.to_dict()
        for instruction in instructions:
            if isinstance(instruction, StartTimer):
                changes.timers[instruction.key] = now + instruction.delay
            elif isinstance(instruction, CancelTimer):
                changes.timers[instruction.key] = None
        return changes

    def restore(
        self,
        agents: Iterable[Agent],
        calls: Iterable[Call],
        queues: Mapping[str, list[str]],
        dialers: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Take back the floor as it was stored: its agents, live calls, queue orders and
        predictive dialers. The idle heaps follow from the agents: ready ones ranked as
        routing ranks them. Call after `configure`."""
        for campaign_id, stored in (dialers or {}).items():
            self.dialers[campaign_id] = CampaignDialer.from_dict(stored)
        restored = list(agents)
        for agent in restored:
            self.admit(agent)
        queued: list[Call] = []
        for call in sorted(calls, key=lambda c: (c.queued_at, c.call_id)):
            if call.state in FINAL_STATES:
                self.handed_off[call.call_id] = call
            else:
                self.calls[call.call_id] = call
            call.report_changes_to(self._changed_calls)
            if call.state is CallState.QUEUED:
                queued.append(call)
        for campaign_id, call_ids in queues.items():
            queue = self.waiting.setdefault(campaign_id, WaitingCalls())
            for call_id in call_ids:
                waiting = self.calls.get(call_id)
                if waiting is not None and waiting.state is CallState.QUEUED:
                    queue.push(call_id)
        for call in queued:  # in no stored queue (none should be): last, by arrival
            queue = self.waiting.setdefault(call.campaign_id, WaitingCalls())
            if call.call_id not in queue:
                queue.push(call.call_id)
        for campaign_id, queue in self.waiting.items():
            self._stored_queues[campaign_id] = queue.version
        for agent in restored:
            free = agent.state is AgentState.READY and agent.lead_id is None
            if free and agent.campaign_id in self.campaigns:
                self.add_idle(agent)
        last_offer = max((agent.last_offer for agent in restored), default=0)
        self.offer_numbers = itertools.count(last_offer + 1)
        self._changed_agents.clear()
        self._changed_calls.clear()

    def forget_floor(self) -> None:
        """Drop every agent, call, queue, lead and callback (the configuration stays): a node
        that followed another's floor takes it over from storage, not from what it followed."""
        self.agents.clear()
        self.calls.clear()
        self.handed_off.clear()
        for campaign_id in self.campaigns:
            self.idle[campaign_id] = IdleAgents()
            self.auto_idle[campaign_id] = IdleAgents()
            self.waiting[campaign_id] = WaitingCalls()
        self.callbacks = CallbackBook()
        self.leads = LeadBook()
        self._changed_agents.clear()
        self._changed_calls.clear()
        self._stored_queues.clear()

    def follow(self, changes: FloorChanges, leads: Iterable[Lead] = ()) -> None:
        """Mirror one move another node's floor made, from what it stored: a node that serves
        sockets for the floor's owner reads the floor from this copy and never decides on it.
        Applying a move again, or an older one before newer ones, ends in the same floor."""
        for agent in changes.agents:
            previous = self.agents.get(agent.agent_id)
            if previous is not None:
                self.leave_idle(previous)
            self.agents[agent.agent_id] = agent
            free = agent.state is AgentState.READY and agent.lead_id is None
            if free and agent.campaign_id in self.campaigns:
                self.add_idle(agent)
        for agent_id in changes.agents_gone:
            gone = self.agents.pop(agent_id, None)
            if gone is not None:
                self.leave_idle(gone)
        for call in changes.calls:
            if call.state in FINAL_STATES:
                self.calls.pop(call.call_id, None)
                self.handed_off[call.call_id] = call
            else:
                self.handed_off.pop(call.call_id, None)
                self.calls[call.call_id] = call
        for call_id in changes.calls_gone:
            self.calls.pop(call_id, None)
            self.handed_off.pop(call_id, None)
        for campaign_id, call_ids in changes.queues.items():
            queue = WaitingCalls()
            for call_id in call_ids:
                queue.push(call_id)
            self.waiting[campaign_id] = queue
        for lead in leads:
            self.leads.follow(lead)
        for campaign_id, stored in changes.dialers.items():
            self.dialers[campaign_id] = CampaignDialer.from_dict(stored)

    # -- keeping it consistent --------------------------------------------------------------

    @staticmethod
    def open_leg(
        call: Call,
        leg_id: str,
        kind: LegKind,
        party: str,
        purpose: LegPurpose,
        now: float,
        state: LegState = LegState.RINGING,
    ) -> Leg:
        leg = Leg(leg_id, kind, party, purpose, started_at=now, state=state)
        if state is LegState.CONNECTED:
            leg.answered_at = now
        call.legs.append(leg)
        return leg

    @staticmethod
    def end_leg(call: Call, leg_id: str | None, now: float, reason: str) -> None:
        leg = call.leg(leg_id) if leg_id is not None else None
        if leg is not None and leg.live:
            leg.end(now, reason)

    def add_idle(self, agent: Agent) -> None:
        assert agent.campaign_id is not None
        campaign = self.campaigns[agent.campaign_id]
        rank = agent.idle_since if campaign.routing is Routing.LONGEST_IDLE else agent.last_offer
        self.idle[campaign.campaign_id].add(agent.agent_id, rank)
        if agent.auto_call:
            self.auto_idle[campaign.campaign_id].add(agent.agent_id, rank)

    def leave_idle(self, agent: Agent) -> None:
        if agent.campaign_id is not None:
            self.idle[agent.campaign_id].discard(agent.agent_id)
            self.auto_idle[agent.campaign_id].discard(agent.agent_id)
