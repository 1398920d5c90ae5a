"""The sample CRM's phone numbers: every way its contacts are written meets the E.164 of a pop."""

from __future__ import annotations

import pytest

from examples.crm.phones import InvalidPhone, display, normalise
from examples.crm.seed import CONTACTS


@pytest.mark.parametrize(
    "written",
    ["(415) 555-0101", "415.555.0101", "+1 415 555 0101", "+14155550101", "1-415-555-0101"],
)
def test_every_written_form_normalises_to_one_number(written: str) -> None:
    assert normalise(written) == "+14155550101"


def test_a_number_from_abroad_keeps_its_country() -> None:
    assert normalise("+44 20 7946 0958") == "+442079460958"
    assert display("+442079460958") == "+44 20 7946 0958"
    assert display("+14155550101") == "(415) 555-0101"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "a phone number is required"),
        ("   ", "a phone number is required"),
        ("call me", "'call me' is not a phone number"),
        ("12", "'12' is not a valid phone number"),
        ("+1 415 555", "'+1 415 555' is not a valid phone number"),
    ],
)
def test_what_is_not_a_number_says_why(written: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as raised:
        normalise(written)
    assert str(raised.value) == reason


def test_the_seeded_contacts_are_fifty_distinct_numbers_in_several_formats() -> None:
    assert len(CONTACTS) == 50
    assert len({normalise(c.phone) for c in CONTACTS}) == 50
    assert len({c.name for c in CONTACTS}) == 50
    # Not one format: a pop (E.164) finds most of them only through normalisation.
    assert sum(c.phone != normalise(c.phone) for c in CONTACTS) >= 30
    assert {c.status for c in CONTACTS} == {"lead", "customer"}
