"""The audit log: who logged in, who was refused and why, how sessions ended, what admins did.

Never a password or a token: an entry holds an action, the user name given, the client's
address and a reason (a reason code for refusals, the ending reason for logouts).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from agentbar.ports import AuditEntry, AuditLog, Clock

LOGIN = "login"
LOGIN_FAILED = "login_failed"
FORCE_LOGIN = "force_login"
LOGOUT = "logout"
ADMIN_LOGOUT = "admin_logout"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _bounded(text: str | None, limit: int) -> str | None:
    """Whatever a client sent, stored as one bounded line."""
    return None if text is None else _CONTROL.sub("?", text)[:limit]


class Audit:
    def __init__(self, storage: AuditLog, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self.changed: Callable[[], Awaitable[None]] | None = None
        """Told after every administrator's change, once this node has it in force: the
        other nodes of a cluster reload what is stored."""

    async def record(
        self,
        action: str,
        username: str | None,
        client: str | None = None,
        reason: str | None = None,
    ) -> None:
        await self._storage.append_audit(
            self._clock.now(),
            action,
            _bounded(username, 64),
            _bounded(client, 100),
            _bounded(reason, 200),
        )

    async def change(self, action: str, client: str | None, what: str) -> None:
        """An administrator's change (ADMIN_PUT, ADMIN_DELETE, ADMIN_IMPORT): `what` names it,
        e.g. "ivr 'Survey'"; admins act by token, so there is no user name."""
        await self.record(action, None, client, what)
        if self.changed is not None:
            await self.changed()

    async def after(self, after: int, limit: int) -> Sequence[AuditEntry]:
        return await self._storage.audit_after(after, limit)


ADMIN_PUT = "admin_put"
ADMIN_DELETE = "admin_delete"
ADMIN_IMPORT = "admin_import"
"""Admin changes: `reason` names what was changed, e.g. "ivr 'Survey'"."""
