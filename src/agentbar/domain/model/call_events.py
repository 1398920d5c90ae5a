"""The events that show a call to its agent: connected, and the screen pop that opens the
customer's record (what `connected` says, and what the CRM gave the dial)."""

from __future__ import annotations

from dataclasses import asdict

from agentbar.domain.model import events as ev
from agentbar.domain.model.call import Call
from agentbar.domain.model.campaign import Campaign


def connected(call: Call, campaign: Campaign) -> ev.CallConnected:
    assert call.agent_id is not None
    assert call.user_crt is not None
    assert call.screen_pop_id is not None
    return ev.CallConnected(
        call_id=call.call_id,
        agent_id=call.agent_id,
        call_type=call.call_type.value,
        phone=call.phone,
        campaign_id=call.campaign_id,
        campaign_name=campaign.name,
        user_crt=call.user_crt,
        customer_crt=call.customer_crt,
        screen_pop_id=call.screen_pop_id,
    )


def screen_pop(call: Call, campaign: Campaign) -> ev.ScreenPop:
    return ev.ScreenPop(**asdict(connected(call, campaign)), crm_params=dict(call.crm_params))
