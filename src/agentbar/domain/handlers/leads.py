"""Lead lists: preview dialling (the agent dials or skips the lead shown) and progressive
dialling (the next lead is dialled for each ready agent with auto-call on).

Presenting a lead and dialling one for an auto-call agent happen as the floor routes a
campaign, so those moves are the floor's (`Floor.dial_lead`, `Floor.start_progressive`); the
commands an agent or the admin gives about leads are handled here."""

from __future__ import annotations

from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.call import CallType
from agentbar.domain.model.errors import IllegalTransition, NoLead
from agentbar.domain.model.lead_book import LeadState


def add_leads(floor: Floor, c: cmd.AddLeads, now: float, out: Outcome) -> None:
    for lead in c.leads:
        floor.campaign(lead.campaign_id)
        if lead.lead_id in floor.leads.all:
            raise IllegalTransition(f"lead '{lead.lead_id}' already exists")
    campaigns = []
    for lead in c.leads:
        if lead.state is LeadState.DIALLED and lead.call_id in floor.calls:
            # Restored while its call is still live: its attempt ends with the call.
            floor.leads.on_call[lead.call_id] = lead
            continue
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
    floor.dial_lead(agent, lead, c.call_id, CallType.PREVIEW, now, out)


def skip_lead(floor: Floor, c: cmd.SkipLead, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.lead_id is None:
        raise NoLead("no lead is being shown to this agent")
    floor.release_lead(agent, now, out, skipped=True)
    floor.find_work(agent, now, out)


def calling_hours_open(floor: Floor, campaign_id: str, now: float, out: Outcome) -> None:
    """The first waiting lead's calling hours have opened: the campaign's dialer looks again."""
    if campaign_id in floor.campaigns:
        floor.route(campaign_id, now, out)
