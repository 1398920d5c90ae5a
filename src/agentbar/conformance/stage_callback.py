"""A callback's screen pop (SPEC §2 `disposeAndScheduleCallback`, §3 `showCrm`): a customer
calls and hangs up, the kit disposes the call with a callback to the agent due at once, and the
callback, when the server places it, must pop in the page and be acknowledged."""

from __future__ import annotations

from agentbar.conformance.context import Run
from agentbar.conformance.stage_calls import KIT_NOTE, check_pop, settle

CALLBACK_DELAY_MS = 1000  # due soon, yet in the future when the server reads it
SCHEDULE_ANSWERS = ["callbackSuccessNotifyHandler", "failedScheduleCallBackNotifyHandler"]


def check_callback(run: Run) -> None:
    """screen_pop.callback, then the callback hung up and disposed."""
    crm = run.crm
    since = crm.now()
    call_id = run.server.place_call(run.journey.caller, run.journey.campaign)
    if crm.wait_record("event", ["showCrm"], since=since) is None:
        run.failed("screen_pop.callback", "the call to be called back never reached the page")
        # Left waiting, the call would reach the agent in the next check and spoil it too.
        run.server.hang_up(call_id)
        settle(run)
        return
    ended_at = crm.now()
    run.server.hang_up(call_id)
    if crm.wait_record("event", ["hangupHandler"], since=ended_at) is None:
        run.failed("screen_pop.callback", "the call to be called back never ended in the page")
        settle(run)
        return
    # At once, before a page that disposes by itself does: the kit's own call, through the glue.
    scheduled_at = crm.now()
    crm.kit_call(
        "disposeAndScheduleCallback",
        run.journey.caller,
        True,
        scheduled_at + CALLBACK_DELAY_MS,
        None,
        KIT_NOTE,
    )
    answer = crm.wait_record("event", SCHEDULE_ANSWERS, since=scheduled_at)
    if answer is None or answer["name"] != "callbackSuccessNotifyHandler":
        said = str(((answer or {}).get("data") or {}).get("reason", "no answer"))
        run.not_used(
            "screen_pop.callback",
            f"the kit could not schedule a callback ({said}): the page disposed the call "
            "itself, or the campaign offers no callback",
        )
        settle(run)
        return
    pop = check_pop(run, "screen_pop.callback", scheduled_at, "callback")
    callback_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
    if callback_id:
        run.server.hang_up(str(callback_id))
        crm.wait_state("wrap_up", "ready", "not_ready")
    settle(run)
