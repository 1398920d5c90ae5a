"""The planning simulator dials as the server does: one scenario, run by `agentbar dialer-sim`
and by the server's runtime (with SQLite, the simulated network and the same virtual clock),
places the same dials at the same moments."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

from agentbar.clock import VirtualClock
from agentbar.dialer_sim import LEAD_BATCH, PLAN, START, PlanSettings, simulate
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, Extension
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.simulator import Simulator
from agentbar.ports import Envelope
from agentbar.services.runtime import Runtime

SCENARIO = PlanSettings(
    mode="predictive",
    agents=8,
    hours=0.5,
    answer_rate=0.35,
    machine_rate=0.1,
    talk_mean=60.0,
    wrap_mean=10.0,
    seed=5,
)


@dataclass
class ServedDay:
    dial_times: list[float]
    dialer: dict[str, object]
    """The campaign's dialer as the day left it in memory."""
    campaign_id: str


async def dial_times_on_the_server(settings: PlanSettings, tmp_path: Path) -> ServedDay:
    clock = VirtualClock(START)
    counter = itertools.count(1)
    new_id = lambda kind: f"{kind}-{next(counter)}"  # noqa: E731
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'floor.db'}")
    storage.migrate()
    agents = [f"agent-{n}" for n in range(1, settings.agents + 1)]
    for agent_id in agents:
        storage.catalog.upsert_agent(agent_id, agent_id, None)
    campaign_id = storage.catalog.upsert_campaign(
        "Planning", CampaignKind.OUTBOUND, PLAN, agents, **settings.campaign()
    )
    center = Center(new_id)
    center.configure(await storage.catalog.campaigns(), ())
    network = settings.network(clock, new_id)
    runtime = Runtime(center, storage.events, MemoryBus(), network, clock, storage.floor)
    await runtime.start()
    # The planner's agents: wrap-up drawn as they enter it, from the same seed.
    wrap_ups = random.Random(settings.seed)
    due: list[cmd.Command] = []
    dials: list[float] = []

    def watch(event: Envelope) -> None:
        if event.kind == "dialer.dialled":
            dials.append(event.at - START)
        if event.kind != "agent.state_changed" or event.data["state"] != "wrap_up":
            return
        agent_id = event.data["agentId"]
        call = center.calls.get(center.agent(agent_id).call_id or "")
        reached = call is not None and call.answered_at is not None
        wrap = wrap_ups.expovariate(1.0 / settings.wrap_mean) if reached else 0.0
        code = "Sale" if reached else "No Contact"
        clock.call_later(wrap, lambda: due.append(cmd.Dispose(agent_id, code)))

    runtime.watch(watch)
    batch = tuple(Lead(f"lead-{n}", campaign_id, f"+1202{n:07d}") for n in range(1, LEAD_BATCH + 1))
    await runtime.command(cmd.AddLeads(batch))
    for n, agent_id in enumerate(agents, start=1):
        phone = f"{1000 + n}"
        for command in (
            cmd.LogIn(AgentProfile(agent_id, agent_id, frozenset({campaign_id}))),
            cmd.SelectExtension(agent_id, Extension(f"SIP {phone}", phone)),
            cmd.SelectCampaign(agent_id, campaign_id),
            cmd.SetAutoCall(agent_id, True),
            cmd.GoReady(agent_id),
        ):
            await runtime.command(command)
    end = START + settings.hours * 3600.0
    await runtime.settle()
    while (next_due := clock.next_due()) is not None and next_due <= end:
        clock.advance(next_due - clock.now())
        await runtime.settle()
        while due:
            await runtime.command(due.pop(0))
        await runtime.settle()
    await runtime.stop()
    storage.close()
    return ServedDay(dials, center.dialers[campaign_id].to_dict(), campaign_id)


async def test_the_planner_and_the_server_dial_at_the_same_moments(tmp_path: Path) -> None:
    planned = simulate(SCENARIO)
    # Long enough to be measured and to dial ahead (and abandon), short enough for one list.
    assert planned.dialed < LEAD_BATCH - 4 * SCENARIO.agents
    assert any(sample.mode == "predictive" for sample in planned.samples)
    assert planned.abandoned > 0
    served = await dial_times_on_the_server(SCENARIO, tmp_path)
    assert [round(t, 6) for t in served.dial_times] == [round(t, 6) for t in planned.dial_times]


async def test_a_restarted_server_goes_on_with_the_same_abandon_window(tmp_path: Path) -> None:
    served = await dial_times_on_the_server(SCENARIO, tmp_path)
    storage = SqlDatabase(f"sqlite:///{tmp_path / 'floor.db'}")
    center = Center(lambda kind: kind)
    center.configure(await storage.catalog.campaigns(), ())
    runtime = Runtime(
        center,
        storage.events,
        MemoryBus(),
        Simulator(VirtualClock(), str),
        VirtualClock(),
        storage.floor,
    )
    await runtime.restore()
    restored = center.dialers[served.campaign_id].to_dict()
    # The window and the figures are stored with every call's ending; the level the last
    # decisions moved comes back as of the last ending.
    assert restored["window"] == served.dialer["window"]
    assert restored["figures"] == served.dialer["figures"]
    window = center.dialers[served.campaign_id].window
    assert window.counts(START + 3600.0)[1] > 0  # abandons are there to count
    storage.close()
