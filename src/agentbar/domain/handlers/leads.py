"""Lead lists: preview dialling (the agent dials or skips the lead shown) and progressive
dialling (the next lead is dialled for each ready agent with auto-call on)."""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.handlers import outbound
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import Agent
from agentbar.domain.model.call import CallType
from agentbar.domain.model.errors import DomainError, IllegalTransition, NoLead
from agentbar.domain.model.lead_book import Lead, LeadState


def add_leads(floor: Floor, c: cmd.AddLeads, now: float, out: Outcome) -> None:
    for lead in c.leads:
        floor.campaign(lead.campaign_id)
        if lead.lead_id in floor.leads.all:
            raise IllegalTransition(f"lead '{lead.lead_id}' already exists")
    campaigns = []
    for lead in c.leads:
        lead.state, lead.agent_id = LeadState.NEW, None
        floor.leads.add(lead)
        out.leads[lead.lead_id] = lead
        if lead.campaign_id not in campaigns:
            campaigns.append(lead.campaign_id)
    for campaign_id in campaigns:
        floor.route(campaign_id, now, out)


def remove_leads(floor: Floor, c: cmd.RemoveLeads, now: float, out: Outcome) -> None:
    floor.campaign(c.campaign_id)
    waiting = floor.leads.waiting_ids(c.campaign_id)
    for lead_id in c.lead_ids:
        if lead_id not in waiting:
            lead = floor.leads.all.get(lead_id)
            if lead is None or lead.campaign_id != c.campaign_id:
                raise NoLead(f"no lead '{lead_id}' waiting in this campaign's list")
            raise IllegalTransition(f"lead '{lead_id}' is being shown to an agent")
    for lead_id in list(dict.fromkeys(c.lead_ids)) or waiting:
        lead = floor.leads.all[lead_id]
        floor.leads.remove_waiting(lead)
        lead.state = LeadState.REMOVED
        out.leads[lead.lead_id] = lead


def dial_lead(floor: Floor, c: cmd.DialLead, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.lead_id is None:
        raise NoLead("no lead is being shown to this agent")
    lead = floor.leads.all[agent.lead_id]
    dial = _dial_for(lead, agent.agent_id, c.call_id, CallType.PREVIEW)
    campaign = outbound.check_dial(floor, agent, dial)
    agent.lead_id = None  # taken, not released: the dial below must not put it back
    _dialled(floor, lead, c.call_id, out)
    outbound.start_dial(floor, agent, campaign, dial, now, out)


def start_progressive(
    floor: Floor, agent: Agent, campaign_id: str, now: float, out: Outcome
) -> bool:
    """Dial the campaign's next lead for this ready auto-call agent; False if it cannot."""
    lead = floor.leads.take_next(campaign_id)
    if lead is None:
        return False
    dial = _dial_for(lead, agent.agent_id, floor.new_id("call"), CallType.PROGRESSIVE)
    try:
        campaign = outbound.check_dial(floor, agent, dial)
    except DomainError:
        floor.leads.put_back(lead)
        return False
    _dialled(floor, lead, dial.call_id, out)
    outbound.start_dial(floor, agent, campaign, dial, now, out)
    return True


def _dial_for(lead: Lead, agent_id: str, call_id: str, call_type: CallType) -> cmd.Dial:
    params = {**lead.data, "leadId": lead.lead_id}
    if lead.name:
        params["leadName"] = lead.name
    return cmd.Dial(
        agent_id,
        lead.phone,
        call_id,
        call_type,
        campaign_id=lead.campaign_id,
        crm_params=tuple(params.items()),
    )


def _dialled(floor: Floor, lead: Lead, call_id: str, out: Outcome) -> None:
    lead.state, lead.call_id, lead.agent_id = LeadState.DIALLED, call_id, None
    floor.leads.finish(lead)
    out.leads[lead.lead_id] = lead


def skip_lead(floor: Floor, c: cmd.SkipLead, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.lead_id is None:
        raise NoLead("no lead is being shown to this agent")
    floor.release_lead(agent, now, out, skipped=True)
    floor.find_work(agent, now, out)
