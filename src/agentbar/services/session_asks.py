"""What a door's sessions ask the owner's, as JSON: a login to start (the credentials checked),
refusals back, and the door's socket reports sent one at a time in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agentbar.auth.login_tokens import TokenClaims
from agentbar.ports import AgentRecord
from agentbar.services.credentials import LoginFailed, Verified

log = logging.getLogger(__name__)


def start_args(verified: Verified, crm_origin: str, force: bool) -> dict[str, Any]:
    record, token = verified.agent, verified.token
    return {
        "agent": {
            "agentId": record.agent_id,
            "name": record.name,
            "campaignIds": sorted(record.campaign_ids),
            "authPolicy": record.auth_policy,
        },
        "crmSessionId": verified.crm_session_id,
        "token": None if token is None else {"sub": token.sub, "jti": token.jti, "exp": token.exp},
        "crmOrigin": crm_origin,
        "force": force,
    }


def verified_of(args: dict[str, Any]) -> Verified:
    """The checked credentials a door sent (no password hash crosses the link)."""
    agent, token = args["agent"], args["token"]
    return Verified(
        AgentRecord(
            agent["agentId"],
            agent["name"],
            None,
            frozenset(agent["campaignIds"]),
            agent["authPolicy"],
        ),
        args["crmSessionId"],
        None if token is None else TokenClaims(token["sub"], token["jti"], token["exp"]),
    )


def refusal(failed: LoginFailed) -> dict[str, Any]:
    return {"refused": {"code": failed.code, "message": failed.message, "counts": failed.counts}}


def refusal_raised(answer: dict[str, Any]) -> dict[str, Any]:
    """A door raises the refusal the owner's sessions answered."""
    refused = answer.get("refused")
    if refused is not None:
        raise LoginFailed(refused["code"], refused["message"], bool(refused["counts"]))
    return answer


class OrderedReports:
    """Reports sent one at a time, in the order they were made (a socket's opening before its
    closing); one that fails is logged and dropped: a new owner hears every socket anew."""

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[object]]) -> None:
        self._send = send
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def send(self, report: dict[str, Any]) -> None:
        self._queue.put_nowait(report)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while not self._queue.empty():
            report = self._queue.get_nowait()
            try:
                await self._send(report)
            except Exception as error:
                log.warning("telling the owner of sockets %s failed: %s", report, error)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
