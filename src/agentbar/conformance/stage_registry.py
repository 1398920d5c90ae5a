"""What the page registered (SPEC §1.4, §3): every name a handler the toolbar fires, the
onLoadHandler that fired, and the optional handler groups (registered or not used)."""

from __future__ import annotations

from agentbar.conformance.catalog import (
    AUTO_CALL_HANDLERS,
    CONFERENCE_HANDLERS,
    PRESENCE_HANDLERS,
    TRANSFER_HANDLERS,
)
from agentbar.conformance.context import Run, misspellings

GROUPS = {
    "presence.handlers": PRESENCE_HANDLERS,
    "auto_call.handlers": AUTO_CALL_HANDLERS,
    "transfer.handlers": TRANSFER_HANDLERS,
    "conference.handlers": CONFERENCE_HANDLERS,
}


def check_names(run: Run) -> None:
    registrations = run.registered_names()
    problems = []
    for name, like in misspellings(registrations):
        hint = f" (did you mean '{like}'?)" if like else ""
        problems.append(f"'{name}' is no handler name the toolbar fires{hint}")
    for registration in registrations:
        name = registration["name"]
        if registration.get("shape") == "function":
            problems.append(
                f"registerCustomFunction('{name}', fn) passes a function: pass an object "
                f"carrying it, {{{name}: fn}}"
            )
        elif registration.get("shape") == "nothing":
            problems.append(f"registerCustomFunction('{name}', …) passes nothing to call")
    if problems:
        run.failed("handlers.names", "; ".join(dict.fromkeys(problems)))
        return
    names = sorted({r["name"] for r in registrations})
    run.passed(
        "handlers.names", f"{len(names)} handlers registered, every name one the toolbar fires"
    )


def check_on_load(run: Run, loaded: bool) -> None:
    """lifecycle.on_load (a toolbar that never loaded is scored with the embedding). The page
    need not register onLoadHandler; if it does (or misspells it), the handler must run."""
    if not loaded:
        return
    state = run.handler("onLoadHandler")
    failure = run.handler_failure("onLoadHandler")
    if failure is not None and (state.registered or failure[1] is not None):
        run.failed("lifecycle.on_load", failure[0], blocked_by=failure[1])
    elif state.registered:
        run.passed("lifecycle.on_load", "the toolbar fired onLoadHandler and the page's ran")
    else:
        run.passed(
            "lifecycle.on_load",
            "the toolbar fired onLoadHandler (the page does not register it; it need not)",
        )


def check_groups(run: Run) -> None:
    """Optional handlers: a group is used when any of its names is registered; a registered
    handler that threw when the kit's run fired it fails the group."""
    for check_id, names in GROUPS.items():
        states = [run.handler(name) for name in names]
        threw = [state for state in states if state.errors]
        registered = [state.name for state in states if state.registered]
        if threw:
            run.failed(check_id, threw[0].problem() or f"{threw[0].name} threw")
        elif registered:
            fired = [state.name for state in states if state.ran]
            ran = f"; {', '.join(fired)} ran" if fired else ""
            run.passed(check_id, f"registered: {', '.join(registered)}{ran}")
        else:
            run.not_used(check_id, f"none registered ({', '.join(names)})")
