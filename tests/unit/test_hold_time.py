"""A call's seconds on hold, as the call record keeps them for the reports: every hold the
agent made, a consult's hold of the customer, and a hold still on when the call ends."""

from __future__ import annotations

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import BreakReason
from agentbar.domain.model.handoffs import TransferKind
from tests.unit.test_center import SALES, SUPPORT, connected, id_source


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([SUPPORT, SALES], (BreakReason("Lunch"),), ivrs=("Survey",))
    return made


def test_holds_add_up_and_one_still_on_at_the_end_counts_to_the_end(center: Center) -> None:
    connected(center)  # answered at 25
    center.handle(cmd.Hold("a1"), 30.0)
    center.handle(cmd.Resume("a1"), 42.5)
    center.handle(cmd.Hold("a1"), 50.0)
    assert center.call("call-1").held_until(55.0) == pytest.approx(17.5)
    center.signal(cmd.CallEnded("call-1", "customer"), 60.0)
    call = center.call("call-1")
    assert call.hold_seconds == pytest.approx(22.5)
    assert (call.on_hold, call.held_at) == (False, None)


def test_a_consult_holds_the_customer_until_it_ends(center: Center) -> None:
    connected(center)
    center.handle(cmd.Transfer("a1", TransferKind.INCALL, "+14155550100"), 30.0)
    center.handle(cmd.CancelTransfer("a1"), 38.0)
    assert center.call("call-1").hold_seconds == pytest.approx(8.0)


def test_a_call_never_held_has_no_hold_time(center: Center) -> None:
    connected(center)
    center.signal(cmd.CallEnded("call-1", "customer"), 60.0)
    assert center.call("call-1").hold_seconds == 0.0
