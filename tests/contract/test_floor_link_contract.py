"""The floor link contract, in one process and on Redis: a door's ask is carried out once by the
node that serves, and its answer — events, leads, result or the very refusal — comes back to
the door that asked; an ask waits for an owner to come, but one whose time ran out is never
carried out; every move reaches every follower, in order, with what it changed."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable

import pytest

from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.agent import Agent, AgentProfile, AgentState, Extension
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import UnknownCampaign
from agentbar.domain.model.lead_book import Lead, LeadState
from agentbar.drivers.bus.memory_link import LinkHub, MemoryFloorLink
from agentbar.drivers.bus.redis_link import RedisFloorLink
from agentbar.ports import Envelope
from agentbar.ports.floor_link import (
    Answerer,
    CommandAsk,
    FloorAnswer,
    FloorAsk,
    FloorLink,
    FloorMove,
    NoteAsk,
    OwnerBusy,
    OwnerUnreachable,
    ServiceAsk,
    start_by,
)
from examples.services.redis_server import RedisServer
from tests.unit.test_center import SUPPORT

LINKS = [
    pytest.param("memory", id="memory"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]
_prefixes = itertools.count(1)

LinkFactory = Callable[[str], FloorLink]


@pytest.fixture(params=LINKS)
async def link_of(request: pytest.FixtureRequest) -> AsyncIterator[LinkFactory]:
    """Started links of one kind that see each other, one per node name."""
    started: list[FloorLink] = []
    if request.param == "memory":
        hub = LinkHub()

        def make(node: str) -> FloorLink:
            return MemoryFloorLink(hub)
    else:
        server: RedisServer = request.getfixturevalue("redis")
        prefix = f"test-floor-{next(_prefixes)}"

        def make(node: str) -> FloorLink:
            return RedisFloorLink(server.url, node, prefix=prefix)

    async def link(node: str) -> FloorLink:
        made = make(node)
        await made.start()
        started.append(made)
        return made

    links: dict[str, FloorLink] = {}

    def factory(node: str) -> FloorLink:
        return links[node]

    for node in ("owner", "door", "other"):
        links[node] = await link(node)
    yield factory
    for made in started:
        await made.stop()


PROFILE = AgentProfile("a1", "Agent One", frozenset({"1"}))
LEAD = Lead("lead-1", "3", "+14085550100", "Ann", {"crm": [1, "x"]}, LeadState.PRESENTED, "a1")


def answering(carried_out: list[FloorAsk]) -> Answerer:
    async def answer(ask: FloorAsk) -> FloorAnswer:
        carried_out.append(ask)
        if isinstance(ask, CommandAsk) and isinstance(ask.command, cmd.SelectCampaign):
            return FloorAnswer(2, 7, refusal=UnknownCampaign("no campaign with id 'x'"))
        if isinstance(ask, CommandAsk):
            events: list[ev.Event] = [ev.AgentLoggedIn("a1")]
            return FloorAnswer(2, 7, events=events, leads=[LEAD])
        if isinstance(ask, NoteAsk):
            return FloorAnswer(2, 8, envelope=Envelope(41, ask.kind, 1.5, ask.agent_id, None, {}))
        return FloorAnswer(2, 9, result={"callId": "call-9", "asked": ask.args})

    return answer


async def test_an_ask_is_carried_out_once_and_its_answer_returns_to_who_asked(
    link_of: LinkFactory,
) -> None:
    carried_out: list[FloorAsk] = []
    link_of("owner").serve(answering(carried_out))
    login = cmd.LogIn(PROFILE)
    answer = await link_of("door").ask(CommandAsk(login), 5.0)
    assert (answer.epoch, answer.moved_to) == (2, 7)
    assert answer.events == [ev.AgentLoggedIn("a1")]
    assert answer.leads == [LEAD]
    noted = await link_of("other").ask(NoteAsk("session.started", "a1", {"x": 1}), 5.0)
    assert noted.envelope == Envelope(41, "session.started", 1.5, "a1", None, {})
    args = {"phone": "+14085550101", "campaignId": "1"}
    served = await link_of("door").ask(ServiceAsk("sandbox.place", args), 5.0)
    assert served.result == {"callId": "call-9", "asked": args}
    assert carried_out == [
        CommandAsk(login),
        NoteAsk("session.started", "a1", {"x": 1}),
        ServiceAsk("sandbox.place", args),
    ]


async def test_a_refusal_crosses_as_the_same_domain_error(link_of: LinkFactory) -> None:
    link_of("owner").serve(answering([]))
    answer = await link_of("door").ask(CommandAsk(cmd.SelectCampaign("a1", "x")), 5.0)
    assert isinstance(answer.refusal, UnknownCampaign)
    assert (answer.refusal.code, answer.refusal.message) == (
        "unknown_campaign",
        "no campaign with id 'x'",
    )


async def test_new_work_crosses_marked_and_the_owners_busy_refusal_comes_back(
    link_of: LinkFactory,
) -> None:
    carried_out: list[FloorAsk] = []
    answer_others = answering(carried_out)

    async def busy_for_new_work(ask: FloorAsk) -> FloorAnswer:
        if isinstance(ask, ServiceAsk) and ask.new_work:
            carried_out.append(ask)
            return FloorAnswer(2, 0, refusal=OwnerBusy("busy: behind; nothing was done"))
        return await answer_others(ask)

    link_of("owner").serve(busy_for_new_work)
    args = {"phone": "+14085550101", "campaignId": "1"}
    refused = await link_of("door").ask(ServiceAsk("sandbox.place", args, new_work=True), 5.0)
    assert isinstance(refused.refusal, OwnerBusy)
    assert (refused.refusal.code, refused.refusal.message) == (
        "busy",
        "busy: behind; nothing was done",
    )
    served = await link_of("door").ask(ServiceAsk("sandbox.place", args), 5.0)
    assert served.result == {"callId": "call-9", "asked": args}
    assert carried_out == [
        ServiceAsk("sandbox.place", args, new_work=True),
        ServiceAsk("sandbox.place", args, new_work=False),
    ]


async def test_an_ask_waits_for_an_owner_to_come_but_not_past_its_time(
    link_of: LinkFactory,
) -> None:
    carried_out: list[FloorAsk] = []
    with pytest.raises(OwnerUnreachable):
        await link_of("door").ask(CommandAsk(cmd.GoReady("late")), 0.3)
    waiting = asyncio.create_task(link_of("door").ask(CommandAsk(cmd.GoReady("a1")), 5.0))
    await asyncio.sleep(0.3)  # no owner yet: the ask waits
    assert not waiting.done()
    link_of("owner").serve(answering(carried_out))
    answer = await waiting
    assert answer.events is not None
    assert carried_out == [CommandAsk(cmd.GoReady("a1"))]  # never the one that gave up


async def test_every_move_reaches_every_follower_in_order(link_of: LinkFactory) -> None:
    door, other = link_of("door").follow(), link_of("other").follow()
    agent = Agent(PROFILE, state=AgentState.READY, campaign_id=SUPPORT.campaign_id)
    agent.extension = Extension("SIP 1001", "1001")
    moves = [
        FloorMove(
            3,
            n,
            FloorChanges(agents=[agent], agents_gone=["a9"], queues={"1": ["c1", "c2"]}),
            [LEAD],
            [Envelope(n, "agent.state_changed", 2.5, "a1", None, {"state": "ready"})],
            reconfigured=n == 2,
        )
        for n in (1, 2, 3)
    ]
    for move in moves:
        await link_of("owner").publish(move)
    for feed in (door, other):
        got = [await asyncio.wait_for(feed.get(), 5) for _ in moves]
        assert got == moves
        feed.close()


async def test_an_ask_taken_too_late_to_answer_in_time_is_never_carried_out(
    link_of: LinkFactory,
) -> None:
    """An owner that comes when too little of the door's patience is left to answer drops the
    ask: carried out, it would be done with the door already told it was not."""
    carried_out: list[FloorAsk] = []
    answer = answering([])

    async def slow(ask: FloorAsk) -> FloorAnswer:
        carried_out.append(ask)
        await asyncio.sleep(0.5)
        return await answer(ask)

    patience = 1.0
    assert start_by(patience) == 0.5
    waiting = asyncio.create_task(link_of("door").ask(CommandAsk(cmd.GoReady("a1")), patience))
    await asyncio.sleep(0.7)  # the owner comes with 0.3 s left
    link_of("owner").serve(slow)
    with pytest.raises(OwnerUnreachable):
        await waiting
    assert carried_out == []
