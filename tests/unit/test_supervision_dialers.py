"""The supervision read model's dialer rows over a real Center in virtual time: each predictive
campaign's mode now and why, its dial level, its calls in flight and its abandon figures against
its limit, in the snapshot and in the coalesced changes."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import Any

from agentbar.clock import VirtualClock
from agentbar.domain.center import Center, Outcome
from agentbar.domain.dialer.abandon_window import WindowLength
from agentbar.domain.dialer.campaign_dialer import CampaignDialer
from agentbar.domain.dialer.pacing import Pacer
from agentbar.domain.floor import abandon_timer
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, AgentState, BreakReason, Extension
from agentbar.domain.model.campaign import Campaign, DialMode
from agentbar.domain.model.instructions import DialCustomer
from agentbar.domain.model.lead_book import Lead
from agentbar.ports import Envelope
from agentbar.services.supervision import NO_ABANDON_MESSAGE, DialerRow, Supervision
from tests.unit.test_supervision import SALES, SUPPORT

INTERVAL = 0.25
MESSAGE = "This was Acme Sales, 555-0100. We will call again."
PREDICTIVE = replace(
    SALES, dial_mode=DialMode.PREDICTIVE, abandon_message=MESSAGE, abandon_limit=0.025
)


class DialerFloor:
    """A Center with an inbound and a predictive campaign (`c2`), whose events reach
    Supervision as the runtime's watchers see them."""

    def __init__(self, outbound: Campaign = PREDICTIVE) -> None:
        counter = itertools.count(1)
        self.clock = VirtualClock()
        self.center = Center(lambda kind: f"{kind}-{next(counter)}")
        self.center.configure([SUPPORT, outbound], [BreakReason("Lunch")])
        self.supervision = Supervision(self.center, self.clock, INTERVAL)
        self._seq = itertools.count(1)

    def command(self, command: cmd.Command) -> Outcome:
        return self._seen(self.center.handle(command, self.clock.now()))

    def signal(self, signal: cmd.Signal) -> Outcome:
        return self._seen(self.center.signal(signal, self.clock.now()))

    def _seen(self, outcome: Outcome) -> Outcome:
        now = self.clock.now()
        for e in outcome.events:
            self.supervision.see(
                Envelope(next(self._seq), e.kind, now, e.topic_agent, e.topic_call, e.payload())
            )
        return outcome

    def ready(self, agent_id: str, campaign_id: str = "c2") -> None:
        """An agent ready in the campaign; in the predictive one with auto-call on, so that
        its dialer calls for them."""
        profile = AgentProfile(agent_id, f"Agent {agent_id}", frozenset({"c1", "c2"}))
        self.command(cmd.LogIn(profile))
        self.command(cmd.SelectExtension(agent_id, Extension(f"SIP {agent_id}", agent_id)))
        self.command(cmd.SelectCampaign(agent_id, campaign_id))
        self.command(cmd.GoReady(agent_id))
        if campaign_id == "c2":
            self.command(cmd.SetAutoCall(agent_id, True))

    def add_leads(self, *phones: str) -> list[str]:
        """Leads for the predictive campaign; the calls it dials at once."""
        outcome = self.command(cmd.AddLeads(tuple(Lead(f"lead-{p}", "c2", p) for p in phones)))
        return [i.call_id for i in outcome.instructions if isinstance(i, DialCustomer)]

    def connect(self, call_id: str) -> None:
        """A person answers and the agent offered the call answers it."""
        self.signal(cmd.CustomerAnswered(call_id))
        self.signal(cmd.AgentAnswered(call_id))

    def dialer_row(self) -> dict[str, Any]:
        [row] = self.supervision.snapshot()["dialers"]
        assert isinstance(row, dict)
        return row


def test_a_predictive_campaign_shows_not_dialled_yet_until_its_pacer_decides() -> None:
    floor = DialerFloor()

    snapshot = floor.supervision.snapshot()

    # Only the predictive campaign has a row: the inbound one has no dialer.
    assert snapshot["dialers"] == [
        {
            "campaignId": "c2",
            "name": "Sales",
            "mode": None,
            "reason": "not dialled yet",
            "dialLevel": None,
            "callsInFlight": 0,
            "abandonRate": None,
            "liveAnswered": 0,
            "abandoned": 0,
            "limit": 0.025,
            "window": "30d",
        }
    ]


