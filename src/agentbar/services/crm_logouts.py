"""Telling the CRM that a CRM-backed session ended, without making anyone wait for it.

Each logout is a background task with the SSO client's own time-outs; a failure is logged,
never raised into the ending session. Tasks are kept until done, so none is lost or leaked,
and `stop` gives the unfinished ones a moment, then cancels them.
"""

from __future__ import annotations

import asyncio
import logging

from agentbar.auth.crm_sso import CrmSso, SsoUnavailable

log = logging.getLogger(__name__)


class CrmLogouts:
    def __init__(self, sso: CrmSso) -> None:
        self._sso = sso
        self._pending: set[asyncio.Task[None]] = set()

    def send(self, crm_session_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._logout(crm_session_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _logout(self, crm_session_id: str) -> None:
        try:
            answer = await self._sso.logout(crm_session_id)
        except SsoUnavailable as error:
            log.warning("CRM logout of session %s failed: %s", crm_session_id, error)
            return
        if not answer.success:
            log.warning("CRM refused logout of session %s: %r", crm_session_id, answer.message)

    async def settle(self) -> None:
        """Wait until every logout sent so far is done (tests, and a graceful stop)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def stop(self, grace: float = 2.0) -> None:
        if not self._pending:
            return
        _, unfinished = await asyncio.wait(set(self._pending), timeout=grace)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
