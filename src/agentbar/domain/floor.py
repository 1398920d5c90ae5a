"""The floor's moves: every change that handlers share and that may lead to another.

Handlers decide; the floor's moves keep agents, calls, queues and idle heaps consistent
(what they hold and the reading of it are `FloorState`'s). They call one another: an agent
who becomes ready finds work, which may route a campaign, which may offer a call, present a
lead or dial a callback or a lead for them — and starting a dial moves the agent on. So all
of them, dialling included, live here. Nothing reads a clock or does I/O; time is always an
argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentbar.domain.dialer.calling_hours import calling_hours_of
from agentbar.domain.dialer.lead_choice import choose_lead
from agentbar.domain.floor_state import FloorState
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import PARTY_STATES, Agent, AgentInput, AgentState
from agentbar.domain.model.call import Call, CallInput, CallState, CallType
from agentbar.domain.model.call_events import screen_pop
from agentbar.domain.model.callback_book import Callback
from agentbar.domain.model.campaign import Campaign, DialMode, Routing
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import (
    CampaignNotAssigned,
    DomainError,
    DoNotCall,
    IllegalTransition,
    NotSetUp,
)
from agentbar.domain.model.instructions import (
    CancelTimer,
    DialCustomer,
    DialOut,
    Instruction,
    OfferToAgent,
    StartTimer,
)
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, live_legs


@dataclass
class Outcome:
    """What one command or signal changed, for the runtime to store, publish and carry out."""

    events: list[ev.Event] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    calls: dict[str, Call] = field(default_factory=dict)
    """Every call the change touched, as it now stands (finished calls included)."""
    callbacks: dict[str, Callback] = field(default_factory=dict)
    """Every callback the change touched, as it now stands."""
    leads: dict[str, Lead] = field(default_factory=dict)
    """Every lead the change touched, as it now stands."""
    floor: FloorChanges = field(default_factory=FloorChanges)
    """What the change did to the stored floor (filled in last, by the Center)."""


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


def no_answer_timer(call_id: str) -> str:
    """A predictive dial nobody answered is given up when this fires."""
    return f"noanswer:{call_id}"


def abandon_timer(call_id: str) -> str:
    """An answered predictive call no agent reached is abandoned when this fires (2 s)."""
    return f"abandon:{call_id}"


class Floor(FloorState):
    @staticmethod
    def touch(call: Call, out: Outcome) -> None:
        out.calls[call.call_id] = call

    # -- agents finding work --------------------------------------------------------------

    def move(
        self, agent: Agent, given: AgentInput, now: float, out: Outcome, reason: str | None = None
    ) -> None:
        """The agent takes `given` and is in whatever state the table names for it; a lead
        shown to an agent who is no longer ready goes back to its list."""
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
        if callback is not None and self.start_callback(callback, agent, now, out):
            return
        if agent.campaign_id is not None:
            self.add_idle(agent)
            self.route(agent.campaign_id, now, out)

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

    # -- routing --------------------------------------------------------------------------

    def route(self, campaign_id: str, now: float, out: Outcome) -> None:
        """Pair due callbacks, then waiting calls, with idle agents of the campaign, oldest
        first."""
        waiting, idle = self.waiting[campaign_id], self.idle[campaign_id]
        while self.callbacks.has_due_for_campaign(campaign_id) and len(idle):
            agent = self.agents[idle.pop_longest_idle() or ""]
            self.auto_idle[campaign_id].discard(agent.agent_id)
            if not self.start_callback(self.callbacks.peek_campaign(campaign_id), agent, now, out):
                self.add_idle(agent)
                break
        dial_mode = self.campaigns[campaign_id].dial_mode
        if dial_mode is DialMode.PREVIEW:
            while self.leads.waiting(campaign_id) and len(idle):
                agent = self.agents[idle.pop_longest_idle() or ""]
                self.auto_idle[campaign_id].discard(agent.agent_id)
                if not self._present(agent, campaign_id, now, out):
                    self.add_idle(agent)
                    break
        elif dial_mode is DialMode.PREDICTIVE and self.plays_messages:
            # Answered calls go to free auto-call agents first (any other call waiting here, a
            # transfer say, to any idle agent); then the pacer places calls ahead of them.
            # Ring-all does not apply: the 2-second rule wants one agent now.
            auto = self.auto_idle[campaign_id]
            for waiting_id in list(waiting):
                dialled = self.calls[waiting_id].awaits_first_agent()
                heap, other = (auto, idle) if dialled else (idle, auto)
                if not len(heap):
                    continue
                agent = self.agents[heap.pop_longest_idle() or ""]
                other.discard(agent.agent_id)
                waiting.discard(waiting_id)
                self.offer(self.calls[waiting_id], agent, now, out)
            self.pace(campaign_id, now, out)
            return
        elif dial_mode in (DialMode.PROGRESSIVE, DialMode.PREDICTIVE):
            # Without a way to play the abandon message (no media engine), a predictive
            # campaign dials progressively: one call per free agent, none ahead, none abandoned.
            auto = self.auto_idle[campaign_id]
            while self.leads.waiting(campaign_id) and len(auto):
                agent = self.agents[auto.pop_longest_idle() or ""]
                idle.discard(agent.agent_id)
                if not self.start_progressive(agent, campaign_id, now, out):
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

    def next_lead(self, campaign_id: str, now: float, out: Outcome) -> Lead | None:
        """The campaign's next lead to dial now (taken off its list), or None. A lead whose
        number is on the do-not-call list is never dealt out: it is blocked (and stored so) on
        the way. A lead outside its calling hours keeps its place; with none to dial now, the
        dialer looks again when the first of them opens (`hours:` timer)."""
        campaign = self.campaigns[campaign_id]
        choice = choose_lead(
            self.leads.waiting_leads(campaign_id),
            calling_hours_of(campaign.calling_hours),
            campaign.time_zone,
            self.do_not_call,
            now,
        )
        for lead in choice.blocked:
            self.leads.remove_waiting(lead)
            lead.state = LeadState.BLOCKED
            out.leads[lead.lead_id] = lead
        if choice.lead is not None:
            self.leads.take(choice.lead)
        elif choice.opens_at is not None:
            self.start_timer(f"hours:{campaign_id}", choice.opens_at - now, out)
        return choice.lead

    def pace(self, campaign_id: str, now: float, out: Outcome) -> None:
        """A predictive campaign places as many calls as its pacer decides (docs/dialer.md),
        while it has leads to dial now."""
        campaign = self.campaigns[campaign_id]
        predictive = campaign.dial_mode is DialMode.PREDICTIVE and self.plays_messages
        if not predictive or not self.leads.waiting(campaign_id):
            return
        talking = wrapping = 0
        for agent in self.agents.values():
            if agent.campaign_id == campaign_id and agent.auto_call:
                talking += agent.state is AgentState.ON_CALL
                wrapping += agent.state is AgentState.WRAP_UP
        in_flight = sum(
            1
            for call in self.calls.values()
            if call.campaign_id == campaign_id and call.in_flight()
        )
        free = len(self.auto_idle[campaign_id])
        dialer = self.dialer(campaign_id)
        decision = dialer.decide(free, talking, wrapping, in_flight, campaign.abandon_limit, now)
        for _ in range(decision.calls_to_place):
            lead = self.next_lead(campaign_id, now, out)
            if lead is None:
                break
            self.dial_customer(campaign, lead, now, out)

    def dial_customer(self, campaign: Campaign, lead: Lead, now: float, out: Outcome) -> None:
        """Ring the lead's number with no agent yet; given up unanswered after the campaign's
        minimum ring time (the driver reports busy, failed, a machine, or a person)."""
        call = Call(
            call_id=self.new_id("call"),
            call_type=CallType.PREDICTIVE,
            campaign_id=campaign.campaign_id,
            phone=lead.phone,
            customer_crt=self.new_id("crt"),
            queued_at=now,
            state=CallState.RINGING,
            crm_params=lead.crm_params(),
        )
        self.open_leg(call, call.customer_crt, LegKind.CUSTOMER, call.phone, LegPurpose.CALL, now)
        self.calls[call.call_id] = call
        self.touch(call, out)
        self.leads.dialled(lead, call.call_id)
        out.leads[lead.lead_id] = lead
        out.events.append(
            ev.CustomerDialled(call.call_id, campaign.campaign_id, call.phone, lead.lead_id)
        )
        out.instructions.append(DialCustomer(call.call_id, call.customer_crt, call.phone))
        self.start_timer(no_answer_timer(call.call_id), campaign.min_ring_seconds, out)

    def _present(self, agent: Agent, campaign_id: str, now: float, out: Outcome) -> bool:
        """Show the agent the campaign's next lead; False if none is left to show now."""
        lead = self.next_lead(campaign_id, now, out)
        if lead is None:
            return False
        lead.state = LeadState.PRESENTED
        lead.agent_id = agent.agent_id
        agent.lead_id = lead.lead_id
        out.leads[lead.lead_id] = lead
        out.events.append(
            ev.LeadPresented(
                agent.agent_id, lead.lead_id, campaign_id, lead.phone, lead.name, dict(lead.data)
            )
        )
        return True

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
            agent.last_offer = next(self.offer_numbers)
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

    # -- dialling -------------------------------------------------------------------------

    def check_dial(self, agent: Agent, c: cmd.Dial) -> Campaign:
        """Everything a dial needs, checked before anything changes; the campaign to dial in."""
        agent_sm.next_state(agent.state, AgentInput.DIAL)
        if agent.extension is None:
            raise NotSetUp("choose an extension before dialling")
        campaign_id = c.campaign_id or agent.campaign_id
        if campaign_id is None:
            raise NotSetUp("choose a campaign before dialling")
        campaign = self.campaign(campaign_id)
        if campaign.campaign_id not in agent.profile.campaign_ids:
            raise CampaignNotAssigned(f"campaign '{campaign.name}' is not assigned to this agent")
        if c.call_id in self.calls:
            raise IllegalTransition(f"call '{c.call_id}' already exists")
        if c.phone in self.do_not_call:
            raise DoNotCall(f"{c.phone} is on the do-not-call list")
        return campaign

    def start_dial(
        self, agent: Agent, campaign: Campaign, c: cmd.Dial, now: float, out: Outcome
    ) -> None:
        """Ring the agent's phone, then the customer's (third-party call control); the screen
        pop comes at once, so the agent sees the record while it rings."""
        assert agent.extension is not None
        if agent.state is not AgentState.WRAP_UP:  # dispose-and-dial keeps the earlier preference
            agent.after_call = (
                AgentInput.DISPOSE_NOT_READY
                if agent.state is AgentState.NOT_READY
                else AgentInput.DISPOSE
            )
        self.leave_idle(agent)
        call = Call(
            call_id=c.call_id,
            call_type=c.call_type,
            campaign_id=campaign.campaign_id,
            phone=c.phone,
            customer_crt=self.new_id("crt"),
            queued_at=now,
            state=CallState.DIALING,
            agent_id=agent.agent_id,
            user_crt=self.new_id("crt"),
            screen_pop_id=self.new_id("pop"),
            offered_at=now,
            crm_params=dict(c.crm_params),
        )
        assert call.user_crt is not None
        assert call.screen_pop_id is not None
        self.open_leg(call, call.user_crt, LegKind.AGENT, agent.agent_id, LegPurpose.CALL, now)
        self.open_leg(call, call.customer_crt, LegKind.CUSTOMER, call.phone, LegPurpose.CALL, now)
        self.calls[call.call_id] = call
        self.touch(call, out)
        agent.call_id = call.call_id
        self.move(agent, AgentInput.DIAL, now, out)
        out.events.append(
            ev.CallDialing(
                call.call_id,
                agent.agent_id,
                call.call_type.value,
                call.phone,
                call.campaign_id,
                call.user_crt,
                call.customer_crt,
            )
        )
        out.events.append(screen_pop(call, campaign))
        out.instructions.append(
            DialOut(call.call_id, call.user_crt, agent.extension.phone, call.customer_crt, c.phone)
        )

    def start_callback(self, callback: Callback, agent: Agent, now: float, out: Outcome) -> bool:
        """Dial the callback from this ready agent's phone; False if the agent cannot. A
        callback to a number put on the do-not-call list since is blocked, never dialled."""
        if callback.phone in self.do_not_call:
            self.callbacks.blocked(callback)
            out.callbacks[callback.callback_id] = callback
            return False
        dial = cmd.Dial(
            agent.agent_id,
            callback.phone,
            self.new_id("call"),
            CallType.CALLBACK,
            campaign_id=callback.campaign_id,
            crm_params=tuple({**callback.params, "callbackId": callback.callback_id}.items()),
        )
        try:
            campaign = self.check_dial(agent, dial)
        except DomainError:
            return False
        self.callbacks.taken(callback, dial.call_id)
        out.callbacks[callback.callback_id] = callback
        self.start_dial(agent, campaign, dial, now, out)
        return True

    def start_progressive(self, agent: Agent, campaign_id: str, now: float, out: Outcome) -> bool:
        """Dial the campaign's next lead for this ready auto-call agent; False if it cannot."""
        lead = self.next_lead(campaign_id, now, out)
        if lead is None:
            return False
        try:
            self.dial_lead(agent, lead, self.new_id("call"), CallType.PROGRESSIVE, now, out)
        except DomainError:
            self.leads.put_back(lead)
            return False
        return True

    def dial_lead(
        self, agent: Agent, lead: Lead, call_id: str, call_type: CallType, now: float, out: Outcome
    ) -> None:
        """Dial the lead for the agent (refused, changing nothing, if the agent cannot); the
        lead is done with, and its data goes with the call to the CRM."""
        dial = _dial_for(lead, agent.agent_id, call_id, call_type)
        campaign = self.check_dial(agent, dial)
        if agent.lead_id == lead.lead_id:
            agent.lead_id = None  # taken, not released: the dial below must not put it back
        self.leads.dialled(lead, call_id)
        out.leads[lead.lead_id] = lead
        self.start_dial(agent, campaign, dial, now, out)

    # -- timers ---------------------------------------------------------------------------

    @staticmethod
    def start_timer(key: str, delay: float | None, out: Outcome) -> None:
        if delay is not None:
            out.instructions.append(StartTimer(key, delay))

    @staticmethod
    def cancel_timer(key: str, out: Outcome) -> None:
        out.instructions.append(CancelTimer(key))


def _dial_for(lead: Lead, agent_id: str, call_id: str, call_type: CallType) -> cmd.Dial:
    return cmd.Dial(
        agent_id,
        lead.phone,
        call_id,
        call_type,
        campaign_id=lead.campaign_id,
        crm_params=tuple(lead.crm_params().items()),
    )
