"""IVRs that collect digits: the collector's rules, and the center reporting what was keyed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model import events as ev
from agentbar.domain.model.handoffs import ConferenceKind, TransferKind
from agentbar.domain.model.ivr import KEYS, CollectionEnd, DigitCollection, DigitCollector
from tests.unit.test_center import connected
from tests.unit.test_conferences import center, confer

__all__ = ["center"]


def test_max_digits_ends_a_collection_and_later_keys_are_ignored() -> None:
    collector = DigitCollector(DigitCollection(max_digits=3))
    assert [collector.press(k) for k in "12"] == [False, False]
    assert collector.press("3") is True
    assert collector.press("4") is True
    assert (collector.digits, collector.ended) == ("123", CollectionEnd.MAX_DIGITS)


def test_the_terminator_ends_it_early_and_is_not_a_digit() -> None:
    collector = DigitCollector(DigitCollection(max_digits=8, terminator="#"))
    for key in "42#":
        collector.press(key)
    assert (collector.digits, collector.ended) == ("42", CollectionEnd.TERMINATOR)


def test_without_a_terminator_hash_is_a_digit_like_any_other() -> None:
    collector = DigitCollector(DigitCollection(max_digits=2, terminator=None))
    collector.press("#")
    collector.press("*")
    assert (collector.digits, collector.ended) == ("#*", CollectionEnd.MAX_DIGITS)


def test_a_timeout_keeps_what_was_keyed_and_only_counts_once_open() -> None:
    collector = DigitCollector(DigitCollection(max_digits=4))
    collector.press("7")
    collector.time_out()
    assert (collector.digits, collector.ended) == ("7", CollectionEnd.TIMEOUT)
    done = DigitCollector(DigitCollection(max_digits=1))
    done.press("1")
    done.time_out()
    assert done.ended is CollectionEnd.MAX_DIGITS


@given(st.text(max_size=40))
def test_only_rfc_4733_keys_count_and_never_more_than_asked(keys: str) -> None:
    collector = DigitCollector(DigitCollection(max_digits=5, terminator=None))
    for key in keys:
        collector.press(key)
    assert len(collector.digits) <= 5
    assert set(collector.digits) <= set(KEYS)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_digits": 0}, "max_digits"),
        ({"max_digits": 33}, "max_digits"),
        ({"max_digits": 4, "terminator": "5"}, "terminator"),
        ({"max_digits": 4, "timeout_seconds": 0.5}, "timeout_seconds"),
    ],
)
def test_a_collection_that_cannot_be_run_is_refused(
    arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DigitCollection(**arguments)  # type: ignore[arg-type]


def test_digits_from_a_conferenced_ivr_go_to_the_agent(center: Center) -> None:
    connected(center)
    leg_id = confer(center, ConferenceKind.IVR, "Survey")
    center.signal(cmd.LegAnswered("call-1", leg_id), 31.0)
    outcome = center.signal(cmd.DigitsCollected("call-1", leg_id, "4", "max_digits"), 35.0)
    assert outcome.events == [ev.IvrDigits("call-1", "a1", leg_id, "Survey", "4", "max_digits")]
    assert outcome.instructions == []


def test_digits_after_a_transfer_to_an_ivr_are_reported_to_no_agent(center: Center) -> None:
    connected(center)
    transferred = center.handle(cmd.Transfer("a1", TransferKind.IVR, "Survey"), 30.0)
    [requested] = [e for e in transferred.events if isinstance(e, ev.TransferRequested)]
    leg_id = requested.leg_id
    assert leg_id is not None
    center.signal(cmd.LegAnswered("call-1", leg_id), 31.0)
    outcome = center.signal(cmd.DigitsCollected("call-1", leg_id, "", "timeout"), 40.0)
    assert outcome.events == [ev.IvrDigits("call-1", None, leg_id, "Survey", "", "timeout")]


def test_reports_for_other_legs_or_gone_calls_change_nothing(center: Center) -> None:
    connected(center)
    phone = confer(center, ConferenceKind.PHONE)
    assert center.signal(cmd.DigitsCollected("call-1", phone, "1", "max_digits"), 31.0).events == []
    assert center.signal(cmd.DigitsCollected("call-9", phone, "1", "max_digits"), 31.0).events == []
