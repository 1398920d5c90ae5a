"""Every check the kit makes: its id, the SPEC item it covers, whether a CRM must pass it, and
the handler names of the Generic Toolbar CRM integration API that the checks look for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    check_id: str
    spec: str
    required: bool
    title: str


CHECKS: tuple[Check, ...] = (
    Check("embedding.div", "§1.2", True, 'the toolbar\'s iframe sits in <div id="ameyoIframeDiv">'),
    Check("embedding.glue", "§1.1", True, "the glue script is loaded and ameyo.integration exists"),
    Check(
        "embedding.iframe", "§1.2", True, "iframe#ameyoIframe loads toolbar-crm.htm of the server"
    ),
    Check(
        "embedding.origin", "§1.2, §4", True, "the iframe URL's ?origin= names the page's origin"
    ),
    Check("embedding.doctor", "§4", True, "the embed doctor reports no problem"),
    Check("handlers.names", "§1.4, §3", True, "every registered name is a handler of the API"),
    Check("lifecycle.on_load", "§3 onLoadHandler", True, "onLoadHandler fired in the page"),
    Check("lifecycle.login", "§2 doLogin, §3 loginHandler", True, "the agent logs in"),
    Check(
        "lifecycle.login_status",
        "§3 loginStatusHandler",
        True,
        "after a reload, loginStatusHandler('logged in') reaches the page",
    ),
    Check(
        "lifecycle.force_login",
        "§2 doForceLogin, §3 forceLoginHandler",
        False,
        "a login that clashes with the agent's session elsewhere takes it over, and "
        "forceLoginHandler reaches the page",
    ),
    Check(
        "lifecycle.logout",
        "§3 logoutHandler",
        False,
        "a supervisor's logout of the agent reaches the page's logoutHandler",
    ),
    Check("extension.info", "§1.3", False, "getExtensionInfo() returns {name, phone}"),
    Check(
        "extension.select_handler",
        "§3 selectExtensionHandler",
        True,
        "selectExtensionHandler('success', …) reaches the page",
    ),
    Check(
        "screen_pop.inbound",
        "§3 showCrm, §2 api.setRecordInfoForShowCrm",
        True,
        "an inbound call pops, acknowledged with its requestId",
    ),
    Check(
        "screen_pop.click_to_dial",
        "§2 doDial, §3 showCrm",
        False,
        "the journey's click_to_dial places a call that pops and is acknowledged",
    ),
    Check(
        "screen_pop.manual",
        "§3 showCrm",
        False,
        "a call the kit dials in the toolbar pops and is acknowledged",
    ),
    Check(
        "screen_pop.preview",
        "§3 showCrm",
        False,
        "a lead the kit dials from the toolbar's preview pops and is acknowledged",
    ),
    Check(
        "screen_pop.progressive",
        "§3 showCrm",
        False,
        "a progressive dialer's call pops and is acknowledged",
    ),
    Check(
        "screen_pop.callback",
        "§2 disposeAndScheduleCallback, §3 showCrm",
        False,
        "a callback the kit schedules pops and is acknowledged",
    ),
    Check(
        "screen_pop.transferred",
        "§3 showCrm",
        False,
        "a call another agent transfers to this one pops and is acknowledged",
    ),
    Check("wrapup.hangup", "§3 hangupHandler", True, "hangupHandler reaches the page"),
    Check(
        "wrapup.codes",
        "§2 getDispositionCodes, §3 handleDispositionCodes",
        False,
        "the page asks for the disposition codes",
    ),
    Check(
        "wrapup.disposition",
        "§2 disposeCallByDisposition, §3 handleDisposeCallByDispositionCode",
        True,
        "a disposition is sent and accepted",
    ),
    Check(
        "wrapup.failed_disposition",
        "§3 handleFailedDispositionNotifyGeneric",
        False,
        "a disposition the server refuses reaches the page's failure handler",
    ),
    Check(
        "tabs.one_pop",
        "§3 showCrm",
        True,
        "with the page open in two tabs, a call pops in one of them only",
    ),
    Check(
        "tabs.refresh_mid_call",
        "§3 showCrm, loginStatusHandler",
        True,
        "a page refreshed mid-call resumes and does not pop the call again",
    ),
    Check("presence.handlers", "§3 readyHandler, breakHandler", False, "presence handlers"),
    Check("auto_call.handlers", "§3 autoCallOnHandler, autoCallOffHandler", False, "auto-call"),
    Check("transfer.handlers", "§3 transferTo…Handler", False, "transfer handlers"),
    Check("conference.handlers", "§3 conferWith…Handler", False, "conference handlers"),
)

BY_ID = {check.check_id: check for check in CHECKS}

PRESENCE_HANDLERS = ("readyHandler", "breakHandler")
AUTO_CALL_HANDLERS = ("autoCallOnHandler", "autoCallOffHandler")
TRANSFER_HANDLERS = (
    "transferToPhoneHandler",
    "transferInCallHandler",
    "transferToAQHandler",
    "transferToIVRHandler",
    "transferToUserHandler",
    "transferToCampaignHandler",
)
CONFERENCE_HANDLERS = (
    "conferWithPhoneHandler",
    "conferWithTPVHandler",
    "conferWithUserHandler",
    "conferWithLocalIVRHandler",
)
DISPOSED_HANDLERS = (
    "handleDisposeCallByDispositionCode",
    "disposeCallByDispositionCodeHandler",
    "disposeAndDialHandler",
)
DISPOSE_FAILED_HANDLERS = ("handleFailedDispositionNotifyGeneric", "failedDispositionNotifyHandler")
CODES_HANDLERS = (
    "handleDispositionCodes",
    "getDispositionCodesHandler",
    "getDispositionCodeWithClassHandler",
)

# Every name the toolbar fires (SPEC §3, the older names it fires as aliases, and the embed
# doctor's): a registration under any other name is never called.
KNOWN_HANDLERS = frozenset(
    {
        "onLoadHandler",
        "loginHandler",
        "loginStatusHandler",
        "forceLoginHandler",
        "logoutHandler",
        "showCrm",
        "showCrmDetailed",
        "selectExtensionHandler",
        "modifyExtensionHandler",
        "selectCampaignHandler",
        "hangupHandler",
        "callInitiatedHandler",
        "failedDoDialNotifyHandler",
        "callbackSuccessNotifyHandler",
        "failedScheduleCallBackNotifyHandler",
        "embedErrorHandler",
        *PRESENCE_HANDLERS,
        *AUTO_CALL_HANDLERS,
        *TRANSFER_HANDLERS,
        *CONFERENCE_HANDLERS,
        *DISPOSED_HANDLERS,
        *DISPOSE_FAILED_HANDLERS,
        *CODES_HANDLERS,
    }
)

# The page's methods that send a disposition (SPEC §2).
DISPOSE_METHODS = ("disposeCallByDisposition", "disposeNDial", "disposeAndScheduleCallback")
