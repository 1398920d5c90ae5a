"""What the calls and reports endpoints share: the range they are asked for, their refusals,
and how they answer in CSV (asked with `format=csv` or `Accept: text/csv`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import HTTPException, Query, Request, status

from agentbar.services.reports import ReportRefused, UnknownCampaign, parse_time
from agentbar.web.api.answers import Answers

CSV_MEDIA_TYPE = "text/csv"

_TIME = (
    "ISO 8601 with a zone, e.g. 2026-12-05T09:00:00Z or 2026-12-05T10:00:00+01:00; "
    "the range is [from, to)"
)
From = Annotated[
    str,
    Query(
        alias="from",
        min_length=1,
        max_length=64,
        description=_TIME,
        json_schema_extra={"format": "date-time"},
    ),
]
To = Annotated[
    str,
    Query(
        alias="to",
        min_length=1,
        max_length=64,
        description=_TIME,
        json_schema_extra={"format": "date-time"},
    ),
]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="csv: the same as `Accept: text/csv`"),
]

CSV_ANSWER: Answers = {
    200: {
        "description": "JSON; or CSV with `format=csv` or `Accept: text/csv`",
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
    },
}

# A spreadsheet takes a cell starting with one of these for a formula; a number (a phone in
# E.164, a negative figure) is left as it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def time_range(start: str, end: str) -> tuple[float, float]:
    """The range's bounds in seconds since the epoch, or a 422 saying which is wrong."""
    try:
        return parse_time(start, "from"), parse_time(end, "to")
    except ReportRefused as error:
        raise refusal(error) from None


def refusal(error: ReportRefused | UnknownCampaign) -> HTTPException:
    """404 for a campaign that does not exist; 422 for any other input that is not valid."""
    if isinstance(error, UnknownCampaign):
        return HTTPException(status.HTTP_404_NOT_FOUND, error.message)
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, error.message)


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accepted = request.headers.get("accept", "").split(",")
    return any(part.split(";", 1)[0].strip().lower() == CSV_MEDIA_TYPE for part in accepted)


def rounded(value: float | None) -> float | None:
    """Seconds and percentages to a tenth."""
    return None if value is None else round(value, 1)


def csv_lines(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV; None is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def pairs(values: Iterable[tuple[str, float]]) -> str:
    """`{reason: seconds}` in one cell: `Lunch=1800.0; Meeting=600.0`."""
    return "; ".join(f"{key}={value}" for key, value in values)


def attachment(kind: str, start: float, end: float) -> dict[str, str]:
    """The headers of a CSV download named after what it holds and its range."""

    def stamp(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y%m%dT%H%M%SZ")

    name = f"{kind}-{stamp(start)}-{stamp(end)}.csv"
    return {"Content-Disposition": f'attachment; filename="{name}"'}
