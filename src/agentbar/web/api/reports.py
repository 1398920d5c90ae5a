"""The reports through the admin API: a campaign's figures per interval, and each agent's
time and calls, over a range of at most 31 days; as JSON, or CSV with `format=csv` or
`Accept: text/csv` (docs/reports.md defines every measure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from agentbar.services.configuration import READABLE
from agentbar.services.reports import (
    AgentRow,
    IntervalRow,
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
    pairs,
    refusal,
    rounded,
    time_range,
    wants_csv,
)
from agentbar.web.deps import ReportsDep, require_admin

router = APIRouter(
    prefix="/api/v1/reports",
    tags=["reports"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

CampaignName = Annotated[str, Path(min_length=1, max_length=200, pattern=READABLE)]


class IntervalRowView(BaseModel):
    start: str
    offered: int
    answered: int
    abandoned: int
    shortAbandoned: int
    answeredWithinThreshold: int
    serviceLevel: float | None
    """Percent; null with no call counted."""
    asaSeconds: float | None
    ahtSeconds: float | None
    maxWaitSeconds: float
    averageWaiting: float
    """Calls waiting, on average over the interval."""


class IntervalReportView(BaseModel):
    campaign: str
    interval: int
    """Minutes."""
    serviceLevelSeconds: int
    shortAbandonSeconds: int
    rows: list[IntervalRowView]


class StateIntervalView(BaseModel):
    state: str
    reason: str | None
    start: str
    end: str


class AgentRowView(BaseModel):
    agentId: str
    name: str
    loggedInSeconds: float
    readySeconds: float
    notReadySeconds: float
    breakSeconds: float
    breaks: dict[str, float]
    """Seconds on break by reason."""
    handlingSeconds: float
    """On a call, dialing or conferenced in."""
    wrapUpSeconds: float
    occupancy: float | None
    """Percent; null with no time logged in outside breaks."""
    callsHandled: int
    talkSeconds: float
    holdSeconds: float
    wrapSeconds: float
    ahtSeconds: float | None
    dispositions: dict[str, int]
    intervals: list[StateIntervalView]


class AgentReportView(BaseModel):
    rows: list[AgentRowView]


def _interval_view(row: IntervalRow) -> IntervalRowView:
    return IntervalRowView(
        start=iso_time(row.start),
        offered=row.offered,
        answered=row.answered,
        abandoned=row.abandoned,
        shortAbandoned=row.short_abandoned,
        answeredWithinThreshold=row.answered_within,
        serviceLevel=rounded(row.service_level),
        asaSeconds=rounded(row.asa_seconds),
        ahtSeconds=rounded(row.aht_seconds),
        maxWaitSeconds=round(row.max_wait_seconds, 1),
        averageWaiting=round(row.average_waiting, 2),
    )


def _agent_view(row: AgentRow) -> AgentRowView:
    times = row.times
    return AgentRowView(
        agentId=row.agent_id,
        name=row.name,
        loggedInSeconds=round(times.logged_in, 1),
        readySeconds=round(times.ready, 1),
        notReadySeconds=round(times.not_ready, 1),
        breakSeconds=round(times.on_break, 1),
        breaks={reason: round(seconds, 1) for reason, seconds in times.breaks},
        handlingSeconds=round(times.handling, 1),
        wrapUpSeconds=round(times.wrap_up, 1),
        occupancy=rounded(row.occupancy),
        callsHandled=row.calls_handled,
        talkSeconds=round(row.talk_seconds, 1),
        holdSeconds=round(row.hold_seconds, 1),
        wrapSeconds=round(row.wrap_seconds, 1),
        ahtSeconds=rounded(row.aht_seconds),
        dispositions=dict(row.dispositions),
        intervals=[
            StateIntervalView(
                state=span.state,
                reason=span.reason,
                start=iso_time(span.start),
                end=iso_time(span.end),
            )
            for span in row.intervals
        ],
    )


INTERVAL_COLUMNS = tuple(IntervalRowView.model_fields)
AGENT_COLUMNS = tuple(name for name in AgentRowView.model_fields if name != "intervals")
"""An agent's state intervals are left out of the CSV: a row per agent."""


def _csv(
    columns: tuple[str, ...], rows: Sequence[BaseModel], kind: str, start: float, end: float
) -> Response:
    """A header of the columns' names, then a row for each; a mapping (breaks by reason,
    dispositions by code) is one cell: `Lunch=1800.0; Meeting=600.0`."""

    def cell(value: object) -> object:
        return pairs(value.items()) if isinstance(value, dict) else value

    dumped = [row.model_dump() for row in rows]
    lines = csv_lines([columns, *([cell(row[c]) for c in columns] for row in dumped)])
    return Response(
        lines,
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers=attachment(kind, start, end),
    )


@router.get(
    "/campaigns/{name}/intervals",
    response_model=IntervalReportView,
    responses={**CSV_ANSWER, **NOT_FOUND},
)
async def campaign_intervals(
    request: Request,
    name: CampaignName,
    reports: ReportsDep,
    start: From,
    end: To,
    interval: Annotated[int, Query(description="minutes: 15, 30 or 60")] = 60,
    format: Format = None,
) -> IntervalReportView | Response:
    """The campaign's calls, by the interval they were queued in: every interval from `from`
    up to `to` is a row, those without calls too. 404 for an unknown campaign; 422 for an
    interval other than 15, 30 or 60, a range over 31 days, or a `from` older than the
    retention keeps."""
    start_at, end_at = time_range(start, end)
    try:
        report = await reports.intervals(name, start_at, end_at, interval)
    except (ReportRefused, UnknownCampaign) as error:
        raise refusal(error) from None
    rows = [_interval_view(row) for row in report.rows]
    if wants_csv(request, format):
        return _csv(INTERVAL_COLUMNS, rows, "intervals", start_at, end_at)
    return IntervalReportView(
        campaign=report.campaign.name,
        interval=report.interval_minutes,
        serviceLevelSeconds=report.campaign.service_level_seconds,
        shortAbandonSeconds=report.campaign.short_abandon_seconds,
        rows=rows,
    )


@router.get("/agents", response_model=AgentReportView, responses=CSV_ANSWER)
async def agent_report(
    request: Request, reports: ReportsDep, start: From, end: To, format: Format = None
) -> AgentReportView | Response:
    """Each agent with a state or a call in [from, to): time by state, occupancy, calls
    handled and their figures, dispositions, and the state intervals themselves (left out
    of the CSV, whose breaks and dispositions are one cell each: `Lunch=1800.0; ...`)."""
    start_at, end_at = time_range(start, end)
    try:
        rows = [_agent_view(row) for row in await reports.agents(start_at, end_at)]
    except ReportRefused as error:
        raise refusal(error) from None
    if wants_csv(request, format):
        return _csv(AGENT_COLUMNS, rows, "agents", start_at, end_at)
    return AgentReportView(rows=rows)
