"""Several tabs and a refresh (SPEC §3 `showCrm`): with the CRM page open in two tabs a call
pops in one of them only, and a page refreshed mid-call does not pop that call again."""

from __future__ import annotations

from agentbar.conformance.context import Run
from agentbar.conformance.page import CrmPage, Record
from agentbar.conformance.stage_calls import settle

# After a refresh mid-call, how long a second pop of the call has to show: one would come as
# the resumed session replays what the tab missed, at once. A pop that never comes sends no
# event to wait on, so this wait is spent in full.
POP_AGAIN_GRACE = 2.0


def check_tabs_and_refresh(run: Run) -> None:
    """tabs.one_pop with a second tab open; tabs.refresh_mid_call on the same call."""
    settle(run)
    second = _second_tab(run)
    if second is None:
        run.failed(
            "tabs.one_pop",
            f"a second tab of {run.crm.page.url} never resumed the toolbar's session "
            f"(no loginStatusHandler('logged in') within {run.crm.timeout:g} s)"
            + run.crm.storage_hint(),
        )
        run.failed("tabs.refresh_mid_call", "not checked", blocked_by="tabs.one_pop")
        return
    since = run.crm.now()
    call_id = run.server.place_call(run.journey.caller, run.journey.campaign)
    try:
        pop = _one_pop(run, second, since)
    finally:
        second.page.close()
    if pop is not None:
        _refresh_mid_call(run, pop)
    ended_at = run.crm.now()
    run.server.hang_up(call_id)
    run.crm.wait_record("event", ["hangupHandler"], since=ended_at)
    settle(run)


def _second_tab(run: Run) -> CrmPage | None:
    second = CrmPage(run.crm.page.context.new_page(), run.crm.timeout)
    second.page.goto(run.crm.page.url, timeout=run.crm.timeout_ms)
    status = second.wait_record("event", ["loginStatusHandler"])
    if status is None or (status.get("data") or {}).get("reason") != "logged in":
        second.page.close()
        return None
    return second


def _one_pop(run: Run, second: CrmPage, since: int) -> Record | None:
    """The call's pop in the tab that leads, and in no other; None if it never popped."""
    pop = run.crm.wait_record("event", ["showCrm"], since=since)
    tabs = [run.crm, second] if pop is not None else [second, run.crm]
    if pop is None:
        pop = second.wait_record("event", ["showCrm"], since=since, timeout=0.5)
    if pop is None:
        run.failed("tabs.one_pop", "with two tabs open, the call popped in neither")
        return None
    request_id = (pop.get("data") or {}).get("requestId")
    # The leading tab's acknowledgement took a round trip to the server: a pop in the other
    # tab, sent with the first, has come by then.
    tabs[0].wait_record("event", since=pop["t"], prefix="recordInfoForShowCrm_")
    pops = [
        record
        for tab in tabs
        for record in tab.find("event", ["showCrm"], since)
        if (record.get("data") or {}).get("requestId") == request_id
    ]
    if len(pops) != 1:
        run.failed(
            "tabs.one_pop",
            f"with two tabs open, the call popped {len(pops)} times (showCrm with "
            f"requestId '{request_id}'): one tab must pop it",
        )
        return pop
    which = "the first" if tabs[0] is run.crm else "the second"
    run.passed("tabs.one_pop", f"with two tabs open, the call popped once, in {which} tab")
    return pop


def _refresh_mid_call(run: Run, pop: Record) -> None:
    crm = run.crm
    request_id = (pop.get("data") or {}).get("requestId")
    since = crm.now()
    crm.page.reload(timeout=crm.timeout_ms)
    status = crm.wait_record("event", ["loginStatusHandler"], since=since)
    if status is None or (status.get("data") or {}).get("reason") != "logged in":
        run.failed(
            "tabs.refresh_mid_call",
            "the page refreshed mid-call did not resume the session (no "
            "loginStatusHandler('logged in'))" + crm.storage_hint(),
        )
        return
    again = crm.wait_record("event", ["showCrm"], since=since, timeout=POP_AGAIN_GRACE)
    if again is not None and (again.get("data") or {}).get("requestId") == request_id:
        run.failed(
            "tabs.refresh_mid_call",
            f"the page refreshed mid-call popped the call again (showCrm with requestId "
            f"'{request_id}')",
        )
        return
    run.passed(
        "tabs.refresh_mid_call",
        f"the page refreshed mid-call resumed the session and did not pop the call again "
        f"(none within {POP_AGAIN_GRACE:g} s)",
    )
