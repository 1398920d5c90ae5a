"""A toolbar frame's answer: what its handler returned, or the refusal it raised, named."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agentbar.domain.model.errors import DomainError
from agentbar.services.credentials import UNKNOWN_ERROR
from agentbar.services.sessions import LoginFailed

log = logging.getLogger("agentbar.web.socket")


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


async def answer_of(
    frame_id: Any, cmd: str, handle: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """`{"re", "ok": true, …}` with what `handle` returned, or `{"re", "ok": false, "error"}`:
    a refusal by its own code, anything unforeseen as `internal_error` (logged, not told)."""
    try:
        return {"re": frame_id, "ok": True, **await handle()}
    except (Refused, LoginFailed, DomainError) as refusal:
        return {"re": frame_id, "ok": False, "error": error(refusal.code, refusal.message)}
    except Exception:
        log.exception("socket command %s failed", cmd)
        return {"re": frame_id, "ok": False, "error": error("internal_error", UNKNOWN_ERROR)}
