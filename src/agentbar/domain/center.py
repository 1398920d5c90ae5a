"""The contact center as one deterministic state machine.

`Center.handle(command, now)` and `Center.signal(signal, now)` either raise a DomainError
having changed nothing, or apply the change and return an Outcome: the events that happened
and the telephony instructions to carry out. Every check runs before the first mutation.

Invariants kept: an agent is on at most one call; a waiting call is offered to one agent at
a time and stays queued until answered or abandoned; a connected call ends in wrap-up and
only a disposition releases the agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentbar.domain import agent as agent_sm
from agentbar.domain import call as call_sm
from agentbar.domain import commands as cmd
from agentbar.domain import events as ev
from agentbar.domain.agent import Agent, AgentInput, AgentState
from agentbar.domain.call import Call, CallInput, CallState
from agentbar.domain.campaign import Campaign
from agentbar.domain.errors import (
    CampaignNotAssigned,
    IllegalTransition,
    NoCurrentCall,
    NotSetUp,
    UnknownAgent,
    UnknownBreakReason,
    UnknownCall,
    UnknownCampaign,
)
from agentbar.domain.instructions import EndCall, Instruction, OfferToAgent
from agentbar.domain.routing import IdleAgents, WaitingCalls

IdSource = Callable[[str], str]
"""Makes a fresh identifier for the given kind ('crt', 'pop', ...)."""

_BUSY_STATES = frozenset({AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP})


@dataclass
class Outcome:
    events: list[ev.Event] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    calls: dict[str, Call] = field(default_factory=dict)
    """Every call the change touched, as it now stands (finished calls included)."""


class Center:
    def __init__(self, new_id: IdSource) -> None:
        self._new_id = new_id
        self._campaigns: dict[str, Campaign] = {}
        self._campaigns_by_name: dict[str, Campaign] = {}
        self._break_reasons: dict[str, str] = {}
        self._agents: dict[str, Agent] = {}
        self._calls: dict[str, Call] = {}
        self._idle: dict[str, IdleAgents] = {}
        self._waiting: dict[str, WaitingCalls] = {}
        self._handlers: dict[type[Any], Callable[[Any, float, Outcome], None]] = {
            cmd.LogIn: self._log_in,
            cmd.LogOut: self._log_out,
            cmd.SelectExtension: self._select_extension,
            cmd.SelectCampaign: self._select_campaign,
            cmd.GoReady: self._go_ready,
            cmd.TakeBreak: self._take_break,
            cmd.HangUp: self._hang_up,
            cmd.Dispose: self._dispose,
            cmd.CallArrived: self._call_arrived,
            cmd.AgentAnswered: self._agent_answered,
            cmd.AgentDidNotAnswer: self._agent_did_not_answer,
            cmd.CallEnded: self._call_ended,
        }

    def configure(self, campaigns: Iterable[Campaign], break_reasons: Iterable[str]) -> None:
        """Load (or reload) the provisioned campaigns and break reasons."""
        for campaign in campaigns:
            self._campaigns[campaign.campaign_id] = campaign
            self._campaigns_by_name[campaign.name.casefold()] = campaign
            self._idle.setdefault(campaign.campaign_id, IdleAgents())
            self._waiting.setdefault(campaign.campaign_id, WaitingCalls())
        self._break_reasons = {r.casefold(): r for r in break_reasons}

    # -- reading ------------------------------------------------------------------------

    @property
    def break_reasons(self) -> tuple[str, ...]:
        return tuple(self._break_reasons.values())

    def campaign_named(self, name: str) -> Campaign | None:
        return self._campaigns_by_name.get(name.strip().casefold())

    def agent(self, agent_id: str) -> Agent:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"agent '{agent_id}' is not logged in") from None

    def find_agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def call(self, call_id: str) -> Call:
        try:
            return self._calls[call_id]
        except KeyError:
            raise UnknownCall(f"no call '{call_id}'") from None

    def campaign(self, campaign_id: str) -> Campaign:
        try:
            return self._campaigns[campaign_id]
        except KeyError:
            raise UnknownCampaign(f"no campaign with id '{campaign_id}'") from None

    def waiting_count(self, campaign_id: str) -> int:
        return len(self._waiting[campaign_id])

    # -- entry points -------------------------------------------------------------------

    def handle(self, command: cmd.Command, now: float) -> Outcome:
        return self._run(command, now)

    def signal(self, signal: cmd.Signal, now: float) -> Outcome:
        return self._run(signal, now)

    def _run(self, message: object, now: float) -> Outcome:
        outcome = Outcome()
        self._handlers[type(message)](message, now, outcome)
        return outcome

    # -- sessions and presence ----------------------------------------------------------

    def _log_in(self, c: cmd.LogIn, now: float, out: Outcome) -> None:
        existing = self._agents.get(c.profile.agent_id)
        state = existing.state if existing else AgentState.LOGGED_OUT
        if state is not AgentState.LOGGED_OUT:
            raise IllegalTransition(f"agent '{c.profile.agent_id}' is already logged in")
        agent = Agent(profile=c.profile)
        self._agents[agent.agent_id] = agent
        out.events.append(ev.AgentLoggedIn(agent.agent_id))
        self._move(agent, AgentInput.LOGIN, now, out)

    def _log_out(self, c: cmd.LogOut, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        agent_sm.next_state(agent.state, AgentInput.LOGOUT)
        self._leave_idle(agent)
        self._move(agent, AgentInput.LOGOUT, now, out, reason=c.reason)
        agent.extension = None
        agent.campaign_id = None
        out.events.append(ev.AgentLoggedOut(agent.agent_id, c.reason))
        del self._agents[agent.agent_id]

    def _select_extension(self, c: cmd.SelectExtension, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        if agent.state in _BUSY_STATES:
            raise IllegalTransition("cannot change the extension during a call")
        changed = agent.extension is not None
        agent.extension = c.extension
        out.events.append(
            ev.ExtensionSelected(agent.agent_id, c.extension.name, c.extension.phone, changed)
        )

    def _select_campaign(self, c: cmd.SelectCampaign, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        campaign = self.campaign(c.campaign_id)
        if campaign.campaign_id not in agent.profile.campaign_ids:
            raise CampaignNotAssigned(
                f"campaign '{campaign.name}' is not assigned to agent '{agent.agent_id}'"
            )
        if agent.state in _BUSY_STATES:
            raise IllegalTransition("cannot change the campaign during a call")
        was_idle = agent.state is AgentState.READY
        self._leave_idle(agent)
        agent.campaign_id = campaign.campaign_id
        out.events.append(ev.CampaignSelected(agent.agent_id, campaign.campaign_id, campaign.name))
        if was_idle:
            self._idle[campaign.campaign_id].add(agent.agent_id, agent.idle_since)
            self._route(campaign.campaign_id, now, out)

    def _go_ready(self, c: cmd.GoReady, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        agent_sm.next_state(agent.state, AgentInput.READY)
        if agent.extension is None:
            raise NotSetUp("choose an extension before becoming ready")
        if agent.campaign_id is None:
            raise NotSetUp("choose a campaign before becoming ready")
        agent.break_reason = None
        self._become_idle(agent, AgentInput.READY, now, out)

    def _take_break(self, c: cmd.TakeBreak, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        agent_sm.next_state(agent.state, AgentInput.BREAK)
        reason = self._break_reasons.get(c.reason.strip().casefold())
        if reason is None:
            known = ", ".join(self._break_reasons.values()) or "none"
            raise UnknownBreakReason(f"unknown break reason '{c.reason}' (known: {known})")
        self._leave_idle(agent)
        agent.break_reason = reason
        self._move(agent, AgentInput.BREAK, now, out, reason=reason)

    # -- calls ---------------------------------------------------------------------------

    def _call_arrived(self, s: cmd.CallArrived, now: float, out: Outcome) -> None:
        campaign = self.campaign(s.campaign_id)
        if s.call_id in self._calls:
            raise IllegalTransition(f"call '{s.call_id}' already exists")
        call = Call(
            call_id=s.call_id,
            call_type=s.call_type,
            campaign_id=campaign.campaign_id,
            phone=s.phone,
            customer_crt=s.customer_crt,
            queued_at=now,
        )
        self._calls[call.call_id] = call
        out.calls[call.call_id] = call
        self._waiting[campaign.campaign_id].push(call.call_id)
        out.events.append(ev.CallQueued(call.call_id, campaign.campaign_id, call.phone))
        self._route(campaign.campaign_id, now, out)

    def _agent_answered(self, s: cmd.AgentAnswered, now: float, out: Outcome) -> None:
        call = self.call(s.call_id)
        call_sm.next_state(call.state, CallInput.ANSWER)
        agent = self._agent_of(call)
        agent_sm.next_state(agent.state, AgentInput.ANSWER)
        assert call.user_crt is not None
        assert call.agent_id is not None
        call.state = CallState.CONNECTED
        call.answered_at = now
        call.show_crm_request_id = self._new_id("pop")
        out.calls[call.call_id] = call
        self._move(agent, AgentInput.ANSWER, now, out)
        out.events.append(
            ev.CallConnected(
                call_id=call.call_id,
                agent_id=call.agent_id,
                call_type=call.call_type.value,
                phone=call.phone,
                campaign_id=call.campaign_id,
                campaign_name=self._campaigns[call.campaign_id].name,
                user_crt=call.user_crt,
                customer_crt=call.customer_crt,
                show_crm_request_id=call.show_crm_request_id,
            )
        )

    def _agent_did_not_answer(self, s: cmd.AgentDidNotAnswer, now: float, out: Outcome) -> None:
        call = self.call(s.call_id)
        call_sm.next_state(call.state, CallInput.OFFER_FAILED)
        agent = self._agent_of(call)
        call.state = CallState.QUEUED
        out.calls[call.call_id] = call
        call.agent_id = None
        call.user_crt = None
        self._waiting[call.campaign_id].push_front(call.call_id)
        agent.call_id = None
        self._become_idle(agent, AgentInput.OFFER_WITHDRAWN, now, out)

    def _call_ended(self, s: cmd.CallEnded, now: float, out: Outcome) -> None:
        call = self._calls.get(s.call_id)
        if call is None or call.state is CallState.WRAP_UP:
            # Telephony may report an end twice, or after the call was abandoned or disposed
            # (and forgotten here); the first report counted.
            return
        new_state = call_sm.next_state(call.state, CallInput.HANGUP)
        call.ended_at = now
        call.ended_by = s.ended_by
        out.calls[call.call_id] = call
        if new_state is CallState.ABANDONED:
            self._waiting[call.campaign_id].discard(call.call_id)
            offered_to = self._agents.get(call.agent_id) if call.agent_id else None
            call.state = new_state
            del self._calls[call.call_id]
            out.events.append(ev.CallAbandoned(call.call_id, call.campaign_id))
            if offered_to is not None:
                offered_to.call_id = None
                self._become_idle(offered_to, AgentInput.OFFER_WITHDRAWN, now, out)
            return
        agent = self._agent_of(call)
        call.state = new_state
        self._move(agent, AgentInput.CALL_ENDED, now, out)
        assert call.user_crt is not None
        out.events.append(
            ev.CallEnded(
                call_id=call.call_id,
                agent_id=agent.agent_id,
                ended_by=s.ended_by,
                phone=call.phone,
                campaign_id=call.campaign_id,
                user_crt=call.user_crt,
                customer_crt=call.customer_crt,
            )
        )

    def _hang_up(self, c: cmd.HangUp, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        if agent.state is not AgentState.ON_CALL or agent.call_id is None:
            raise NoCurrentCall("there is no call to hang up")
        out.instructions.append(EndCall(agent.call_id))

    def _dispose(self, c: cmd.Dispose, now: float, out: Outcome) -> None:
        agent = self.agent(c.agent_id)
        if agent.state is not AgentState.WRAP_UP or agent.call_id is None:
            raise NoCurrentCall("no current call to dispose (crtObjectId is null)")
        call = self._calls[agent.call_id]
        ids = {call.call_id, call.user_crt, call.customer_crt}
        if c.crt_object_id and c.crt_object_id not in ids:
            raise NoCurrentCall(f"crtObjectId '{c.crt_object_id}' is not the current call")
        klass, code = self._campaigns[call.campaign_id].plan.resolve(c.code)
        call_sm.next_state(call.state, CallInput.DISPOSE)
        call.state = CallState.DISPOSED
        call.disposed_at = now
        call.disposition_class = klass
        call.disposition_code = code
        call.disposition_note = c.note
        out.calls[call.call_id] = call
        agent.call_id = None
        out.events.append(ev.CallDisposed(call.call_id, agent.agent_id, klass, code, c.note))
        self._become_idle(agent, AgentInput.DISPOSE, now, out)
        del self._calls[call.call_id]

    # -- helpers -------------------------------------------------------------------------

    def _agent_of(self, call: Call) -> Agent:
        if call.agent_id is None or call.agent_id not in self._agents:
            raise IllegalTransition(f"call '{call.call_id}' has no agent")
        return self._agents[call.agent_id]

    def _move(
        self,
        agent: Agent,
        given: AgentInput,
        now: float,
        out: Outcome,
        reason: str | None = None,
    ) -> None:
        new_state = agent_sm.next_state(agent.state, given)
        agent.state = new_state
        agent.state_since = now
        out.events.append(ev.AgentStateChanged(agent.agent_id, new_state.value, reason))

    def _become_idle(self, agent: Agent, given: AgentInput, now: float, out: Outcome) -> None:
        self._move(agent, given, now, out)
        agent.idle_since = now
        if agent.campaign_id is not None:
            self._idle[agent.campaign_id].add(agent.agent_id, now)
            self._route(agent.campaign_id, now, out)

    def _leave_idle(self, agent: Agent) -> None:
        if agent.campaign_id is not None:
            self._idle[agent.campaign_id].discard(agent.agent_id)

    def _route(self, campaign_id: str, now: float, out: Outcome) -> None:
        """Pair waiting calls with idle agents of the campaign, oldest call first."""
        waiting, idle = self._waiting[campaign_id], self._idle[campaign_id]
        while len(waiting) and len(idle):
            call_id = waiting.pop_oldest()
            agent_id = idle.pop_longest_idle()
            assert call_id is not None
            assert agent_id is not None
            self._offer(self._calls[call_id], self._agents[agent_id], now, out)

    def _offer(self, call: Call, agent: Agent, now: float, out: Outcome) -> None:
        assert agent.extension is not None
        call.state = call_sm.next_state(call.state, CallInput.OFFER)
        call.agent_id = agent.agent_id
        call.user_crt = self._new_id("crt")
        call.offered_at = now
        out.calls[call.call_id] = call
        agent.call_id = call.call_id
        self._move(agent, AgentInput.OFFER, now, out)
        out.events.append(ev.CallOffered(call.call_id, agent.agent_id, call.user_crt))
        out.instructions.append(OfferToAgent(call.call_id, call.user_crt, agent.extension.phone))
