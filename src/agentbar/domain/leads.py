"""Preview dialling: add leads, and the agent dials or skips the lead they are shown."""

from __future__ import annotations

from agentbar.domain import commands as cmd
from agentbar.domain import outbound
from agentbar.domain.call import CallType
from agentbar.domain.errors import IllegalTransition, NoLead
from agentbar.domain.floor import Floor, Outcome
from agentbar.domain.lead_book import LeadState


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


def dial_lead(floor: Floor, c: cmd.DialLead, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.lead_id is None:
        raise NoLead("no lead is being shown to this agent")
    lead = floor.leads.all[agent.lead_id]
    params = {**lead.data, "leadId": lead.lead_id}
    if lead.name:
        params["leadName"] = lead.name
    dial = cmd.Dial(
        agent.agent_id,
        lead.phone,
        c.call_id,
        CallType.PREVIEW,
        campaign_id=lead.campaign_id,
        crm_params=tuple(params.items()),
    )
    campaign = outbound.check_dial(floor, agent, dial)
    agent.lead_id = None  # taken, not released: the dial below must not put it back
    lead.state, lead.call_id = LeadState.DIALLED, c.call_id
    floor.leads.finish(lead)
    out.leads[lead.lead_id] = lead
    outbound.start_dial(floor, agent, campaign, dial, now, out)


def skip_lead(floor: Floor, c: cmd.SkipLead, now: float, out: Outcome) -> None:
    agent = floor.agent(c.agent_id)
    if agent.lead_id is None:
        raise NoLead("no lead is being shown to this agent")
    floor.release_lead(agent, now, out, skipped=True)
    floor.find_work(agent, now, out)
