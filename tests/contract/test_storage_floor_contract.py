"""The stored live floor, every driver: what a move reported comes back as it was — agents,
live calls with their legs and transfers, queue orders, pending timers — and what it reported
gone does not; a move that fails to store leaves the floor as the last one left it."""

from __future__ import annotations

import pytest

from agentbar.domain.dialer.abandon_window import WindowLength
from agentbar.domain.dialer.campaign_dialer import CampaignDialer
from agentbar.domain.dialer.campaign_figures import DialOutcome
from agentbar.domain.model.agent import Agent, AgentProfile, AgentState, Extension
from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.handoffs import Transfer, TransferKind
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.domain.model.legs import Leg, LegKind, LegPurpose, LegState
from agentbar.ports import Envelope, Storage, StorageConflict, StoredMove
from tests.contract.storage_drivers import a_campaign


def an_agent(agent_id: str, **changes: object) -> Agent:
    agent = Agent(AgentProfile(agent_id, agent_id.upper(), frozenset({"1", "2"})))
    for name, value in changes.items():
        setattr(agent, name, value)
    return agent


def a_live_call(call_id: str) -> Call:
    call = Call(call_id, CallType.INBOUND, "1", "+14085551212", f"crt-c-{call_id}", 5.0)
    call.state, call.agent_id, call.user_crt = CallState.CONNECTED, "a1", "u"
    call.put_on_hold(9.0)
    call.crm_params = {"customerId": "42", "tags": ["vip"]}
    call.legs = [
        Leg(call.customer_crt, LegKind.CUSTOMER, call.phone, LegPurpose.CALL, 5.0),
        Leg("u", LegKind.AGENT, "a1", LegPurpose.CALL, 6.0, LegState.CONNECTED, 7.0),
    ]
    call.transfers = [Transfer("t1", TransferKind.INCALL, "+15550100", "a1", 8.0, leg_id="x")]
    return call


async def test_a_new_storage_holds_an_empty_floor(storage: Storage) -> None:
    image = await storage.floor.load_floor()
    assert (image.agents, image.calls, image.queues, image.timers) == ([], [], {}, {})


async def test_the_floor_comes_back_as_the_moves_left_it(storage: Storage) -> None:
    ready = an_agent(
        "a1",
        state=AgentState.ON_CALL,
        extension=Extension("SIP 1001", "1001"),
        campaign_id="1",
        call_id="c1",
        idle_since=3.5,
        last_offer=7,
    )
    on_break = an_agent("a2", state=AgentState.BREAK, break_reason="Lunch")
    live, waiting = a_live_call("c1"), Call("c2", CallType.INBOUND, "1", "+1555", "crt-2", 9.0)
    await storage.events.record(
        [],
        [],
        floor=FloorChanges(
            agents=[ready, on_break],
            calls=[live, waiting],
            queues={"1": ["c2"]},
            timers={"wrapup:c0": 40.0, "ring:c2/x": 12.0},
        ),
    )
    image = await storage.floor.load_floor()
    assert sorted(image.agents, key=lambda a: a.agent_id) == [ready, on_break]
    assert sorted(image.calls, key=lambda c: c.call_id) == [live, waiting]
    assert image.queues == {"1": ["c2"]}
    assert image.timers == {"wrapup:c0": 40.0, "ring:c2/x": 12.0}


async def test_a_predictive_dialer_comes_back_as_its_last_move_left_it(storage: Storage) -> None:
    dialer = CampaignDialer(WindowLength.parse("30d"))
    for n in range(40):
        dialer.connected(3600.0 * (n % 3), 6.5)
    dialer.abandoned(7200.0, 4.0)
    first = dialer.to_dict()
    await storage.events.record([], [], floor=FloorChanges(dialers={"7": first}))
    dialer.not_reached(DialOutcome.BUSY, None)
    second = dialer.to_dict()
    other = CampaignDialer(WindowLength.parse("24h")).to_dict()
    await storage.events.record([], [], floor=FloorChanges(dialers={"7": second, "8": other}))
    image = await storage.floor.load_floor()
    assert image.dialers == {"7": second, "8": other}
    back = CampaignDialer.from_dict(image.dialers["7"])
    assert back.window.counts(7300.0) == dialer.window.counts(7300.0) == (41, 1)
    assert back.snapshot() == dialer.snapshot()


async def test_a_later_move_replaces_what_it_changed_and_removes_what_is_gone(
    storage: Storage,
) -> None:
    first = FloorChanges(
        agents=[an_agent("a1"), an_agent("a2")],
        calls=[a_live_call("c1"), a_live_call("c2")],
        queues={"1": ["c3", "c4"], "2": ["c5"]},
        timers={"wrapup:c1": 40.0, "ring:c3/x": 12.0},
    )
    await storage.events.record([], [], floor=first)
    moved = an_agent("a2", state=AgentState.READY, idle_since=20.0)
    ended = a_live_call("c2")
    ended.state = CallState.WRAP_UP
    await storage.events.record(
        [],
        [],
        floor=FloorChanges(
            agents=[moved],
            agents_gone=["a1"],
            calls=[ended],
            calls_gone=["c1"],
            queues={"1": ["c4"]},
            timers={"wrapup:c1": None, "ring:c3/x": None, "wrapup:c2": 60.0},
        ),
    )
    image = await storage.floor.load_floor()
    assert image.agents == [moved]
    assert image.calls == [ended]
    assert image.queues == {"1": ["c4"], "2": ["c5"]}
    assert image.timers == {"wrapup:c2": 60.0}


