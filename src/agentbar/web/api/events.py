"""The events API: every stored event after a cursor, for catching up (or webhooks replay)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from agentbar.web.api.answers import ERRORS
from agentbar.web.deps import EventReplayDep, require_admin

router = APIRouter(
    prefix="/api/v1", tags=["events"], dependencies=[Depends(require_admin)], responses=ERRORS
)


class EventPage(BaseModel):
    events: list[dict[str, Any]]
    last: int
    """The cursor to ask from next: the last event's seq (or `after` when there was none)."""


@router.get("/events")
async def events(
    event_replay: EventReplayDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EventPage:
    """Events with `seq` greater than `after`, oldest first, at most `limit`."""
    found = await event_replay.since(after, limit)
    frames = [{**e.frame(), "agentId": e.agent_id, "callId": e.call_id} for e in found]
    return EventPage(events=frames, last=found[-1].seq if found else after)
