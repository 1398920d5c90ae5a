"""The do-not-call list through the admin API: numbers never to be dialled, listed one at a
time or imported from a CSV file, read page by page, taken off one at a time.

A number in a path is URL-encoded (`+14085551212` is `%2B14085551212`) and may be written any
way a person writes it (`(408) 555-1212`); answers always give it in E.164."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.ports import DoNotCallEntry
from agentbar.services.do_not_call import (
    NOTE_LIMIT,
    PAGE_LIMIT,
    InvalidNote,
    MalformedCsv,
)
from agentbar.web.api.answers import ERRORS, NOT_FOUND, Answers, Problem
from agentbar.web.deps import ClientDep, DoNotCallDep, require_admin

_CURSOR = "`next` of the page before; none for the first page"
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
CSV_MEDIA_TYPE = "text/csv"


router = APIRouter(
    prefix="/api/v1/do-not-call",
    tags=["do-not-call"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

Phone = Annotated[
    str, Path(min_length=1, max_length=40, description="the number, URL-encoded; any notation")
]
UNSUPPORTED: Answers = {
    415: {"model": Problem, "description": "the body is not a CSV file; nothing was changed"}
}


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, Field(max_length=NOTE_LIMIT)] | None = None


class DoNotCallView(BaseModel):
    phone: str
    """E.164."""
    note: str | None
    addedAt: float
    """When the number was first listed (seconds since the epoch)."""


class DoNotCallPage(BaseModel):
    numbers: list[DoNotCallView]
    next: str | None
    """The `cursor` of the next page; null when this page holds the last number."""


class ImportedNumbers(BaseModel):
    added: int
    alreadyListed: int
    """Lines whose number was listed already (before the import, or earlier in the file)."""


def _view(entry: DoNotCallEntry) -> DoNotCallView:
    return DoNotCallView(phone=entry.phone, note=entry.note, addedAt=entry.added_at)


def _invalid(error: InvalidPhone | InvalidNote | MalformedCsv) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, error.message)


def _number(phone: str) -> str:
    """The path's number in E.164, or a 422 saying why it is not one."""
    try:
        return normalize_phone(phone)
    except InvalidPhone as error:
        raise _invalid(error) from None


def _not_listed(number: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"'{number}' is not on the do-not-call list")


@router.get("")
async def list_numbers(
    do_not_call: DoNotCallDep,
    cursor: Annotated[str | None, Query(max_length=40, description=_CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100,
) -> DoNotCallPage:
    """The listed numbers in order, a page at a time."""
    found, after = await do_not_call.page(cursor or None, limit)
    return DoNotCallPage(numbers=[_view(entry) for entry in found], next=after)


@router.post(
    "/import",
    responses=UNSUPPORTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def import_numbers(
    request: Request, do_not_call: DoNotCallDep, client: ClientDep
) -> ImportedNumbers:
    """List every number of a CSV file (`Content-Type: text/csv`, UTF-8): one number per line,
    optionally a note in a second column (quoted if it holds a comma), optionally a header
    line `phone,note`; blank lines are skipped. All or nothing: a bad line is refused (422
    naming the line and why) and nothing is stored. Numbers listed already keep their note."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the file as Content-Type: text/csv"
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            f"the file is not UTF-8 text (a bad byte at offset {error.start})",
        ) from None
    try:
        imported = await do_not_call.import_csv(text, client=client)
    except MalformedCsv as error:
        raise _invalid(error) from None
    return ImportedNumbers(added=imported.added, alreadyListed=imported.already_listed)


@router.get("/{phone}", responses=NOT_FOUND)
async def get_number(phone: Phone, do_not_call: DoNotCallDep) -> DoNotCallView:
    """The number's entry; 404 if it is not listed."""
    number = _number(phone)
    found = await do_not_call.entry(number)
    if found is None:
        raise _not_listed(number)
    return _view(found)


@router.put("/{phone}")
async def put_number(
    phone: Phone,
    do_not_call: DoNotCallDep,
    client: ClientDep,
    body: Annotated[NoteBody | None, Body()] = None,
) -> DoNotCallView:
    """List the number, with an optional note. Listing a number again changes only its note
    (none if none is given); it keeps the time it was first listed."""
    try:
        entry = await do_not_call.put(phone, body.note if body else None, client=client)
    except (InvalidPhone, InvalidNote) as error:
        raise _invalid(error) from None
    return _view(entry)


@router.delete("/{phone}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_number(phone: Phone, do_not_call: DoNotCallDep, client: ClientDep) -> Response:
    """Take the number off the list; 404 if it was not listed."""
    number = _number(phone)
    if not await do_not_call.remove(number, client=client):
        raise _not_listed(number)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