async def test_a_move_whose_events_fail_to_store_changes_nothing_of_the_floor(
    storage: Storage,
) -> None:
    event = Envelope(1, "agent.ready", 1.0, "a1", None, {})
    await storage.events.record([event], [], floor=FloorChanges(agents=[an_agent("a1")]))
    with pytest.raises(StorageConflict):
        await storage.events.record(
            [event],
            [],
            floor=FloorChanges(agents_gone=["a1"], agents=[an_agent("a2")], timers={"k": 1.0}),
        )
    image = await storage.floor.load_floor()
    assert image.agents == [an_agent("a1")]
    assert image.timers == {}


# -- several moves in one write (the runtime's group commit) ---------------------------------


async def test_moves_written_together_end_as_if_each_was_written_in_turn(
    storage: Storage,
) -> None:
    campaign_id = a_campaign(storage)
    a1, a2 = an_agent("a1"), an_agent("a2")
    c1 = a_live_call("c1")
    first = StoredMove(
        [Envelope(1, "agent.login", 1.0, "a1", None, {})],
        calls=[Call("c1", CallType.INBOUND, campaign_id, "+1555", "crt-1", 1.0)],
        leads=[Lead("lead-1", campaign_id, "+14155550001"), Lead("lead-2", campaign_id, "+1")],
        floor=FloorChanges(
            agents=[a1, a2], calls=[c1], queues={"1": ["c9"]}, timers={"ring:c1/u": 10.0}
        ),
    )
    a2_ready = an_agent("a2", state=AgentState.READY, idle_since=2.0)
    abandoned = Call("c1", CallType.INBOUND, campaign_id, "+1555", "crt-1", 1.0)
    abandoned.state = CallState.ABANDONED
    second = StoredMove(
        [Envelope(2, "agent.logout", 2.0, "a1", None, {}), Envelope(3, "x", 2.0, "a2", None, {})],
        calls=[abandoned],
        leads=[Lead("lead-3", campaign_id, "+14155550003")],
        floor=FloorChanges(
            agents=[a2_ready],
            agents_gone=["a1"],
            calls_gone=["c1"],
            queues={"1": []},
            timers={"ring:c1/u": None, "wrapup:c1": 30.0},
        ),
    )
    a1_again = an_agent("a1", state=AgentState.BREAK, break_reason="Lunch")
    dialled = Lead("lead-1", campaign_id, "+14155550001", state=LeadState.DIALLED, agent_id="a2")
    third = StoredMove(
        [Envelope(4, "agent.login", 3.0, "a1", None, {})],
        leads=[dialled],
        floor=FloorChanges(agents=[a1_again], timers={"ring:c9/v": 12.0}),
    )
    await storage.events.record_moves([first, second, third])

    image = await storage.floor.load_floor()
    assert sorted(image.agents, key=lambda a: a.agent_id) == [a1_again, a2_ready]
    assert image.calls == []
    assert image.queues == {"1": []}
    assert image.timers == {"wrapup:c1": 30.0, "ring:c9/v": 12.0}
    assert [e.seq for e in await storage.events.events_since(0, 10)] == [1, 2, 3, 4]
    record = await storage.events.call_record("c1")
    assert record is not None
    assert record.call.state is CallState.ABANDONED
    page = storage.leads.leads_of(campaign_id, [], 0, 10)
    assert [(lead.lead_id, lead.state) for _, lead in page] == [
        ("lead-1", LeadState.DIALLED),
        ("lead-2", LeadState.NEW),
        ("lead-3", LeadState.NEW),
    ]


async def test_a_batch_with_one_bad_move_stores_none_of_its_moves(storage: Storage) -> None:
    await storage.events.record([Envelope(2, "agent.ready", 1.0, "a1", None, {})], [])
    good = StoredMove(
        [Envelope(1, "agent.login", 1.0, "a9", None, {})],
        floor=FloorChanges(agents=[an_agent("a9")]),
    )
    clashing = StoredMove([Envelope(2, "agent.ready", 2.0, "a9", None, {})])
    with pytest.raises(StorageConflict):
        await storage.events.record_moves([good, clashing])
    assert [e.seq for e in await storage.events.events_since(0, 10)] == [2]
    assert (await storage.floor.load_floor()).agents == []


async def test_a_decided_write_stores_what_was_decided_and_nothing_when_nothing_was(
    storage: Storage,
) -> None:
    move = StoredMove(
        [Envelope(1, "agent.login", 1.0, "a9", None, {})],
        floor=FloorChanges(agents=[an_agent("a9")]),
    )
    await storage.events.record_decided(lambda: [])
    assert await storage.events.last_seq() == 0
    await storage.events.record_decided(lambda: [move])
    assert [e.seq for e in await storage.events.events_since(0, 10)] == [1]
    assert [a.agent_id for a in (await storage.floor.load_floor()).agents] == ["a9"]
