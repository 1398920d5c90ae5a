"""What every stage of a run shares: the page, the server, the journey, the scorecard being
filled, and how a page's handler fared (registered? called? did it throw?)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from agentbar.conformance.catalog import KNOWN_HANDLERS
from agentbar.conformance.journey import Journey
from agentbar.conformance.page import CrmPage, Record
from agentbar.conformance.sandbox import Agentbar
from agentbar.conformance.scorecard import Result, Scorecard


@dataclass(frozen=True)
class HandlerState:
    """How the page's handler `name` fared since a moment."""

    name: str
    registered: bool
    calls: list[Record]
    errors: list[Record]

    @property
    def ran(self) -> bool:
        return any(call.get("callable") for call in self.calls) and not self.errors

    def problem(self) -> str | None:
        """Why the page's handler did not do its part, or None if it ran cleanly."""
        if self.errors:
            return f"the page's {self.name} threw: {_first_line(self.errors[0].get('error', ''))}"
        if not self.registered:
            return f"the page registers no {self.name}"
        if not self.calls:
            return f"the page's {self.name} was not called"
        if not any(call.get("callable") for call in self.calls):
            return f"the object registered as {self.name} has no {self.name} method"
        return None


@dataclass
class Run:
    crm: CrmPage
    server: Agentbar
    journey: Journey
    card: Scorecard
    username: str | None = None
    password: str | None = None
    crm_url: str = ""  # the page the run opened first (--crm-url)
    own_sandbox: bool = True  # the kit started the server (its demo agents' passwords known)

    # -- results ---------------------------------------------------------------------------

    def passed(self, check_id: str, reason: str) -> None:
        self.card.record(check_id, Result.PASS, reason)

    def failed(self, check_id: str, reason: str, *, blocked_by: str | None = None) -> None:
        """A failure, with a screenshot of the page as it is now (none for a blocked check:
        the check that blocked it has one)."""
        shot = None if blocked_by or check_id in self.card.results else self.crm.screenshot()
        self.card.record(check_id, Result.FAIL, reason, blocked_by=blocked_by, screenshot=shot)

    def not_used(self, check_id: str, reason: str) -> None:
        self.card.record(check_id, Result.NOT_USED, reason)

    def blocked(self, check_ids: Iterable[str], by: str, reason: str) -> None:
        for check_id in check_ids:
            self.failed(check_id, reason, blocked_by=by)

    # -- the page's handlers ---------------------------------------------------------------

    def handler(self, name: str, since: int = 0, crm: CrmPage | None = None) -> HandlerState:
        """How the handler fared in `crm` (the run's page by default)."""
        records = (crm or self.crm).records()
        registered = any(
            r["kind"] == "register" and r["name"] == name and r.get("shape") == "object"
            for r in records
        )
        calls = [
            r for r in records if r["kind"] == "handler" and r["name"] == name and r["t"] >= since
        ]
        errors = [
            r
            for r in records
            if r["kind"] == "handler_error" and r["name"] == name and r["t"] >= since
        ]
        return HandlerState(name, registered, calls, errors)

    def handler_failure(
        self, name: str, since: int = 0, crm: CrmPage | None = None
    ) -> tuple[str, str | None] | None:
        """(why, blocked_by) when the page's handler `name` did not run cleanly; blocked by
        handlers.names when the page registered a misspelling of it instead."""
        state = self.handler(name, since, crm)
        problem = state.problem()
        if problem is None:
            return None
        if not state.registered:
            for wrong in misspellings(self.registered_names()):
                if wrong[1] == name:
                    return f"{problem} ('{wrong[0]}' is registered instead)", "handlers.names"
        return problem, None

    def registered_names(self) -> list[Record]:
        return [r for r in self.crm.records() if r["kind"] == "register"]


def misspellings(registrations: list[Record]) -> list[tuple[str, str | None]]:
    """(registered name, the handler name it resembles or None) for every registration under
    a name the toolbar never fires."""
    found: dict[str, str | None] = {}
    for registration in registrations:
        name = registration["name"]
        if name in KNOWN_HANDLERS or name in found:
            continue
        found[name] = suggestion(name)
    return list(found.items())


def suggestion(name: str) -> str | None:
    folded = {known.lower(): known for known in KNOWN_HANDLERS}
    if name.lower() in folded:
        return folded[name.lower()]
    close = difflib.get_close_matches(name, sorted(KNOWN_HANDLERS), n=1, cutoff=0.8)
    return close[0] if close else None


def _first_line(text: str) -> str:
    text = str(text).strip()
    return text.splitlines()[0] if text else "an error"
