"""What an agent's toolbar reads: its view and snapshot, disposition plans, screen-pop
acknowledgements.

The view is what the toolbar shows (the agent, its call with the call's legs, the lead on
offer), decided here once: the toolbar renders it as it comes, in the snapshot and then in a
`view` frame after each event that changed it, and rebuilds nothing from events.
"""

from __future__ import annotations

from typing import Any

from agentbar.domain.model.agent import Agent, Extension
from agentbar.domain.model.campaign import DispositionPlan
from agentbar.domain.model.errors import CampaignNotAssigned, NotSetUp, UnknownCall
from agentbar.domain.model.legs import LegPurpose, live_legs
from agentbar.ports import Catalog, EventLog
from agentbar.services.runtime import Runtime

EXTENSIONS_LISTED = 100
"""Up to this many provisioned extensions, a snapshot lists them all (the toolbar's menu)."""


class Desk:
    def __init__(self, runtime: Runtime, storage: EventLog, catalog: Catalog) -> None:
        self._runtime = runtime
        self._storage = storage
        self._catalog = catalog

    async def snapshot(self, agent_id: str) -> dict[str, Any]:
        center = self._runtime.center
        agent = center.agent(agent_id)
        campaigns = [
            {
                "id": c.campaign_id,
                "name": c.name,
                "kind": c.kind.value,
                "dialMode": c.dial_mode.value,
            }
            for c in sorted(
                (center.campaign(cid) for cid in agent.profile.campaign_ids),
                key=lambda c: c.name,
            )
        ]
        return {
            **self._view_of(agent),
            "campaigns": campaigns,
            "breakReasons": [
                {"name": r.name, "productive": r.productive} for r in center.break_reasons
            ],
            **await self._extensions(agent),
            "seq": await self._storage.last_seq(),
        }

    async def view_after(self, agent_id: str, seq: int) -> dict[str, Any] | None:
        """The agent's view once the floor this node reads holds event `seq`."""
        await self._runtime.holds(seq)
        return self.view(agent_id)

    def view(self, agent_id: str) -> dict[str, Any] | None:
        """The agent's view as it stands: `agent`, `call` (or None), `lead` (or None); None
        once the agent has logged out."""
        agent = self._runtime.center.find_agent(agent_id)
        return None if agent is None else self._view_of(agent)

    def _view_of(self, agent: Agent) -> dict[str, Any]:
        return {
            "agent": _agent_view(agent),
            "call": self._call_view(agent),
            "lead": self._lead_view(agent),
        }

    async def _extensions(self, agent: Agent) -> dict[str, Any]:
        """Every extension to choose from, for a small center; for a large one none (the
        agent types a name or number, the CRM names one): a snapshot per login must not
        carry thousands of them."""
        listed = await self._catalog.extensions(limit=EXTENSIONS_LISTED + 1)
        if len(listed) <= EXTENSIONS_LISTED:
            return {
                "extensions": [_extension_view(e) for e in listed],
                "extensionsListed": True,
            }
        own = agent.extension
        return {
            "extensions": [_extension_view(own)] if own else [],
            "extensionsListed": False,
        }

    def _lead_view(self, agent: Agent) -> dict[str, Any] | None:
        if agent.lead_id is None:
            return None
        lead = self._runtime.center.leads.all[agent.lead_id]
        return {"leadId": lead.lead_id, "phone": lead.phone, "name": lead.name, "data": lead.data}

    def _call_view(self, agent: Agent) -> dict[str, Any] | None:
        if agent.call_id is None:
            return None
        call = self._runtime.center.call(agent.call_id)
        return {
            "callId": call.call_id,
            "state": call.state.value,
            "callType": call.call_type.value,
            "phone": call.phone,
            "campaignId": call.campaign_id,
            "campaignName": self._runtime.center.campaign(call.campaign_id).name,
            "userCrt": call.user_crt,
            "customerCrt": call.customer_crt,
            "screenPopId": call.screen_pop_id,
            "answeredAt": call.answered_at,
            "onHold": call.on_hold,
            "tpv": call.tpv,
            # A conference party sees the call as its own agent's, with their own leg.
            "role": "owner" if call.agent_id == agent.agent_id else "party",
            "legs": [
                {
                    "legId": leg.leg_id,
                    "kind": leg.kind.value,
                    "party": leg.party,
                    "purpose": leg.purpose.value,
                    "state": leg.state.value,
                }
                for leg in live_legs(call.legs)
                if leg.purpose is not LegPurpose.CALL
            ],
        }

    async def extension_for(self, name: str | None, phone: str | None) -> Extension | None:
        """The provisioned extension an agent chose: by name, by phone, or by a name typed
        where either will do; None unless one matches everything given."""
        if name is not None:
            known = await self._catalog.extension(name)
            if known is None and phone is None:
                known = await self._catalog.extension_with_phone(name)
        else:
            known = await self._catalog.extension_with_phone(phone or "")
        if known is None or (phone is not None and known.phone != phone.strip()):
            return None
        return known

    def disposition_plan(self, agent_id: str, campaign_id: str | None) -> DispositionPlan:
        """The plan of the named campaign, else of the current call, else of the chosen one."""
        center = self._runtime.center
        agent = center.agent(agent_id)
        if not campaign_id:
            if agent.call_id is not None:
                campaign_id = center.call(agent.call_id).campaign_id
            elif agent.campaign_id is not None:
                campaign_id = agent.campaign_id
            else:
                raise NotSetUp("choose a campaign before asking for its disposition codes")
        campaign = center.campaign(campaign_id)
        if campaign.campaign_id not in agent.profile.campaign_ids:
            raise CampaignNotAssigned(f"campaign '{campaign.name}' is not assigned to this agent")
        return campaign.plan

    async def acknowledge_screen_pop(
        self, agent_id: str, screen_pop_id: str, record_id: str
    ) -> None:
        if not await self._storage.set_record_for_screen_pop(screen_pop_id, agent_id, record_id):
            raise UnknownCall(f"no screen pop '{screen_pop_id}' for this agent")

    async def record_for_call(self, agent_id: str, call_ref: str, record_id: str) -> None:
        """The call named by either party's leg id (`user_crt`, `customer_crt`), not the pop's."""
        if not await self._storage.set_record_for_leg(call_ref, agent_id, record_id):
            raise UnknownCall(f"no call '{call_ref}' for this agent")


def _agent_view(agent: Agent) -> dict[str, Any]:
    extension = agent.extension
    return {
        "id": agent.agent_id,
        "name": agent.profile.name,
        "state": agent.state.value,
        "breakReason": agent.break_reason,
        "extension": _extension_view(extension) if extension else None,
        "campaignId": agent.campaign_id,
        "autoCall": agent.auto_call,
    }


def _extension_view(extension: Extension) -> dict[str, str]:
    return {"name": extension.name, "phone": extension.phone, "kind": extension.kind.value}
