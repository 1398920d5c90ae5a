"""Calls (SPEC §2, §3): an inbound call's screen pop and its acknowledgement, the hang-up, the
wrap-up's disposition, and a click-to-dial from the journey."""

from __future__ import annotations

import contextlib
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from agentbar.conformance.catalog import (
    CODES_HANDLERS,
    DISPOSE_FAILED_HANDLERS,
    DISPOSE_METHODS,
    DISPOSED_HANDLERS,
)
from agentbar.conformance.context import Run
from agentbar.conformance.page import Record, StepFailed

ACK = "api.setRecordInfoForShowCrm"
ACK_ANSWER = "recordInfoForShowCrm_"  # the toolbar answers `<method>_<counter>`
# How the toolbar answers a disposition, on the wire (the glue fires these and the SPEC names).
DISPOSED_EVENTS = ["disposeCallByDispositionCodeHandler", "disposeAndDialHandler"]
DISPOSE_FAILED_EVENTS = ["failedDispositionNotifyHandler", "failedScheduleCallBackNotifyHandler"]
KIT_NOTE = "disposed by the agentbar conformance kit"
# A code no campaign offers: the server refuses a disposition with it, and the page is told.
REFUSED_CODE = "agentbar-kit-no-such-code"


def check_inbound_pop(run: Run) -> str:
    """screen_pop.inbound for a call the simulator places; returns its call id."""
    since = run.crm.now()
    call_id = run.server.place_call(run.journey.caller, run.journey.campaign)
    check_pop(run, "screen_pop.inbound", since, "inbound")
    return call_id


def check_pop(run: Run, check_id: str, since: int, call_type: str) -> Record | None:
    """A showCrm after `since`, of `call_type`, handled and acknowledged with its requestId."""
    crm = run.crm
    pop = crm.wait_record("event", ["showCrm"], since=since)
    if pop is None:
        run.failed(check_id, f"no {call_type} call popped (no showCrm within {crm.timeout:g} s)")
        return None
    data = pop.get("data") or {}
    request_id = data.get("requestId")
    params = data.get("additionalParams") or {}
    call_type_given = params.get("callType")
    popped = f"showCrm('{data.get('phone')}', {{callType: '{call_type_given}', …}}, '{request_id}')"
    if params.get("callType") != call_type:
        run.failed(check_id, f"{popped} is not the {call_type} call the kit expected")
        return pop
    failure = run.handler_failure("showCrm", since=pop["t"])
    if failure is not None:
        run.failed(check_id, f"{popped}: {failure[0]}", blocked_by=failure[1])
        return pop
    ack = crm.wait_record("call", [ACK], since=pop["t"], arg0=request_id)
    if ack is None:
        others = crm.find("call", [ACK], since=pop["t"])
        if others:
            wrong = (others[0].get("args") or [None])[0]
            run.failed(
                check_id,
                f"{popped} ran, but setRecordInfoForShowCrm was called with requestId "
                f"'{wrong}' instead of '{request_id}'",
            )
        else:
            run.failed(
                check_id,
                f"{popped} ran, but setRecordInfoForShowCrm('{request_id}', …) was not "
                f"called within {crm.timeout:g} s: the pop is never acknowledged",
            )
        return pop
    after_ms = ack["t"] - pop["t"]
    args = ack.get("args") or []
    record = args[1] if len(args) > 1 else None
    answer = crm.wait_record("event", since=ack["t"], prefix=ACK_ANSWER)
    result = ((answer or {}).get("data") or {}).get("result") or {}
    if result.get("status") != "success":
        said = result.get("reason") or result.get("status") or "nothing"
        run.failed(
            check_id,
            f"{popped} acknowledged with record {record!r}, but the toolbar answered: {said}",
        )
        return pop
    run.passed(
        check_id,
        f"{popped} acknowledged {after_ms} ms after the pop, record {record!r}; the toolbar "
        "answered success",
    )
    return pop


