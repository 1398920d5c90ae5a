"""The supervision read model over a real Center in virtual time: its snapshot, and changes
coalesced into one frame per interval holding only what changed."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from agentbar.clock import VirtualClock
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, BreakReason, Extension
from agentbar.domain.model.call import CallType
from agentbar.domain.model.campaign import Campaign, CampaignKind, DispositionClass, DispositionPlan
from agentbar.ports import Envelope
from agentbar.services.supervision import AgentRow, Supervision

PLAN = DispositionPlan((DispositionClass("Resolved", ("Sale",)),))
SUPPORT = Campaign("c1", "Support", CampaignKind.INBOUND, PLAN)
SALES = Campaign("c2", "Sales", CampaignKind.OUTBOUND, PLAN)
INTERVAL = 0.25


class Floor:
    """A Center whose events reach Supervision as the runtime's watchers see them."""

    def __init__(self) -> None:
        counter = itertools.count(1)
        self.clock = VirtualClock()
        self.center = Center(lambda kind: f"{kind}-{next(counter)}")
        self.center.configure([SUPPORT, SALES], [BreakReason("Lunch")])
        self.supervision = Supervision(self.center, self.clock, INTERVAL)
        self._seq = itertools.count(1)
        self.events = 0

    def run(self, message: Any) -> None:
        now = self.clock.now()
        outcome = self.center.handle(message, now)
        for e in outcome.events:
            self.events += 1
            self.supervision.see(
                Envelope(next(self._seq), e.kind, now, e.topic_agent, e.topic_call, e.payload())
            )

    def log_in(self, agent_id: str, ready: bool = True) -> None:
        profile = AgentProfile(agent_id, f"Agent {agent_id}", frozenset({"c1", "c2"}))
        self.run(cmd.LogIn(profile))
        self.run(cmd.SelectExtension(agent_id, Extension(f"SIP {agent_id}", agent_id)))
        self.run(cmd.SelectCampaign(agent_id, "c1"))
        if ready:
            self.run(cmd.GoReady(agent_id))

    def arrive(self, call_id: str, phone: str = "+15550001") -> None:
        self.run(cmd.CallArrived(call_id, CallType.INBOUND, "c1", phone, f"cust-{call_id}"))


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_the_snapshot_shows_agents_queues_and_calls_in_progress() -> None:
    floor = Floor()
    start = floor.clock.now()
    floor.log_in("a1")
    floor.clock.advance(5)
    floor.log_in("a2", ready=False)
    floor.run(cmd.TakeBreak("a2", "lunch"))
    floor.clock.advance(3)
    floor.arrive("call-1", "+15551234")  # offered to a1, the only ready agent
    floor.clock.advance(2)
    floor.run(cmd.AgentAnswered("call-1"))
    floor.clock.advance(4)
    floor.arrive("call-2")  # nobody is free: it waits

    snapshot = floor.supervision.snapshot()

    assert snapshot["at"] == start + 14
    agents = by(snapshot["agents"], "agentId")
    assert agents["a1"] == {
        "agentId": "a1",
        "name": "Agent a1",
        "state": "on_call",
        "reason": None,
        "since": start + 10,
        "campaign": "Support",
        "callId": "call-1",
    }
    assert (agents["a2"]["state"], agents["a2"]["reason"]) == ("break", "Lunch")
    assert agents["a2"]["since"] == start + 5
    queues = by(snapshot["queues"], "name")
    assert queues["Support"]["waiting"] == 1
    assert queues["Support"]["oldestSince"] == start + 14
    assert queues["Support"]["kind"] == "inbound"
    assert (queues["Sales"]["waiting"], queues["Sales"]["oldestSince"]) == (0, None)
    [call] = snapshot["calls"]  # the waiting call is counted in its queue, not here
    assert call == {
        "callId": "call-1",
        "agentId": "a1",
        "agentName": "Agent a1",
        "phone": "+15551234",
        "campaignId": "c1",
        "campaign": "Support",
        "callType": "inbound",
        "state": "connected",
        "since": start + 10,
    }


