"""A progressive call's screen pop (SPEC §3 `showCrm`): the admin API makes an outbound
campaign dialling in progressive mode for the agent, the agent works it with auto-call on, a
lead for the journey's caller is added, and the dialer's call must pop and be acknowledged."""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError

from agentbar.conformance.context import Run
from agentbar.conformance.sandbox import Agentbar
from agentbar.conformance.stage_calls import check_pop, settle

PROGRESSIVE_CAMPAIGN = "Conformance Progressive"


SANDBOX_AGENTS = tuple(f"agent{n}" for n in range(1, 6))  # the demo's agents


def prepare(server: Agentbar) -> str | None:
    """The campaign made in the sandbox before the page opens, so the toolbar offers it at
    login: why not, or None."""
    return server.put_progressive_campaign(PROGRESSIVE_CAMPAIGN, list(SANDBOX_AGENTS))


def check_progressive(run: Run, unprepared: str | None) -> None:
    """screen_pop.progressive, then the call hung up and disposed (auto-call stays on: the
    campaign has no other lead, and the checks after this one need no campaign)."""
    crm = run.crm
    if unprepared is not None:
        run.not_used("screen_pop.progressive", f"no progressive campaign: {unprepared}")
        return
    settle(run)
    try:
        crm.control("campaign-select").select_option(
            label=PROGRESSIVE_CAMPAIGN, timeout=crm.timeout_ms
        )
    except PlaywrightError:
        run.not_used(
            "screen_pop.progressive",
            f"the toolbar does not offer the campaign '{PROGRESSIVE_CAMPAIGN}' the kit made",
        )
        return
    if crm.agent_state() != "ready":
        # A toolbar that offers no ready button fails the wait for ready, below.
        with contextlib.suppress(PlaywrightError):
            crm.control("ready").click(timeout=crm.timeout_ms)
    if not crm.wait_state("ready"):
        run.failed("screen_pop.progressive", "the agent did not become ready in it")
        return
    with contextlib.suppress(PlaywrightError):
        crm.control("auto-call").check(timeout=crm.timeout_ms)
    since = crm.now()
    refused = run.server.add_lead(PROGRESSIVE_CAMPAIGN, run.journey.caller)
    if refused is not None:
        run.not_used("screen_pop.progressive", f"the server added no lead: {refused}")
        return
    pop = check_pop(run, "screen_pop.progressive", since, "progressive")
    call_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
    if call_id:
        ended_at = crm.now()
        run.server.hang_up(str(call_id))
        crm.wait_record("event", ["hangupHandler"], since=ended_at)
    settle(run)
