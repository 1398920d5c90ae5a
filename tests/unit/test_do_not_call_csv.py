"""Reading a do-not-call CSV file: numbers in E.164 with their notes and lines, an optional
header, blank lines skipped, quoted notes with commas; a bad line named with why."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentbar.services.do_not_call import IMPORT_LIMIT, CsvNumber, MalformedCsv, parse_csv


def refusal(text: str) -> str:
    with pytest.raises(MalformedCsv) as refused:
        parse_csv(text)
    return refused.value.message


def test_numbers_are_read_in_e164_with_their_notes_and_lines() -> None:
    text = "+14085551212\n(408) 555-1213,moved away\n+44 20 7946 0958, asked twice \n"
    assert parse_csv(text) == [
        CsvNumber(1, "+14085551212", None),
        CsvNumber(2, "+14085551213", "moved away"),
        CsvNumber(3, "+442079460958", "asked twice"),
    ]


def test_a_header_line_is_skipped_only_first_and_only_as_phone_note() -> None:
    assert parse_csv("phone,note\n+14085551212,x\n") == [CsvNumber(2, "+14085551212", "x")]
    assert parse_csv("\n Phone \n+14085551212\n") == [CsvNumber(3, "+14085551212", None)]
    assert refusal("+14085551212\nphone,note\n").startswith("line 2: 'phone' is not a phone")
    assert refusal("number,note\n+14085551212\n").startswith("line 1: 'number' is not a phone")


def test_blank_lines_are_skipped_and_still_counted() -> None:
    text = "\ufeff\r\n+14085551212\r\n   \r\n,\r\n+14085551213\r\n\r\n"
    assert parse_csv(text) == [
        CsvNumber(2, "+14085551212", None),
        CsvNumber(5, "+14085551213", None),
    ]
    assert parse_csv("") == []


def test_a_quoted_note_may_hold_commas_and_quotes() -> None:
    text = '+14085551212,"Smith, J. said ""never"""\n"+1 408 555 1213",\n'
    assert parse_csv(text) == [
        CsvNumber(1, "+14085551212", 'Smith, J. said "never"'),
        CsvNumber(2, "+14085551213", None),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("+14085551212\n\n+1 555\n", "line 3: '+1 555' is not a possible phone number"),
        ("+14085551212\nsoon\n", "line 2: 'soon' is not a phone number"),
        ("+14085551212,a,b\n", "line 1: expected a number and an optional note, found 3 columns"),
        (",a note\n", "line 1: no number before the note"),
        ("+14085551212\n" + "+14085551213," + "n" * 201, "line 2: a note holds at most 200"),
        ('+14085551212,"two\nlines"\n', "line 1: a note is one line of text"),
        ('+14085551212\n"+14085551213\n', "line 2: not valid CSV"),
        ('+14085551212\n"+14085551213"x\n', "line 2: not valid CSV"),
        ("+14085551212\n+1408\x005551213\n", "line 2: '+1408\x005551213' is not a phone"),
        ("+14085551212,a\u2028b\n", "line 1: a note is one line of text"),
    ],
)
def test_a_bad_line_is_named_with_why(text: str, why: str) -> None:
    assert refusal(text).startswith(why)


def test_lines_are_counted_as_an_editor_shows_them() -> None:
    # Only \n, \r and \r\n end a line: a form feed or U+2028 inside a note does not.
    assert refusal("+14085551212,a\x0cb\n+14085551213,a\u2028b\n+1 555\n").startswith("line 1:")
    assert refusal("+14085551212\r+14085551213\r\n+1 555\r\n").startswith("line 3:")
    assert refusal('+14085551212,"two\nlines"\n').startswith("line 1:")


def test_a_file_of_more_numbers_than_one_import_takes_is_refused() -> None:
    text = "+14085551212\n" * (IMPORT_LIMIT + 1)
    assert refusal(text) == (
        f"line {IMPORT_LIMIT + 1}: a file lists at most {IMPORT_LIMIT} numbers; import it in parts"
    )


PHONES = st.sampled_from(
    ["+14085551212", "+14085551213", "+442079460958", "+33142685300", "+4930901820"]
)
NOTES = st.none() | st.text(
    st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=40,
).filter(lambda note: note.strip() == note and note != "")


@given(
    st.lists(st.tuples(PHONES, NOTES, st.integers(0, 2)), max_size=20),
    st.booleans(),
)
def test_what_a_csv_writer_writes_reads_back_line_for_line(
    rows: list[tuple[str, str | None, int]], header: bool
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    expected: list[CsvNumber] = []
    line = 0
    if header:
        writer.writerow(["phone", "note"])
        line += 1
    for phone, note, blanks in rows:
        for _ in range(blanks):
            out.write("\n")
        line += blanks + 1
        writer.writerow([phone] if note is None else [phone, note])
        expected.append(CsvNumber(line, phone, note))
    assert parse_csv(out.getvalue()) == expected
