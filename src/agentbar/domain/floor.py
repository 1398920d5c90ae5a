"""The floor: the contact center's live state and the moves every handler shares.

Handlers (presence, inbound, calls, wrapup) decide; the floor keeps agents, calls, queues and
idle heaps consistent. Nothing here reads a clock or does I/O; time is always an argument.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import PARTY_STATES, Agent, AgentInput, AgentState, BreakReason
from agentbar.domain.model.call import Call, CallInput
from agentbar.domain.model.callback_book import Callback, CallbackBook
from agentbar.domain.model.campaign import Campaign, DialMode, Routing
from agentbar.domain.model.errors import (
    IllegalTransition,
    UnknownAgent,
    UnknownCall,
    UnknownCampaign,
)
from agentbar.domain.model.instructions import CancelTimer, Instruction, OfferToAgent, StartTimer
from agentbar.domain.model.lead_book import Lead, LeadBook, LeadState
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState, live_legs
from agentbar.domain.model.routing import IdleAgents, WaitingCalls

IdSource = Callable[[str], str]
"""Makes a fresh identifier for the given kind ('crt', 'pop', ...)."""

StartCallback = Callable[["Floor", Callback, Agent, float, "Outcome"], bool]
"""Dials a due callback from a ready agent (callbacks.start, given by the Center)."""

StartProgressive = Callable[["Floor", Agent, str, float, "Outcome"], bool]
"""Dials the campaign's next lead for a ready auto-call agent (leads.start_progressive)."""


@dataclass
class Outcome:
    events: list[ev.Event] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    calls: dict[str, Call] = field(default_factory=dict)
    """Every call the change touched, as it now stands (finished calls included)."""
    callbacks: dict[str, Callback] = field(default_factory=dict)
    """Every callback the change touched, as it now stands."""
    leads: dict[str, Lead] = field(default_factory=dict)
    """Every lead the change touched, as it now stands."""


def party_leg(call: Call, agent_id: str) -> Leg:
    """The live conference leg of agent `agent_id` on `call` (it must have one)."""
    for leg in live_legs(call.legs):
        if leg.kind is LegKind.USER and leg.party == agent_id:
            return leg
    raise IllegalTransition(f"agent '{agent_id}' is not a party to call '{call.call_id}'")


def ring_timer(call_id: str, user_crt: str) -> str:
    """One timer per offer, so a stale timer of an earlier offer never cuts a later one short."""
    return f"ring:{call_id}/{user_crt}"


def wrap_up_timer(call_id: str) -> str:
    return f"wrapup:{call_id}"


