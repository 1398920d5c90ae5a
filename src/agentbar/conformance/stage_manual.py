"""A manual call's screen pop (SPEC §3 `showCrm`): the kit dials the journey's caller as the
agent would, in the toolbar's own dial box, and the call must pop in the page and be
acknowledged like any call."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError

from agentbar.conformance.context import Run
from agentbar.conformance.stage_calls import check_pop, settle


def check_manual(run: Run) -> None:
    """screen_pop.manual, then the call hung up and disposed."""
    crm = run.crm
    settle(run)
    since = crm.now()
    try:
        crm.control("dial-number").fill(run.journey.caller, timeout=crm.timeout_ms)
        crm.control("dial").click(timeout=crm.timeout_ms)
    except PlaywrightError as error:
        run.not_used(
            "screen_pop.manual",
            f"the kit could not dial in the toolbar: {str(error).splitlines()[0]}",
        )
        return
    pop = check_pop(run, "screen_pop.manual", since, "manual")
    call_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
    if call_id:
        ended_at = crm.now()
        run.server.hang_up(str(call_id))
        crm.wait_record("event", ["hangupHandler"], since=ended_at)
    settle(run)
