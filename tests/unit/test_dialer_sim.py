"""The planning simulator: a campaign's day on the real dialer, on a virtual clock."""

from __future__ import annotations

import json
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentbar.cli import main
from agentbar.dialer_sim import PlanSettings, simulate
from agentbar.domain.dialer.abandon_window import AbandonWindow
from agentbar.domain.dialer.pacing import Pacer

KEYS = {
    "talkMinutesPerAgentHour",
    "occupancy",
    "abandonRate",
    "dialed",
    "answered",
    "machines",
    "abandoned",
    "waitSecondsPerAgentHour",
}


def plan(mode: str = "predictive", **overrides: object) -> PlanSettings:
    settings: dict[str, object] = {
        "mode": mode,
        "agents": 8,
        "hours": 1.0,
        "answer_rate": 0.3,
        "machine_rate": 0.1,
        "talk_mean": 120.0,
        "wrap_mean": 15.0,
        "seed": 3,
    }
    settings.update(overrides)
    return PlanSettings(**settings)  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    first = simulate(plan()).summary()
    assert simulate(plan()).summary() == first
    assert simulate(plan(seed=4)).summary()["dialed"] != first["dialed"]


def test_progressive_dialing_abandons_nothing() -> None:
    day = simulate(plan("progressive")).summary()
    assert day["abandoned"] == 0
    assert day["dialed"] > day["answered"] > 0
    assert day["machines"] > 0


@pytest.mark.parametrize("answer_rate", [0.15, 0.6])
def test_predictive_dialing_stays_within_the_limit_in_every_sampled_window(
    answer_rate: float,
) -> None:
    result = simulate(plan(agents=20, hours=2.0, answer_rate=answer_rate, abandon_limit=0.03))
    day = result.summary()
    assert day["dialed"] >= day["answered"] + day["machines"]
    assert day["abandonRate"] <= 0.03
    assert max(s.window_abandon_rate for s in result.samples) <= 0.03
    # Every call abandoned for want of an agent heard the message.
    assert day["messagesPlayed"] <= day["abandoned"]


def test_a_predictive_day_places_calls_ahead_of_agents() -> None:
    result = simulate(plan(agents=20, hours=2.0))
    assert any(s.mode == "predictive" for s in result.samples)
    assert max(s.calls_in_flight for s in result.samples) > 1


def test_people_taken_for_machines_count_as_abandoned() -> None:
    honest = simulate(plan()).summary()
    day = simulate(plan(amd_false_positive=0.5)).summary()
    assert day["takenForMachines"] > 0
    assert day["abandoned"] >= day["takenForMachines"]
    # ...and as answered: half the people hung up on puts the rate far above the honest day's.
    assert day["answered"] >= day["takenForMachines"] + day["messagesPlayed"]
    assert day["abandonRate"] > honest["abandonRate"]


def test_the_simulator_decides_with_the_servers_pacer(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    decide = Pacer.decide

    def spy(self: Pacer, figures: object, now: float) -> object:
        decision = decide(self, figures, now)  # type: ignore[arg-type]
        seen.append(decision.calls_to_place)
        return decision

    monkeypatch.setattr(Pacer, "decide", spy)
    result = simulate(plan(hours=0.25))
    assert seen
    assert sum(placed for _, placed in result.decisions) <= sum(seen)


def test_the_command_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["dialer-sim", "--mode", "predictive", "--agents", "5", "--hours", "0.5"]
    args += ["--answer-rate", "0.3", "--machine-rate", "0.1", "--talk-mean", "120"]
    args += ["--wrap-mean", "10", "--seed", "2", "--abandon-limit", "0.03"]
    assert main(args) == 0
    day = json.loads(capsys.readouterr().out)
    assert set(day) >= KEYS
    assert day["mode"] == "predictive"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--answer-rate", "0.8", "--machine-rate", "0.3"], "together must not exceed 1"),
        (["--answer-rate", "1.5", "--machine-rate", "0.1"], "must be a share from 0 to 1"),
        (["--answer-rate", "0.3", "--machine-rate", "0.1", "--min-ring", "10"], "min-ring"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["dialer-sim", "--mode", "predictive", "--agents", "5", "--hours", "1"]
    args += ["--talk-mean", "120", "--wrap-mean", "10", *extra]
    code: int | str | None
    try:
        code = main(args)
    except SystemExit as refused:  # argparse's own refusals
        code = refused.code
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["progressive", "predictive"])
def test_agents_never_wait_for_want_of_leads_over_a_long_day(mode: str) -> None:
    # Hours after the first list of leads is used up, the agents are as busy as in the first.
    result = simulate(plan(mode, agents=20, hours=4.0))
    day = result.summary()
    assert day["dialed"] > 500  # more than the first list
    assert day["occupancy"] > 0.6


@settings(max_examples=12, deadline=None)
@given(
    agents=st.integers(2, 20),
    answer_rate=st.floats(0.05, 0.9),
    machine_share=st.floats(0.0, 0.5),
    talk_mean=st.floats(20.0, 400.0),
    wrap_mean=st.floats(0.0, 60.0),
    limit=st.sampled_from([0.01, 0.03, 0.05]),
    window=st.sampled_from(["30d", "24h"]),
    seed=st.integers(1, 10**6),
)
def test_no_predictive_day_ever_shows_an_abandon_rate_above_the_limit(
    agents: int,
    answer_rate: float,
    machine_share: float,
    talk_mean: float,
    wrap_mean: float,
    limit: float,
    window: str,
    seed: int,
) -> None:
    # Every time the window records a call, it is read: no reading, ever, above the limit.
    readings: list[float] = []
    record = AbandonWindow._record

    def read_after(self: AbandonWindow, dialled_at: float, *, abandoned: bool) -> None:
        record(self, dialled_at, abandoned=abandoned)
        readings.append(self.rate(dialled_at))

    with patch.object(AbandonWindow, "_record", read_after):
        day = simulate(
            PlanSettings(
                mode="predictive",
                agents=agents,
                hours=1.0,
                answer_rate=answer_rate,
                machine_rate=(1.0 - answer_rate) * machine_share,
                talk_mean=talk_mean,
                wrap_mean=wrap_mean,
                seed=seed,
                abandon_limit=limit,
                abandon_window=window,
            )
        ).summary()
    assert readings  # people answered, and each was counted
    assert max(readings) <= limit
    assert day["abandoned"] <= day["answered"]
