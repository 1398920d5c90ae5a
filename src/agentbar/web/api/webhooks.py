"""Webhooks through the admin API: configure receivers, read their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentbar.services.outbound_urls import PrivateTarget
from agentbar.web.api.answers import ERRORS, NOT_FOUND, refused
from agentbar.web.deps import ClientDep, WebhookReceiversDep, require_admin

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
async def put_webhook(
    name: Name, body: WebhookBody, receivers: WebhookReceiversDep, client: ClientDep
) -> None:
    """Add a receiver (events from now on, or after `fromSeq`), or change its URL and secret.
    A URL whose host is, or resolves to, a loopback, link-local or private address is refused
    (422) unless AGENTBAR_ALLOW_PRIVATE_TARGETS is set."""
    try:
        await receivers.put(name, body.url, body.secret, body.fromSeq, client=client)
    except PrivateTarget as error:
        raise refused(error) from None


@router.get("")
async def list_webhooks(receivers: WebhookReceiversDep) -> list[WebhookView]:
    """The receivers, each with the last event it acknowledged (the secret is not shown)."""
    return [
        WebhookView(name=r.name, url=r.url, deliveredUpTo=r.delivered_up_to)
        for r in await receivers.receivers()
    ]


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_webhook(name: Name, receivers: WebhookReceiversDep, client: ClientDep) -> Response:
    if not await receivers.remove(name, client=client):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/deliveries")
async def deliveries(
    name: Name,
    receivers: WebhookReceiversDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryView]:
    """The latest delivery attempts, oldest first: seq, attempt, at, status, detail."""
    found = await receivers.deliveries(name, limit)
    return [DeliveryView(**row) for row in found]
