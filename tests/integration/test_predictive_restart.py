"""A process that dies with a predictive call ringing: the next one takes the call back, gives
it up when its ring runs out, and the lead's attempt and retry are not lost."""

from __future__ import annotations

import itertools
from pathlib import Path

from agentbar.clock import VirtualClock
from agentbar.dialer_sim import MESSAGE, PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, Extension
from agentbar.domain.model.call import CallState
from agentbar.domain.model.campaign import ANY_HOUR, CampaignKind, DialMode
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import CustomerScript, Simulator
from agentbar.services.runtime import Runtime

START = 1_800_000_000.0
NOBODY = "+14155550101"


def a_process(storage: SqlDatabase, clock: VirtualClock) -> tuple[Runtime, Simulator]:
    counter = itertools.count(1)
    new_id = lambda kind: f"{kind}-{clock.now():.0f}-{next(counter)}"  # noqa: E731
    center = Center(new_id)
    network = Simulator(clock, new_id)
    network.script_customer(NOBODY, CustomerScript(answer_after=None))
    return Runtime(center, storage.events, MemoryBus(), network, clock, storage.floor), network


async def test_a_lead_dialled_before_a_restart_keeps_its_attempt_and_retry(
    tmp_path: Path,
) -> None:
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'floor.db'}")
    storage.migrate()
    storage.catalog.upsert_agent("a1", "a1", None)
    campaign_id = storage.catalog.upsert_campaign(
        "Sales",
        CampaignKind.OUTBOUND,
        PLAN,
        ["a1"],
        dial_mode=DialMode.PREDICTIVE,
        calling_hours=ANY_HOUR,
        abandon_message=MESSAGE,
    )
    campaigns = await storage.catalog.campaigns()
    clock = VirtualClock(START)
    first, _ = a_process(storage, clock)
    first.center.configure(campaigns, ())
    await first.start()
    for command in (
        cmd.AddLeads((Lead("lead-1", campaign_id, NOBODY),)),
        cmd.LogIn(AgentProfile("a1", "a1", frozenset({campaign_id}))),
        cmd.SelectExtension("a1", Extension("SIP 1001", "1001")),
        cmd.SelectCampaign("a1", campaign_id),
        cmd.SetAutoCall("a1", True),
        cmd.GoReady("a1"),
    ):
        await first.command(command)
    [ringing] = first.center.calls.values()
    assert ringing.state is CallState.RINGING
    await first.stop()  # the process goes; what it decided is stored

    clock.advance(5.0)
    second, _ = a_process(storage, clock)
    second.center.configure(campaigns, ())
    assert await second.restore() > 0
    await second.start()
    await second.recover()
    await second.command(cmd.AddLeads(tuple(await storage.leads.pending_leads())))
    assert second.center.leads.on_call == {
        ringing.call_id: second.center.leads.on_call[ringing.call_id]
    }
    # The ring runs out (15 s from the dial, on the restored timer): the attempt is kept.
    clock.advance(10.0)
    await second.settle()
    [(_, lead)] = storage.leads.leads_of(campaign_id, [], 0, 10)
    assert lead.state is LeadState.NEW
    assert [a.outcome for a in lead.attempts] == ["no_answer"]
    assert lead.next_try_at == START + 15.0 + 3600.0
    await second.stop()
    storage.close()
