"""Webhooks through the admin API: configure receivers, read their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.services.audit import ADMIN_DELETE, ADMIN_PUT
from agentbar.web.api.changes import ERRORS, NOT_FOUND, audit_change
from agentbar.web.security import require_admin

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)

Name = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Field(min_length=8, max_length=1000, pattern=r"^https?://")]
    secret: Annotated[str, Field(min_length=16, max_length=200)]
    fromSeq: Annotated[int, Field(ge=0)] | None = None
    """Deliver events after this seq (a new webhook); default: from now on."""


class WebhookView(BaseModel):
    name: str
    url: str
    deliveredUpTo: int
    """The seq of the last event the receiver acknowledged."""


class DeliveryView(BaseModel):
    delivery_id: int
    webhook: str
    seq: int
    attempt: int
    at: float
    status: str
    """delivered, or what failed."""
    detail: str | None


@router.put("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_webhook(name: Name, body: WebhookBody, request: Request) -> None:
    """Add a receiver (events from now on, or after `fromSeq`), or change its URL and secret."""
    container = request.app.state.container
    cursor = body.fromSeq if body.fromSeq is not None else await container.storage.events.last_seq()
    container.storage.webhooks.put_webhook(name, body.url, body.secret, cursor)
    container.webhooks.changed()
    await audit_change(request, ADMIN_PUT, f"webhook '{name}'")


@router.get("")
async def list_webhooks(request: Request) -> list[WebhookView]:
    """The receivers, each with the last event it acknowledged (the secret is not shown)."""
    found = request.app.state.container.storage.webhooks.webhooks()
    return [WebhookView(name=n, url=u, deliveredUpTo=c) for n, u, _, c in found]


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_webhook(name: Name, request: Request) -> Response:
    container = request.app.state.container
    if not container.storage.webhooks.delete_webhook(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook '{name}'")
    container.webhooks.changed()
    await audit_change(request, ADMIN_DELETE, f"webhook '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/deliveries")
async def deliveries(
    name: Name, request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[DeliveryView]:
    """The latest delivery attempts, oldest first: seq, attempt, at, status, detail."""
    found = request.app.state.container.storage.webhooks.deliveries(name, limit)
    return [DeliveryView(**row) for row in found]