def check_hangup(run: Run, call_id: str) -> int:
    """wrapup.hangup as the customer hangs up; returns when the page heard it (page clock)."""
    crm = run.crm
    since = crm.now()
    run.server.hang_up(call_id)
    ended = crm.wait_record("event", ["hangupHandler"], since=since)
    if ended is None:
        run.failed("wrapup.hangup", f"no hangupHandler within {crm.timeout:g} s of the hang-up")
        return since
    failure = run.handler_failure("hangupHandler", since=ended["t"])
    if failure is not None:
        run.failed("wrapup.hangup", failure[0], blocked_by=failure[1])
    else:
        run.passed("wrapup.hangup", "hangupHandler('success', userCustomerCRTInfo) ran in the page")
    return int(ended["t"])


def check_wrap_up(run: Run, since: int) -> None:
    """wrapup.codes and wrapup.disposition for the call that ended at `since`."""
    crm = run.crm
    refusal = check_refusal(run)
    try:
        crm.run_steps("submit_wrap_up", run.journey.submit_wrap_up)
    except StepFailed as error:
        run.failed("wrapup.disposition", str(error))
    sent = crm.wait_record("call", DISPOSE_METHODS, since=since)
    _check_codes(run, since)
    if sent is None:
        run.failed(
            "wrapup.disposition",
            f"no disposition sent within {crm.timeout:g} s of hangupHandler (no "
            "disposeCallByDisposition); if the agent submits the CRM's form, give its "
            "submit_wrap_up steps in the journey",
        )
        kit_dispose(run)
        return
    args = sent.get("args") or []
    how = f"{sent['name']}('{args[0] if args else ''}', …)"
    answers = DISPOSED_EVENTS + DISPOSE_FAILED_EVENTS
    answer = crm.wait_record("event", answers, since=sent["t"])
    if answer is not None and refusal is not None and _same(answer, refusal):
        # The kit's refused disposition, answered first: the page's answer is the next one.
        answer = crm.wait_record("event", answers, since=refusal["t"] + 1)
    if answer is None:
        run.failed("wrapup.disposition", f"{how} was sent, but the toolbar never answered it")
        return
    reason = str((answer.get("data") or {}).get("reason", ""))
    if answer["name"] in DISPOSE_FAILED_EVENTS:
        run.failed("wrapup.disposition", f"{how} was refused: {reason}")
        kit_dispose(run)
        return
    heard = [name for name in DISPOSED_HANDLERS if run.handler(name, answer["t"]).ran]
    note = (
        f"; the page heard it ({heard[0]})"
        if heard
        else "; the page does not listen for the answer"
    )
    run.passed("wrapup.disposition", f"{how} accepted: {answer['name']}('{reason}'){note}")
    if sent["name"] == "disposeNDial":
        settle(run)


def _same(one: Record, other: Record) -> bool:
    return bool(one["t"] == other["t"] and one["name"] == other["name"])


def check_refusal(run: Run) -> Record | None:
    """wrapup.failed_disposition: the kit sends a disposition the server refuses (a code the
    campaign does not offer) and the page's failed-disposition handler must run. Made only
    for a page that registers one, before its own wrap-up, while the call is in wrap-up.
    Returns the toolbar's refusal, which is no answer to the page's own disposition."""
    registered = [name for name in DISPOSE_FAILED_HANDLERS if run.handler(name).registered]
    if not registered:
        run.not_used(
            "wrapup.failed_disposition",
            f"the page registers no {' or '.join(DISPOSE_FAILED_HANDLERS)}",
        )
        return None
    crm = run.crm
    since = crm.now()
    crm.kit_call("disposeCallByDisposition", REFUSED_CODE, None, KIT_NOTE)
    refused = crm.wait_record("event", ["failedDispositionNotifyHandler"], since=since)
    if refused is None:
        run.failed(
            "wrapup.failed_disposition",
            f"the toolbar never refused the disposition '{REFUSED_CODE}' (no "
            f"failedDispositionNotifyHandler within {crm.timeout:g} s)",
        )
        return None
    reason = str((refused.get("data") or {}).get("reason", ""))
    states = [run.handler(name, refused["t"]) for name in registered]
    threw = next((state for state in states if state.errors), None)
    if threw is not None:
        run.failed("wrapup.failed_disposition", threw.problem() or f"{threw.name} threw")
        return refused
    heard = [state.name for state in states if state.ran]
    if not heard:
        run.failed(
            "wrapup.failed_disposition",
            f"the server refused '{REFUSED_CODE}' ({reason}), but the page's "
            f"{registered[0]} was not called",
        )
        return refused
    shown = reason and reason in crm.page.inner_text("body", timeout=crm.timeout_ms)
    where = "the reason is shown on the page" if shown else "the reason is not on the page"
    run.passed(
        "wrapup.failed_disposition",
        f"the server refused '{REFUSED_CODE}': {heard[0]}('{reason}') ran; {where}",
    )
    return refused