def test_changes_come_coalesced_once_per_interval_with_only_what_changed() -> None:
    floor = Floor()
    floor.log_in("a1")
    floor.log_in("a2")
    _, feed = floor.supervision.subscribe()

    before = floor.events
    floor.run(cmd.TakeBreak("a2", "Lunch"))
    floor.run(cmd.GoReady("a2"))
    floor.run(cmd.TakeBreak("a2", "Lunch"))
    assert floor.events - before == 3
    assert feed.take() is None  # nothing before the interval is over

    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    assert list(changes.agents) == ["a2"]  # a1 did not change
    row = changes.agents["a2"]
    assert isinstance(row, AgentRow)
    assert (row.state, row.reason) == ("break", "Lunch")
    assert changes.calls == {}
    assert [q.name for q in changes.queues.values()] == ["Support"]  # one fewer agent ready
    assert changes.queues["c1"].ready == 1

    floor.clock.advance(10)
    assert feed.take() is None  # a quiet floor sends nothing


def test_a_call_moves_through_the_changes_and_leaves_them() -> None:
    floor = Floor()
    floor.log_in("a1")
    _, feed = floor.supervision.subscribe()

    floor.arrive("call-1")
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    offered = changes.calls["call-1"]
    assert offered is not None
    assert (offered.state, offered.agentId) == ("offered", "a1")

    floor.clock.advance(1)
    answered_at = floor.clock.now()
    floor.run(cmd.AgentAnswered("call-1"))
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    connected = changes.calls["call-1"]
    assert connected is not None
    assert (connected.state, connected.since) == ("connected", answered_at)

    floor.run(cmd.ForceLogOut("a1", "supervisor logout"))
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    assert changes.agents == {"a1": None}
    assert changes.calls == {"call-1": None}
    frame = changes.frame(floor.clock.now())
    assert (frame["agentsGone"], frame["callsGone"], frame["agents"]) == (["a1"], ["call-1"], [])
    assert floor.supervision.snapshot()["agents"] == []


def test_a_feed_not_read_in_time_merges_its_changes() -> None:
    floor = Floor()
    floor.log_in("a1")
    floor.log_in("a2")
    _, feed = floor.supervision.subscribe()
    floor.run(cmd.TakeBreak("a1", "Lunch"))
    floor.clock.advance(INTERVAL)
    floor.run(cmd.TakeBreak("a2", "Lunch"))
    floor.clock.advance(INTERVAL)
    floor.run(cmd.GoReady("a1"))
    floor.clock.advance(INTERVAL)

    changes = feed.take()
    assert changes is not None
    states = {i: r.state for i, r in changes.agents.items() if r is not None}
    assert states == {"a1": "ready", "a2": "break"}  # the latest row of each


def test_nothing_is_kept_or_scheduled_while_no_supervisor_watches() -> None:
    floor = Floor()
    floor.log_in("a1")
    floor.arrive("call-1")
    assert floor.clock.next_due() is None
    _, feed = floor.supervision.subscribe()
    assert floor.supervision.feeds == 1
    feed.close()
    assert floor.supervision.feeds == 0
    floor.run(cmd.AgentAnswered("call-1"))
    assert floor.clock.next_due() is None


async def test_after_a_reload_a_watching_supervisor_gets_a_whole_snapshot() -> None:
    floor = Floor()
    floor.log_in("a1")
    _, feed = floor.supervision.subscribe()
    # A change no event told this node (the owner stored it, then died before telling it),
    # found when the floor is reloaded from storage.
    floor.center.handle(cmd.TakeBreak("a1", "Lunch"), floor.clock.now())
    floor.supervision.reloaded()

    frame = await asyncio.wait_for(feed.next_frame(floor.clock.now()), 1)
    assert frame["type"] == "snapshot"
    assert by(frame["agents"], "agentId")["a1"]["state"] == "break"

    floor.run(cmd.GoReady("a1"))  # and changes follow it as before
    floor.clock.advance(INTERVAL)
    frame = await asyncio.wait_for(feed.next_frame(floor.clock.now()), 1)
    assert frame["type"] == "changes"
    assert [row["state"] for row in frame["agents"]] == ["ready"]
