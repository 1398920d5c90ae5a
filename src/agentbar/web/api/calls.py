"""Call records (CDRs) through the admin API: every call queued in a range, with its legs,
transfers and measures, a page at a time as JSON, or every page of the range as one CSV
download streamed as it is read (docs/reports.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from agentbar.services.reports import (
    PAGE_LIMIT,
    CallReport,
    ReportRefused,
    UnknownCampaign,
    iso_time,
)
from agentbar.web.api.answers import ERRORS, NOT_FOUND
from agentbar.web.api.report_format import (
    CSV_ANSWER,
    CSV_MEDIA_TYPE,
    Format,
    From,
    To,
    attachment,
    csv_lines,
    refusal,
    rounded,
    time_range,
    wants_csv,
)
from agentbar.web.deps import ReportsDep, require_admin

router = APIRouter(
    prefix="/api/v1/calls", tags=["calls"], dependencies=[Depends(require_admin)], responses=ERRORS
)

CSV_CHUNK = 200
"""Calls written to the download at a time."""


class TransferView(BaseModel):
    transferId: str
    kind: str
    target: str
    agentId: str
    state: str
    newCallId: str | None


class LegView(BaseModel):
    legId: str
    kind: str
    party: str
    purpose: str
    startedAt: str
    answeredAt: str | None
    endedAt: str | None
    endReason: str | None


class CallView(BaseModel):
    callId: str
    callType: str
    campaignId: str
    campaign: str | None
    """The campaign's name."""
    phone: str
    agentId: str | None
    agents: list[str]
    """Every agent on the call: its own, and those conferenced or consulted in."""
    queuedAt: str
    offeredAt: str | None
    answeredAt: str | None
    endedAt: str | None
    disposedAt: str | None
    waitSeconds: float | None
    talkSeconds: float | None
    holdSeconds: float
    wrapSeconds: float | None
    endedBy: str | None
    outcome: str
    """in_progress, transferred, answered, failed_dial, short_abandon or abandoned."""
    dispositionClass: str | None
    dispositionCode: str | None
    recordId: str | None
    transferredFrom: str | None
    transfers: list[TransferView]
    legs: list[LegView]


class CallPage(BaseModel):
    calls: list[CallView]
    next: str | None
    """The `cursor` of the next page; null when this page holds the last call."""


CSV_COLUMNS = (
    "callId",
    "callType",
    "campaignId",
    "campaign",
    "phone",
    "agentId",
    "agents",
    "queuedAt",
    "offeredAt",
    "answeredAt",
    "endedAt",
    "disposedAt",
    "waitSeconds",
    "talkSeconds",
    "holdSeconds",
    "wrapSeconds",
    "endedBy",
    "outcome",
    "dispositionClass",
    "dispositionCode",
    "recordId",
    "transferredFrom",
    "transfers",
)
"""The download's columns: the call's own figures, its agents separated by spaces, and how
many transfers it had (its legs and transfers themselves are in the JSON answer)."""


def _time(at: float | None) -> str | None:
    return None if at is None else iso_time(at)


def _view(call: CallReport) -> CallView:
    record = call.record
    return CallView(
        callId=record.call_id,
        callType=record.call_type,
        campaignId=record.campaign_id,
        campaign=call.campaign,
        phone=record.phone,
        agentId=record.agent_id,
        agents=list(call.agents),
        queuedAt=iso_time(record.queued_at),
        offeredAt=_time(record.offered_at),
        answeredAt=_time(record.answered_at),
        endedAt=_time(record.ended_at),
        disposedAt=_time(record.disposed_at),
        waitSeconds=rounded(call.wait_seconds),
        talkSeconds=rounded(call.talk_seconds),
        holdSeconds=round(call.hold_seconds, 1),
        wrapSeconds=rounded(call.wrap_seconds),
        endedBy=record.ended_by,
        outcome=call.outcome.value,
        dispositionClass=record.disposition_class,
        dispositionCode=record.disposition_code,
        recordId=record.record_id,
        transferredFrom=record.transferred_from,
        transfers=[
            TransferView(
                transferId=t.transfer_id,
                kind=t.kind,
                target=t.target,
                agentId=t.agent_id,
                state=t.state,
                newCallId=t.new_call_id,
            )
            for t in record.transfers
        ],
        legs=[
            LegView(
                legId=leg.leg_id,
                kind=leg.kind,
                party=leg.party,
                purpose=leg.purpose,
                startedAt=iso_time(leg.started_at),
                answeredAt=_time(leg.answered_at),
                endedAt=_time(leg.ended_at),
                endReason=leg.end_reason,
            )
            for leg in record.legs
        ],
    )


def _csv_row(call: CallReport) -> list[object]:
    view = _view(call).model_dump()
    view["agents"] = " ".join(call.agents)
    view["transfers"] = len(call.record.transfers)
    return [view[column] for column in CSV_COLUMNS]


async def _csv(calls: AsyncIterator[CallReport]) -> AsyncIterator[str]:
    yield csv_lines([CSV_COLUMNS])
    chunk: list[list[object]] = []
    async for call in calls:
        chunk.append(_csv_row(call))
        if len(chunk) == CSV_CHUNK:
            yield csv_lines(chunk)
            chunk = []
    if chunk:
        yield csv_lines(chunk)


@router.get("", response_model=CallPage, responses={**CSV_ANSWER, **NOT_FOUND})
async def list_calls(
    request: Request,
    reports: ReportsDep,
    start: From,
    end: To,
    campaign: Annotated[str | None, Query(max_length=200, description="its name")] = None,
    agent: Annotated[
        str | None, Query(max_length=64, description="an agent id: the calls it was on")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=400, description="`next` of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100,
    format: Format = None,
) -> CallPage | Response:
    """The calls queued in [from, to), oldest first, a page at a time: pass `next` as
    `cursor` for the following page. As CSV, every call of the range in one download (no
    cursor, no limit). 404 for an unknown campaign; 422 for a bad range or cursor, or a
    `from` older than the retention keeps."""
    start_at, end_at = time_range(start, end)
    try:
        if wants_csv(request, format):
            calls = await reports.call_stream(start_at, end_at, campaign, agent)
            return StreamingResponse(
                _csv(calls),
                media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
                headers=attachment("calls", start_at, end_at),
            )
        found, following = await reports.call_page(start_at, end_at, campaign, agent, cursor, limit)
    except (ReportRefused, UnknownCampaign) as error:
        raise refusal(error) from None
    return CallPage(calls=[_view(call) for call in found], next=following)