def _check_codes(run: Run, since: int) -> None:
    asked = run.crm.find(
        "call", ["getDispositionCodes", "getDispositionCodesWithDispositionClass"], since
    )
    if not asked:
        run.not_used("wrapup.codes", "the page does not ask for the disposition codes")
        return
    heard = [name for name in CODES_HANDLERS if run.handler(name, since).ran]
    if heard:
        run.passed("wrapup.codes", f"{asked[0]['name']}() after the hang-up; {heard[0]} ran")
    else:
        run.failed(
            "wrapup.codes",
            f"{asked[0]['name']}() after the hang-up, but no handleDispositionCodes ran",
        )


def check_click_to_dial(run: Run) -> None:
    """screen_pop.click_to_dial from the journey's steps, then the call hung up and disposed."""
    if not run.journey.click_to_dial:
        run.not_used("screen_pop.click_to_dial", "the journey has no click_to_dial steps")
        return
    settle(run)
    since = run.crm.now()
    try:
        run.crm.run_steps("click_to_dial", run.journey.click_to_dial)
    except StepFailed as error:
        run.failed("screen_pop.click_to_dial", str(error))
        return
    pop = check_pop(run, "screen_pop.click_to_dial", since, "click_to_dial")
    call_id = ((pop or {}).get("data") or {}).get("additionalParams", {}).get("callId")
    if call_id:
        ended_at = run.crm.now()
        run.server.hang_up(str(call_id))
        if run.crm.wait_record("event", ["hangupHandler"], since=ended_at) is not None:
            _dispose_again(run, ended_at)
    settle(run)


def _dispose_again(run: Run, since: int) -> None:
    """The second call's wrap-up, as the journey does it; the kit's own if nothing is sent."""
    with contextlib.suppress(StepFailed):  # scored on the first call already
        run.crm.run_steps("submit_wrap_up", run.journey.submit_wrap_up)
    if run.crm.wait_record("call", DISPOSE_METHODS, since=since) is None:
        kit_dispose(run)


def settle(run: Run) -> None:
    """No call left on the agent: a call still up is hung up, a wrap-up disposed by the kit."""
    crm = run.crm
    if crm.agent_state() in ("on_call", "reserved", "dialing", "invited", "conferencing"):
        # A call that ends meanwhile takes its hang-up button away: the wait below still
        # finds the wrap-up to dispose.
        with contextlib.suppress(PlaywrightError):
            crm.control("hangup").click(timeout=crm.timeout_ms)
        crm.wait_state("wrap_up", "ready", "not_ready", "break")
    if crm.agent_state() == "wrap_up":
        kit_dispose(run)


def kit_dispose(run: Run) -> None:
    """Dispose the call in wrap-up with the campaign's first code, through the glue's own
    methods (not the page's), so the next steps find the agent free."""
    crm = run.crm
    since = crm.now()
    crm.kit_call("getDispositionCodes")
    # The toolbar fires the codes under their older name too, which any glue (an old copy
    # the CRM ships among them) passes on.
    codes = crm.wait_record("event", ["getDispositionCodesHandler"], since=since)
    classes: list[dict[str, Any]] = ((codes or {}).get("data") or {}).get("dispositionCodes") or []
    first = next((code for c in classes for code in c.get("dispositionCodes") or []), None)
    if first is None:
        return
    crm.kit_call("disposeCallByDisposition", first, None, KIT_NOTE)
    crm.wait_state("ready", "not_ready", "break")
