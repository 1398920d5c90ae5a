"""How admin endpoints answer: the refusals they may give, declared for the OpenAPI
description, and a refused change translated into its HTTP answer."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel

from agentbar.domain.model.errors import DomainError
from agentbar.services.provisioning import InUse


class Problem(BaseModel):
    """Why a request was refused: a sentence, or (for malformed input) the fields at fault."""

    detail: str | list[dict[str, Any]]


class Unavailable(BaseModel):
    """Why the server could not take the request now (`503`, with `Retry-After`)."""

    detail: str
    code: str
    """`busy`, `storage_unavailable`, `starting`, `call_not_taken`: nothing was done, send it
    again after `Retry-After`. `floor_unavailable`: not acknowledged, and perhaps done; check
    before sending it again (docs/api.md, "Try again")."""


Answers = dict[int | str, dict[str, Any]]

ERRORS: Answers = {
    401: {"model": Problem, "description": "no admin token"},
    403: {"model": Problem, "description": "the admin token is not valid"},
    413: {"model": Problem, "description": "the body is larger than the server's limit"},
    429: {"model": Problem, "description": "too many wrong admin tokens from this address"},
    422: {"model": Problem, "description": "the input is not valid; nothing was changed"},
    503: {
        "model": Unavailable,
        "description": "the server could not take it now; `code` says whether to send it again",
    },
}
"""Answers every admin endpoint may give, declared so the OpenAPI description is honest."""

CONFLICT: Answers = {409: {"model": Problem, "description": "in use; nothing was changed"}}
NOT_FOUND: Answers = {404: {"model": Problem, "description": "no such resource"}}


def refused(error: DomainError) -> HTTPException:
    """A refused change: 409 when something in use blocks it, else 422 with what is wrong."""
    return HTTPException(409 if isinstance(error, InUse) else 422, error.message)
