"""Simulated customers drawn from a seed: random, and the same every time for one seed."""

from __future__ import annotations

import random

from agentbar.clock import VirtualClock
from agentbar.domain.model.instructions import DialCustomer, PlayAbandonMessage
from agentbar.drivers.telephony.simulator import CustomerMix, CustomerScript, Simulator
from agentbar.drivers.telephony.simulator_scripts import KEPT_MESSAGES

MIX = CustomerMix(busy=0.2, no_answer=0.2, answer_after=(1.0, 5.0), talk=(10.0, 60.0))


def draws(seed: int, count: int = 200) -> list[CustomerScript]:
    rng = random.Random(seed)
    return [MIX.draw(rng) for _ in range(count)]


def test_one_seed_gives_the_same_customers_every_time() -> None:
    assert draws(7) == draws(7)
    assert draws(7) != draws(8)


def test_the_mix_is_respected() -> None:
    scripts = draws(1, 2000)
    busy = sum(s.busy for s in scripts) / len(scripts)
    silent = sum(s.answer_after is None and not s.busy for s in scripts) / len(scripts)
    assert 0.15 < busy < 0.25
    assert 0.15 < silent < 0.25
    answering = [s for s in scripts if s.answer_after is not None and not s.busy]
    assert all(1.0 <= (s.answer_after or 0) <= 5.0 for s in answering)
    assert all(s.hang_up_after is not None and 10.0 <= s.hang_up_after <= 60.0 for s in answering)


def test_extreme_mixes() -> None:
    rng = random.Random(0)
    assert CustomerMix(busy=1.0).draw(rng) == CustomerScript(busy=True)
    assert CustomerMix(no_answer=1.0).draw(rng) == CustomerScript(answer_after=None)
    assert CustomerMix().draw(rng).hang_up_after is None


async def test_a_sandbox_keeps_only_the_latest_played_messages_but_counts_them_all() -> None:
    network = Simulator(VirtualClock(), lambda kind: kind)
    network.attach(lambda signal: None)
    for n in range(KEPT_MESSAGES + 5):
        await network.execute(DialCustomer(f"call-{n}", f"crt-{n}", "+14155550100"))
        await network.execute(PlayAbandonMessage(f"call-{n}", f"message {n}"))
    record = network.dialer_record
    assert len(record.messages_played) == KEPT_MESSAGES
    assert record.messages_played[0] == ("call-5", "message 5")
    assert record.played == KEPT_MESSAGES + 5
    assert network.live_calls() == []  # each line hung up once its message played
