"""What every admin change shares: its entry in the audit log, and how refusals answer."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel

from agentbar.domain.model.errors import DomainError
from agentbar.services.audit import Audit
from agentbar.services.provisioning import InUse


class Problem(BaseModel):
    """Why a request was refused: a sentence, or (for malformed input) the fields at fault."""

    detail: str | list[dict[str, Any]]


Answers = dict[int | str, dict[str, Any]]

ERRORS: Answers = {
    401: {"model": Problem, "description": "no admin token"},
    403: {"model": Problem, "description": "the admin token is not valid"},
    422: {"model": Problem, "description": "the input is not valid; nothing was changed"},
}
"""Answers every admin endpoint may give, declared so the OpenAPI description is honest."""

CONFLICT: Answers = {409: {"model": Problem, "description": "in use; nothing was changed"}}
NOT_FOUND: Answers = {404: {"model": Problem, "description": "no such resource"}}


async def audit_change(request: Request, action: str, what: str) -> None:
    audit: Audit = request.app.state.container.audit
    client = request.client.host if request.client else None
    await audit.record(action, None, client, what)


def refused(error: DomainError) -> HTTPException:
    """A refused change: 409 when something in use blocks it, else 422 with what is wrong."""
    return HTTPException(409 if isinstance(error, InUse) else 422, error.message)
