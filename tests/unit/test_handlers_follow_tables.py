"""The handlers take every state change from the transition tables: change a row's target and
the handler that performs that row lands on the new target.

Each case drives the center to a row's source state, rewrites that row's target, and runs the
command or signal that performs the row. The first change of the subject (the agent, call or
leg) must be the rewritten one: a handler that looks the row up and then assigns a state of its
own choosing fails here. What a handler does after a target the real table never produces is no
concern of this test, so domain refusals after that first change are let pass.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any, cast

import pytest

from agentbar.domain.center import Center
from agentbar.domain.model import agent as agent_sm
from agentbar.domain.model import call as call_sm
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import legs as leg_sm
from agentbar.domain.model.agent import Agent, AgentInput, AgentState, BreakReason
from agentbar.domain.model.call import Call, CallInput, CallState, CallType
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.instructions import AddLeg, ConsultCall, DialCustomer
from agentbar.domain.model.legs import Leg, LegInput, LegState
from tests.unit.test_center import (
    EXT_1002,
    SALES,
    SUPPORT,
    arrive,
    connected,
    get_ready,
    id_source,
    in_wrap_up,
    set_up,
)
from tests.unit.test_leads import leads
from tests.unit.test_predictive_calls import PREDICTIVE, auto_ready

PHONE = "+14155550100"

Trigger = Callable[[], object]
Build = Callable[[Center], tuple[str, Trigger]]
"""Drives a fresh center to the row's source state; names the subject and what performs the
row."""


@dataclass(frozen=True)
class Case:
    machine: ModuleType
    row: tuple[Enum, Enum]
    build: Build
    path: str
    """Which handler performs the row, when several do."""

    @property
    def name(self) -> str:
        state, given = self.row
        return f"{self.machine.__name__.rsplit('.', 1)[-1]}:{state.value}-{given.value}:{self.path}"


SUBJECTS: dict[ModuleType, tuple[type, str]] = {
    agent_sm: (Agent, "agent_id"),
    call_sm: (Call, "call_id"),
    leg_sm: (Leg, "leg_id"),
}


# -- reaching states --------------------------------------------------------------------------


def _dial(center: Center, call_id: str = "out-1") -> object:
    return center.handle(cmd.Dial("a1", PHONE, call_id, CallType.MANUAL), 30.0)


def _dialling(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    _dial(center)


def _on_break(center: Center) -> None:
    set_up(center, "a1")
    center.handle(cmd.TakeBreak("a1", "Lunch"), 5.0)


def _ready_a2(center: Center) -> None:
    get_ready(center, "a2", 12.0, EXT_1002)


def _consulting(center: Center) -> str:
    connected(center)
    outcome = center.handle(cmd.Transfer("a1", TransferKind.INCALL, PHONE), 30.0)
    [consult] = [i for i in outcome.instructions if isinstance(i, ConsultCall)]
    return consult.leg_id


def _conference(center: Center, kind: ConferenceKind, target: str) -> str:
    outcome = center.handle(cmd.Conference("a1", kind, target), 30.0)
    [add] = [i for i in outcome.instructions if isinstance(i, AddLeg)]
    return add.leg_id


def _invited_a2(center: Center) -> str:
    connected(center)
    _ready_a2(center)
    return _conference(center, ConferenceKind.USER, "a2")


def _conferencing_a2(center: Center) -> str:
    leg_id = _invited_a2(center)
    center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    return leg_id


def _force_out(center: Center, agent_id: str = "a1") -> Trigger:
    return lambda: center.handle(cmd.ForceLogOut(agent_id, "supervisor logout"), 90.0)


# -- the call table -----------------------------------------------------------------------------

C, CI = CallState, CallInput


def _call_queued_offered(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    return "call-1", lambda: arrive(center, "call-1", 20.0)


def _call_queued_abandoned(center: Center) -> tuple[str, Trigger]:
    arrive(center, "call-1", 20.0)
    return "call-1", lambda: center.signal(cmd.CallEnded("call-1", "customer"), 30.0)


def _call_offer_refused(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "call-1", lambda: center.signal(cmd.AgentDidNotAnswer("call-1"), 25.0)


def _call_offer_withdrawn(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "call-1", _force_out(center)


def _call_answered(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "call-1", lambda: center.signal(cmd.AgentAnswered("call-1"), 25.0)


def _call_offered_abandoned(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "call-1", lambda: center.signal(cmd.CallEnded("call-1", "customer"), 25.0)


def _call_connected_ended(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "call-1", lambda: center.signal(cmd.CallEnded("call-1", "customer"), 60.0)


def _call_connected_ended_by_system(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "call-1", _force_out(center)


def _call_customer_answered(center: Center) -> tuple[str, Trigger]:
    _dialling(center)
    return "out-1", lambda: center.signal(cmd.CustomerAnswered("out-1"), 35.0)


def _call_dial_ended(center: Center) -> tuple[str, Trigger]:
    _dialling(center)
    return "out-1", lambda: center.signal(cmd.DialFailed("out-1", "busy"), 35.0)


def _predictive_ringing(center: Center) -> str:
    center.configure([PREDICTIVE], ())
    auto_ready(center, "a1", 1.0)
    outcome = center.handle(leads("+15550001"), 2.0)
    return next(i.call_id for i in outcome.instructions if isinstance(i, DialCustomer))


def _call_person_answered(center: Center) -> tuple[str, Trigger]:
    call_id = _predictive_ringing(center)
    return call_id, lambda: center.signal(cmd.CustomerAnswered(call_id), 5.0)


def _call_not_reached(center: Center) -> tuple[str, Trigger]:
    call_id = _predictive_ringing(center)
    return call_id, lambda: center.signal(cmd.DialFailed(call_id, "busy"), 5.0)


def _call_given_up(center: Center) -> tuple[str, Trigger]:
    call_id = _predictive_ringing(center)
    return call_id, lambda: center.signal(cmd.TimerFired(f"noanswer:{call_id}"), 25.0)


def _call_disposed(center: Center) -> tuple[str, Trigger]:
    in_wrap_up(center)
    return "call-1", lambda: center.handle(cmd.Dispose("a1", "Sale"), 70.0)


def _call_disposed_by_system(center: Center) -> tuple[str, Trigger]:
    in_wrap_up(center)
    return "call-1", _force_out(center)


def _call_disposed_then_dial(center: Center) -> tuple[str, Trigger]:
    in_wrap_up(center)
    dial = cmd.Dial("a1", PHONE, "out-1", CallType.MANUAL)
    return "call-1", lambda: center.handle(cmd.DisposeAndDial("a1", "Sale", dial), 70.0)


def _call_blind_transfer(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "call-1", lambda: center.handle(cmd.Transfer("a1", TransferKind.PHONE, PHONE), 30.0)


def _call_queue_transfer(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "call-1", lambda: center.handle(cmd.Transfer("a1", TransferKind.QUEUE, "Sales"), 30.0)


def _call_consult(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "call-1", lambda: center.handle(cmd.Transfer("a1", TransferKind.INCALL, PHONE), 30.0)


def _call_consult_cancelled(center: Center) -> tuple[str, Trigger]:
    _consulting(center)
    return "call-1", lambda: center.handle(cmd.CancelTransfer("a1"), 35.0)


def _call_consult_failed(center: Center) -> tuple[str, Trigger]:
    leg_id = _consulting(center)
    return "call-1", lambda: center.signal(cmd.LegEnded("call-1", leg_id, "busy"), 35.0)


def _call_consult_completed(center: Center) -> tuple[str, Trigger]:
    leg_id = _consulting(center)
    center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    return "call-1", lambda: center.handle(cmd.CompleteTransfer("a1"), 40.0)


def _call_consult_hung_up(center: Center) -> tuple[str, Trigger]:
    _consulting(center)
    return "call-1", lambda: center.signal(cmd.CallEnded("call-1", "customer"), 40.0)


CALL_CASES = [
    Case(call_sm, (C.QUEUED, CI.OFFER), _call_queued_offered, "route"),
    Case(call_sm, (C.QUEUED, CI.HANGUP), _call_queued_abandoned, "call_ended"),
    Case(call_sm, (C.OFFERED, CI.OFFER_FAILED), _call_offer_refused, "agent_did_not_answer"),
    Case(call_sm, (C.OFFERED, CI.OFFER_FAILED), _call_offer_withdrawn, "withdraw_offer"),
    Case(call_sm, (C.OFFERED, CI.ANSWER), _call_answered, "agent_answered"),
    Case(call_sm, (C.OFFERED, CI.HANGUP), _call_offered_abandoned, "call_ended"),
    Case(call_sm, (C.CONNECTED, CI.HANGUP), _call_connected_ended, "call_ended"),
    Case(call_sm, (C.CONNECTED, CI.HANGUP), _call_connected_ended_by_system, "end_by_system"),
    Case(call_sm, (C.DIALING, CI.ANSWER), _call_customer_answered, "customer_answered"),
    Case(call_sm, (C.DIALING, CI.HANGUP), _call_dial_ended, "dial_failed"),
    Case(call_sm, (C.RINGING, CI.ANSWER), _call_person_answered, "person_answered"),
    Case(call_sm, (C.RINGING, CI.HANGUP), _call_not_reached, "not_reached"),
    Case(call_sm, (C.RINGING, CI.HANGUP), _call_given_up, "no_answer"),
    Case(call_sm, (C.WRAP_UP, CI.DISPOSE), _call_disposed, "dispose"),
    Case(call_sm, (C.WRAP_UP, CI.DISPOSE), _call_disposed_by_system, "close_by_system"),
    Case(call_sm, (C.WRAP_UP, CI.DISPOSE), _call_disposed_then_dial, "dispose_and_dial"),
    Case(call_sm, (C.CONNECTED, CI.TRANSFER), _call_blind_transfer, "blind"),
    Case(call_sm, (C.CONNECTED, CI.TRANSFER), _call_queue_transfer, "continue_as_new_call"),
    Case(call_sm, (C.CONNECTED, CI.CONSULT), _call_consult, "consult"),
    Case(call_sm, (C.CONSULTING, CI.CONSULT_ENDED), _call_consult_cancelled, "cancel"),
    Case(call_sm, (C.CONSULTING, CI.CONSULT_ENDED), _call_consult_failed, "leg_ended"),
    Case(call_sm, (C.CONSULTING, CI.TRANSFER), _call_consult_completed, "complete"),
    Case(call_sm, (C.CONSULTING, CI.HANGUP), _call_consult_hung_up, "call_ended"),
]


# -- the agent table ----------------------------------------------------------------------------

A, AI = AgentState, AgentInput


def _agent_login(center: Center) -> tuple[str, Trigger]:
    return "a1", lambda: set_up(center, "a1")


def _agent_ready(center: Center) -> tuple[str, Trigger]:
    set_up(center, "a1")
    return "a1", lambda: center.handle(cmd.GoReady("a1"), 10.0)


def _agent_back_from_break(center: Center) -> tuple[str, Trigger]:
    _on_break(center)
    return "a1", lambda: center.handle(cmd.GoReady("a1"), 10.0)


def _agent_break_from(reach: Callable[[Center], None]) -> Build:
    def build(center: Center) -> tuple[str, Trigger]:
        reach(center)
        return "a1", lambda: center.handle(cmd.TakeBreak("a1", "Training"), 15.0)

    return build


def _agent_offered(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    return "a1", lambda: arrive(center, "call-1", 20.0)


def _agent_offer_refused(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "a1", lambda: center.signal(cmd.AgentDidNotAnswer("call-1"), 25.0)


def _agent_answered(center: Center) -> tuple[str, Trigger]:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)
    return "a1", lambda: center.signal(cmd.AgentAnswered("call-1"), 25.0)


def _agent_call_ended(center: Center) -> tuple[str, Trigger]:
    connected(center)
    return "a1", lambda: center.signal(cmd.CallEnded("call-1", "customer"), 60.0)


def _agent_disposed(center: Center) -> tuple[str, Trigger]:
    in_wrap_up(center)
    return "a1", lambda: center.handle(cmd.Dispose("a1", "Sale"), 70.0)


def _agent_disposed_back_to_not_ready(center: Center) -> tuple[str, Trigger]:
    set_up(center, "a1")
    _dial(center)
    center.signal(cmd.CallEnded("out-1", "customer"), 40.0)
    return "a1", lambda: center.handle(cmd.Dispose("a1", "Sale"), 70.0)


def _agent_dial_from(reach: Callable[[Center], None]) -> Build:
    def build(center: Center) -> tuple[str, Trigger]:
        reach(center)
        return "a1", lambda: _dial(center)

    return build


def _agent_dispose_and_dial(center: Center) -> tuple[str, Trigger]:
    in_wrap_up(center)
    dial = cmd.Dial("a1", PHONE, "out-1", CallType.MANUAL)
    return "a1", lambda: center.handle(cmd.DisposeAndDial("a1", "Sale", dial), 70.0)


def _agent_customer_answered(center: Center) -> tuple[str, Trigger]:
    _dialling(center)
    return "a1", lambda: center.signal(cmd.CustomerAnswered("out-1"), 35.0)


def _agent_dial_failed(center: Center) -> tuple[str, Trigger]:
    _dialling(center)
    return "a1", lambda: center.signal(cmd.DialFailed("out-1", "busy"), 35.0)


def _agent_log_out_from(reach: Callable[[Center], None]) -> Build:
    def build(center: Center) -> tuple[str, Trigger]:
        reach(center)
        return "a1", lambda: center.handle(cmd.LogOut("a1", "end of shift"), 90.0)

    return build


def _agent_forced_out_from(reach: Callable[[Center], object], agent_id: str = "a1") -> Build:
    def build(center: Center) -> tuple[str, Trigger]:
        reach(center)
        return agent_id, _force_out(center, agent_id)

    return build


def _agent_invited(center: Center) -> tuple[str, Trigger]:
    connected(center)
    _ready_a2(center)
    return "a2", lambda: _conference(center, ConferenceKind.USER, "a2")


def _agent_joined(center: Center) -> tuple[str, Trigger]:
    leg_id = _invited_a2(center)
    return "a2", lambda: center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)


def _agent_never_joined(center: Center) -> tuple[str, Trigger]:
    leg_id = _invited_a2(center)
    return "a2", lambda: center.signal(cmd.LegEnded("call-1", leg_id, "no_answer"), 40.0)


def _agent_left(center: Center) -> tuple[str, Trigger]:
    _conferencing_a2(center)
    return "a2", lambda: center.handle(cmd.HangUp("a2"), 50.0)


def _ready_a1(center: Center) -> None:
    get_ready(center, "a1", 10.0)


def _reserved_a1(center: Center) -> None:
    get_ready(center, "a1", 10.0)
    arrive(center, "call-1", 20.0)


def _set_up_a1(center: Center) -> None:
    set_up(center, "a1")


AGENT_CASES = [
    Case(agent_sm, (A.LOGGED_OUT, AI.LOGIN), _agent_login, "log_in"),
    Case(agent_sm, (A.NOT_READY, AI.READY), _agent_ready, "go_ready"),
    Case(agent_sm, (A.BREAK, AI.READY), _agent_back_from_break, "go_ready"),
    Case(agent_sm, (A.NOT_READY, AI.BREAK), _agent_break_from(_set_up_a1), "take_break"),
    Case(agent_sm, (A.READY, AI.BREAK), _agent_break_from(_ready_a1), "take_break"),
    Case(agent_sm, (A.BREAK, AI.BREAK), _agent_break_from(_on_break), "take_break"),
    Case(agent_sm, (A.READY, AI.OFFER), _agent_offered, "route"),
    Case(agent_sm, (A.RESERVED, AI.OFFER_WITHDRAWN), _agent_offer_refused, "missed"),
    Case(agent_sm, (A.RESERVED, AI.ANSWER), _agent_answered, "agent_answered"),
    Case(agent_sm, (A.ON_CALL, AI.CALL_ENDED), _agent_call_ended, "call_ended"),
    Case(agent_sm, (A.WRAP_UP, AI.DISPOSE), _agent_disposed, "dispose"),
    Case(
        agent_sm,
        (A.WRAP_UP, AI.DISPOSE_NOT_READY),
        _agent_disposed_back_to_not_ready,
        "dispose",
    ),
    Case(agent_sm, (A.READY, AI.DIAL), _agent_dial_from(_ready_a1), "dial"),
    Case(agent_sm, (A.NOT_READY, AI.DIAL), _agent_dial_from(_set_up_a1), "dial"),
    Case(agent_sm, (A.WRAP_UP, AI.DIAL), _agent_dispose_and_dial, "dispose_and_dial"),
    Case(agent_sm, (A.DIALING, AI.ANSWER), _agent_customer_answered, "customer_answered"),
    Case(agent_sm, (A.DIALING, AI.CALL_ENDED), _agent_dial_failed, "dial_failed"),
    Case(agent_sm, (A.NOT_READY, AI.LOGOUT), _agent_log_out_from(_set_up_a1), "log_out"),
    Case(agent_sm, (A.READY, AI.LOGOUT), _agent_log_out_from(_ready_a1), "log_out"),
    Case(agent_sm, (A.BREAK, AI.LOGOUT), _agent_log_out_from(_on_break), "log_out"),
    Case(agent_sm, (A.NOT_READY, AI.FORCE_LOGOUT), _agent_forced_out_from(_set_up_a1), "force"),
    Case(agent_sm, (A.READY, AI.FORCE_LOGOUT), _agent_forced_out_from(_ready_a1), "force"),
    Case(agent_sm, (A.BREAK, AI.FORCE_LOGOUT), _agent_forced_out_from(_on_break), "force"),
    Case(agent_sm, (A.RESERVED, AI.FORCE_LOGOUT), _agent_forced_out_from(_reserved_a1), "force"),
    Case(agent_sm, (A.ON_CALL, AI.FORCE_LOGOUT), _agent_forced_out_from(connected), "force"),
    Case(agent_sm, (A.DIALING, AI.FORCE_LOGOUT), _agent_forced_out_from(_dialling), "force"),
    Case(agent_sm, (A.WRAP_UP, AI.FORCE_LOGOUT), _agent_forced_out_from(in_wrap_up), "force"),
    Case(
        agent_sm,
        (A.INVITED, AI.FORCE_LOGOUT),
        _agent_forced_out_from(_invited_a2, "a2"),
        "force",
    ),
    Case(
        agent_sm,
        (A.CONFERENCING, AI.FORCE_LOGOUT),
        _agent_forced_out_from(_conferencing_a2, "a2"),
        "force",
    ),
    Case(agent_sm, (A.READY, AI.INVITE), _agent_invited, "conference"),
    Case(agent_sm, (A.INVITED, AI.ANSWER), _agent_joined, "leg_answered"),
    Case(agent_sm, (A.INVITED, AI.LEAVE), _agent_never_joined, "leg_ended"),
    Case(agent_sm, (A.CONFERENCING, AI.LEAVE), _agent_left, "hang_up"),
]


# -- the leg table ------------------------------------------------------------------------------

L, LI = LegState, LegInput


def _leg_answered(center: Center) -> tuple[str, Trigger]:
    connected(center)
    leg_id = _conference(center, ConferenceKind.PHONE, PHONE)
    return leg_id, lambda: center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)


def _leg_never_answered(center: Center) -> tuple[str, Trigger]:
    connected(center)
    leg_id = _conference(center, ConferenceKind.PHONE, PHONE)
    return leg_id, lambda: center.signal(cmd.LegEnded("call-1", leg_id, "busy"), 32.0)


def _leg_dropped(center: Center) -> tuple[str, Trigger]:
    connected(center)
    leg_id = _conference(center, ConferenceKind.PHONE, PHONE)
    center.signal(cmd.LegAnswered("call-1", leg_id), 32.0)
    return leg_id, lambda: center.handle(cmd.DropLeg("a1", leg_id), 40.0)


LEG_CASES = [
    Case(leg_sm, (L.RINGING, LI.ANSWER), _leg_answered, "leg_answered"),
    Case(leg_sm, (L.RINGING, LI.END), _leg_never_answered, "leg_ended"),
    Case(leg_sm, (L.CONNECTED, LI.END), _leg_dropped, "drop_leg"),
]

CASES = CALL_CASES + AGENT_CASES + LEG_CASES


# -- the check ----------------------------------------------------------------------------------


@pytest.fixture
def center() -> Center:
    made = Center(id_source())
    made.configure([SUPPORT, SALES], (BreakReason("Lunch"), BreakReason("Training")))
    return made


def table(machine: ModuleType) -> MutableMapping[tuple[Enum, Enum], Enum]:
    return cast(MutableMapping[tuple[Enum, Enum], Enum], machine.TRANSITIONS)


def another_target(machine: ModuleType, row: tuple[Enum, Enum]) -> Enum:
    """A target the row does not have: the source itself, or for a row that stays put, the
    first other state."""
    source, target = row[0], table(machine)[row]
    if source is not target:
        return source
    return next(state for state in type(source) if state is not target)


def state_changes(
    monkeypatch: pytest.MonkeyPatch, kind: type, key: str
) -> list[tuple[str, Enum, Enum]]:
    """Every later state change of an object of `kind`: (its key, from, to); its first state,
    given as it is made, is not a change."""
    seen: list[tuple[str, Enum, Enum]] = []

    def spy(self: Any, name: str, value: Any) -> None:
        if name == "state" and "state" in vars(self):
            seen.append((getattr(self, key), vars(self)["state"], value))
        object.__setattr__(self, name, value)

    monkeypatch.setattr(kind, "__setattr__", spy)
    return seen


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_handler_takes_the_rows_target_from_the_table(
    center: Center, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    subject, trigger = case.build(center)
    kind, key = SUBJECTS[case.machine]
    rewritten = another_target(case.machine, case.row)
    monkeypatch.setitem(table(case.machine), case.row, rewritten)
    changes = state_changes(monkeypatch, kind, key)
    with suppress(DomainError):
        trigger()
    first = next(((was, now) for who, was, now in changes if who == subject), None)
    assert first == (case.row[0], rewritten)


@pytest.mark.parametrize("machine", [agent_sm, call_sm, leg_sm], ids=lambda m: m.__name__)
def test_every_row_of_every_table_is_checked(machine: ModuleType) -> None:
    checked = {case.row for case in CASES if case.machine is machine}
    assert checked == set(table(machine))


def test_an_agent_the_table_leaves_not_ready_after_a_disposition_takes_no_call(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(table(agent_sm), (A.WRAP_UP, AI.DISPOSE), A.NOT_READY)
    in_wrap_up(center)
    center.handle(cmd.Dispose("a1", "Sale"), 70.0)
    arrive(center, "call-2", 80.0)
    assert center.agent("a1").state is AgentState.NOT_READY
    assert center.call("call-2").state is CallState.QUEUED
