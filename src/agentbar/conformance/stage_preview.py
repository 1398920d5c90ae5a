"""A preview call's screen pop (SPEC §3 `showCrm`): the agent works the demo's preview
campaign, the admin API adds a lead for the journey's caller, the kit dials it from the
toolbar's preview, and the call must pop in the page and be acknowledged like any call."""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError

from agentbar.conformance.context import Run
from agentbar.conformance.stage_calls import check_pop, settle

PREVIEW_CAMPAIGN = "Outbound Sales"  # the sandbox's outbound campaign, in preview mode


def check_preview(run: Run) -> None:
    """screen_pop.preview, then the call hung up and disposed (the agent stays in the preview
    campaign: made after the checks that need the inbound one)."""
    crm = run.crm
    settle(run)
    try:
        crm.control("campaign-select").select_option(label=PREVIEW_CAMPAIGN, timeout=crm.timeout_ms)
    except PlaywrightError:
        run.not_used(
            "screen_pop.preview",
            f"the toolbar offers this agent no preview campaign '{PREVIEW_CAMPAIGN}'",
        )
        return
    if crm.agent_state() != "ready":
        # A toolbar that offers no ready button fails the wait for ready, below.
        with contextlib.suppress(PlaywrightError):
            crm.control("ready").click(timeout=crm.timeout_ms)
    if not crm.wait_state("ready"):
        run.failed("screen_pop.preview", f"the agent did not become ready in '{PREVIEW_CAMPAIGN}'")
        return
    refused = run.server.add_lead(PREVIEW_CAMPAIGN, run.journey.caller)
    if refused is not None:
        run.not_used(
            "screen_pop.preview", f"the server added no lead to '{PREVIEW_CAMPAIGN}': {refused}"
        )
        return
    since = crm.now()
    try:
        crm.control("preview-dial").click(timeout=crm.timeout_ms)
    except PlaywrightError:
        run.failed(
            "screen_pop.preview",
            f"the lead for {run.journey.caller} was never offered in the toolbar's preview",
        )
        return
    pop = check_pop(run, "screen_pop.preview", since, "preview")
    call_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
    if call_id:
        ended_at = crm.now()
        run.server.hang_up(str(call_id))
        crm.wait_record("event", ["hangupHandler"], since=ended_at)
    settle(run)