def test_the_row_follows_dials_an_answer_and_an_abandon() -> None:
    floor = DialerFloor()
    floor.ready("a1")
    floor.ready("a2")

    first, second = floor.add_leads("+15550001", "+15550002", "+15550003")

    row = floor.dialer_row()
    # Measuring the campaign: one call per free agent, none ahead.
    assert (row["mode"], row["reason"]) == ("progressive", "measuring the campaign: 0 of 100 dials")
    assert (row["dialLevel"], row["callsInFlight"]) == (1.0, 2)
    assert (row["liveAnswered"], row["abandoned"], row["abandonRate"]) == (0, 0, 0.0)

    floor.connect(first)
    row = floor.dialer_row()
    assert (row["callsInFlight"], row["liveAnswered"], row["abandoned"]) == (1, 1, 0)

    # The agent still free leaves; the second call's person answers and nobody comes in 2 s.
    [free] = [a for a in ("a1", "a2") if floor.center.agent(a).state is AgentState.READY]
    floor.command(cmd.TakeBreak(free, "Lunch"))
    floor.signal(cmd.CustomerAnswered(second))
    assert floor.dialer_row()["callsInFlight"] == 1  # answered, waiting for an agent
    floor.clock.advance(2)
    floor.signal(cmd.TimerFired(abandon_timer(second)))

    row = floor.dialer_row()
    assert (row["callsInFlight"], row["liveAnswered"], row["abandoned"]) == (0, 2, 1)
    assert row["abandonRate"] == 0.5
    assert (row["limit"], row["window"]) == (0.025, "30d")


def test_a_campaign_dialing_ahead_shows_predictive_with_the_pacers_reason() -> None:
    # A limit of 50% leaves a budget after one live-answered call, and a pacer that measures
    # one dial only goes predictive at once.
    floor = DialerFloor(replace(PREDICTIVE, abandon_limit=0.5, abandon_window="24h"))
    floor.center.dialers["c2"] = CampaignDialer(WindowLength.parse("24h"), Pacer(min_dials=1))
    floor.ready("a1")

    [first] = floor.add_leads("+15550001", "+15550002", "+15550003")
    floor.connect(first)
    floor.signal(cmd.CallEnded(first, "customer"))  # wrapping up: the pacer decides again

    row = floor.dialer_row()
    assert row["mode"] == "predictive"
    assert re.fullmatch(r"\d+\.\d agents free within \d+ s, \d+% answer", row["reason"])
    assert (row["limit"], row["window"]) == (0.5, "24h")


def test_changes_carry_a_dialer_row_only_when_it_changed() -> None:
    floor = DialerFloor()
    floor.ready("a1")
    floor.ready("a2", campaign_id="c1")
    _, feed = floor.supervision.subscribe()

    [call_id] = floor.add_leads("+15550001")
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    row = changes.dialers["c2"]
    assert isinstance(row, DialerRow)
    assert (row.mode, row.callsInFlight) == ("progressive", 1)

    floor.command(cmd.TakeBreak("a2", "Lunch"))  # the inbound campaign's agent: no dialer moves
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    assert list(changes.agents) == ["a2"]
    assert changes.dialers == {}

    floor.connect(call_id)
    floor.clock.advance(INTERVAL)
    changes = feed.take()
    assert changes is not None
    frame = changes.frame(floor.clock.now())
    assert [(d["callsInFlight"], d["liveAnswered"]) for d in frame["dialers"]] == [(0, 1)]
    assert frame["dialersGone"] == []


def test_a_campaign_that_stops_dialing_predictively_leaves_the_table() -> None:
    floor = DialerFloor()
    floor.ready("a1")
    floor.add_leads("+15550001")
    _, feed = floor.supervision.subscribe()

    floor.center.configure(
        [replace(PREDICTIVE, dial_mode=DialMode.PROGRESSIVE)], [BreakReason("Lunch")]
    )
    floor.command(cmd.TakeBreak("a1", "Lunch"))  # any event: the next frame compares the rows
    floor.clock.advance(INTERVAL)

    changes = feed.take()
    assert changes is not None
    assert changes.dialers == {"c2": None}
    assert changes.frame(floor.clock.now())["dialersGone"] == ["c2"]
    assert floor.supervision.snapshot()["dialers"] == []


def test_without_a_way_to_play_the_abandon_message_the_row_says_it_dials_progressively() -> None:
    floor = DialerFloor()
    floor.center.plays_messages = False

    row = floor.dialer_row()

    assert (row["mode"], row["reason"]) == ("progressive", NO_ABANDON_MESSAGE)
    assert (row["dialLevel"], row["abandonRate"]) == (None, None)