class Floor:
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
        self.callbacks = CallbackBook()
        self.leads = LeadBook()
        self.start_callback: StartCallback | None = None
        self.start_progressive: StartProgressive | None = None
        self._offers = itertools.count(1)

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

    # -- shared moves ---------------------------------------------------------------------

    @staticmethod
    def touch(call: Call, out: Outcome) -> None:
        out.calls[call.call_id] = call

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

    def move(
        self, agent: Agent, given: AgentInput, now: float, out: Outcome, reason: str | None = None
    ) -> None:
        agent.state = agent_sm.next_state(agent.state, given)
        agent.state_since = now
        out.events.append(ev.AgentStateChanged(agent.agent_id, agent.state.value, reason))
        if agent.lead_id is not None and agent.state is not AgentState.READY:
            self.release_lead(agent, now, out, skipped=False)

    def release_lead(self, agent: Agent, now: float, out: Outcome, skipped: bool) -> None:
        """The lead shown to the agent is skipped, or goes back to the front of its list."""
        assert agent.lead_id is not None
        lead = self.leads.all[agent.lead_id]
        agent.lead_id = None
        if skipped:
            lead.state = LeadState.SKIPPED
            lead.agent_id = agent.agent_id
            self.leads.finish(lead)
        else:
            self.leads.put_back(lead)
        out.leads[lead.lead_id] = lead
        out.events.append(ev.LeadReleased(agent.agent_id, lead.lead_id, skipped))
        if not skipped:
            self.route(lead.campaign_id, now, out)  # someone else ready may take it

    def become_idle(self, agent: Agent, given: AgentInput, now: float, out: Outcome) -> None:
        """Move the agent on; one the table makes READY is idle from now and looks for work."""
        self.move(agent, given, now, out)
        if agent.state is AgentState.READY:
            agent.idle_since = now
            self.find_work(agent, now, out)

    def find_work(self, agent: Agent, now: float, out: Outcome) -> None:
        """A READY agent with nothing to do: a due callback of theirs or their campaign's
        first, else they wait in the campaign's idle heap (and take what waits there)."""
        callback = self.callbacks.next_for_agent(agent)
        if callback is not None and self._start_callback(callback, agent, now, out):
            return
        if agent.campaign_id is not None:
            self.add_idle(agent)
            self.route(agent.campaign_id, now, out)

    def _start_callback(self, callback: Callback, agent: Agent, now: float, out: Outcome) -> bool:
        return self.start_callback is not None and self.start_callback(
            self, callback, agent, now, out
        )

    def leg_gone(
        self,
        call: Call,
        leg: Leg,
        now: float,
        reason: str,
        out: Outcome,
        release_party: bool = True,
    ) -> None:
        """End a consult, conference or transfer leg: tell the call's agent while they are on
        it, and free an agent who was conferenced in (unless the caller moves that agent on
        itself, as a forced logout does)."""
        leg.end(now, reason)
        self.touch(call, out)
        if call.agent_id is not None and call.call_id in self.calls:
            out.events.append(
                ev.LegEnded(
                    call.call_id,
                    call.agent_id,
                    leg.leg_id,
                    leg.kind.value,
                    leg.party,
                    leg.purpose.value,
                    reason,
                )
            )
        party = self.agents.get(leg.party) if leg.kind is LegKind.USER else None
        if party is not None and party.call_id == call.call_id and party.state in PARTY_STATES:
            party.call_id = None
            if release_party:
                self.become_idle(party, AgentInput.LEAVE, now, out)

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

    def route(self, campaign_id: str, now: float, out: Outcome) -> None:
        """Pair due callbacks, then waiting calls, with idle agents of the campaign, oldest
        first."""
        waiting, idle = self.waiting[campaign_id], self.idle[campaign_id]
        while self.callbacks.has_due_for_campaign(campaign_id) and len(idle):
            agent = self.agents[idle.pop_longest_idle() or ""]
            self.auto_idle[campaign_id].discard(agent.agent_id)
            if not self._start_callback(self.callbacks.peek_campaign(campaign_id), agent, now, out):
                self.add_idle(agent)
                break
        dial_mode = self.campaigns[campaign_id].dial_mode
        if dial_mode is DialMode.PREVIEW:
            while self.leads.waiting(campaign_id) and len(idle):
                agent = self.agents[idle.pop_longest_idle() or ""]
                self.auto_idle[campaign_id].discard(agent.agent_id)
                self._present(agent, campaign_id, out)
        elif dial_mode is DialMode.PROGRESSIVE and self.start_progressive is not None:
            auto = self.auto_idle[campaign_id]
            while self.leads.waiting(campaign_id) and len(auto):
                agent = self.agents[auto.pop_longest_idle() or ""]
                idle.discard(agent.agent_id)
                if not self.start_progressive(self, agent, campaign_id, now, out):
                    self.add_idle(agent)
                    break
        ring_all = self.campaigns[campaign_id].routing is Routing.RING_ALL
        while len(waiting) and len(idle):
            call_id = waiting.pop_oldest()
            assert call_id is not None
            chosen: list[Agent] = []
            while len(idle) and (ring_all or not chosen):
                agent_id = idle.pop_longest_idle()
                assert agent_id is not None
                self.auto_idle[campaign_id].discard(agent_id)
                chosen.append(self.agents[agent_id])
            self.offer_to(self.calls[call_id], chosen, now, out)

    def _present(self, agent: Agent, campaign_id: str, out: Outcome) -> None:
        lead = self.leads.take_next(campaign_id)
        assert lead is not None
        lead.state = LeadState.PRESENTED
        lead.agent_id = agent.agent_id
        agent.lead_id = lead.lead_id
        out.leads[lead.lead_id] = lead
        out.events.append(
            ev.LeadPresented(
                agent.agent_id, lead.lead_id, campaign_id, lead.phone, lead.name, dict(lead.data)
            )
        )

    def offer(self, call: Call, agent: Agent, now: float, out: Outcome) -> None:
        self.offer_to(call, [agent], now, out)

    def offer_to(self, call: Call, agents: list[Agent], now: float, out: Outcome) -> None:
        """Ring the agents' phones for the call: one agent, or every one for ring-all (the
        first named stands for the offer until someone answers)."""
        call.state = call_sm.next_state(call.state, CallInput.OFFER)
        call.offered_at = now
        crts = [self.new_id("crt") for _ in agents]
        call.agent_id, call.user_crt = agents[0].agent_id, crts[0]
        call.offer_token = crts[0]
        call.ringing = (
            {a.agent_id: crt for a, crt in zip(agents, crts, strict=True)}
            if len(agents) > 1
            else {}
        )
        for agent, user_crt in zip(agents, crts, strict=True):
            assert agent.extension is not None
            self.open_leg(call, user_crt, LegKind.AGENT, agent.agent_id, LegPurpose.CALL, now)
            agent.call_id = call.call_id
            agent.last_offer = next(self._offers)
            self.move(agent, AgentInput.OFFER, now, out)
            out.events.append(ev.CallOffered(call.call_id, agent.agent_id, user_crt))
            out.instructions.append(OfferToAgent(call.call_id, user_crt, agent.extension.phone))
        self.touch(call, out)
        ring_timeout = self.campaigns[call.campaign_id].ring_timeout
        if ring_timeout is not None:
            assert call.offer_token is not None
            out.instructions.append(
                StartTimer(ring_timer(call.call_id, call.offer_token), ring_timeout)
            )

    @staticmethod
    def start_timer(key: str, delay: float | None, out: Outcome) -> None:
        if delay is not None:
            out.instructions.append(StartTimer(key, delay))

    @staticmethod
    def cancel_timer(key: str, out: Outcome) -> None:
        out.instructions.append(CancelTimer(key))
