"""A toolbar frame's answer: what its handler returned, or the refusal it raised, named; and
the frames that are one command of the agent's each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agentbar.domain.model import commands as cmd
from agentbar.domain.model.errors import DomainError
from agentbar.services.credentials import UNKNOWN_ERROR
from agentbar.services.sessions import LoginFailed
from agentbar.web import frames as f

log = logging.getLogger("agentbar.web.socket")


PLAIN_COMMANDS: dict[type[Any], Callable[[str, Any], cmd.Command]] = {
    f.SelectCampaign: lambda agent, frame: cmd.SelectCampaign(agent, frame.campaignId),
    f.Ready: lambda agent, frame: cmd.GoReady(agent),
    f.Break: lambda agent, frame: cmd.TakeBreak(agent, frame.reason),
    f.AutoCall: lambda agent, frame: cmd.SetAutoCall(agent, frame.on),
    f.HangUp: lambda agent, frame: cmd.HangUp(agent),
    f.SkipLead: lambda agent, frame: cmd.SkipLead(agent),
    f.Hold: lambda agent, frame: cmd.Hold(agent),
    f.ResumeCall: lambda agent, frame: cmd.Resume(agent),
    f.CompleteTransfer: lambda agent, frame: cmd.CompleteTransfer(agent),
    f.CancelTransfer: lambda agent, frame: cmd.CancelTransfer(agent),
    f.DropLeg: lambda agent, frame: cmd.DropLeg(agent, frame.legId),
}
"""Frames answered by the agent's command made of them, with nothing more (`{}`)."""


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
