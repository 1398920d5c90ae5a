"""The CRM API's names live in one place: the toolbar's CRM module (and the glue script itself).

Every other toolbar file, and every Python module of the server, speaks agentbar's own names; a
name of the integration API (SPEC.md §2 to §4: methods, handlers, their aliases, and the fields
distinctive to it) found anywhere else fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import agentbar

PACKAGE_DIR = Path(agentbar.__file__).parent
TOOLBAR_DIR = PACKAGE_DIR / "static" / "toolbar"
CRM_MODULE = TOOLBAR_DIR / "crm"


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


METHODS = _names(
    "doLogin doForceLogin doLogout doDial populateNumberInDialBox getDispositionCodes "
    "disposeCallByDisposition disposeNDial registerCustomFunction setRecordInfoForShowCrm "
    "getDispositionCodesWithDispositionClass disposeAndScheduleCallback setRecordInfoForCrt "
    "selectExtension setExtensionInfo hideUI refreshTelephony setBaseUrl getBaseUrl setLoginInfo "
    "setLoginCredentials setExtensionMetadata configureUI recordInfoForShowCrm "
    "intializeExtensionInfo getExtensionInfo"
)
HANDLERS = _names(
    "onLoadHandler loginHandler loginStatusHandler forceLoginHandler logoutHandler showCrm "
    "selectExtensionHandler modifyExtensionHandler selectCampaignHandler autoCallOnHandler "
    "autoCallOffHandler readyHandler breakHandler hangupHandler transferToPhoneHandler "
    "transferInCallHandler transferToAQHandler transferToIVRHandler transferToUserHandler "
    "transferToCampaignHandler conferWithPhoneHandler conferWithTPVHandler conferWithUserHandler "
    "conferWithLocalIVRHandler handleDispositionCodes handleDisposeCallByDispositionCode "
    "handleFailedDispositionNotifyGeneric getDispositionCodesHandler "
    "disposeCallByDispositionCodeHandler failedDispositionNotifyHandler disposeAndDialHandler "
    "showCrmDetailed callInitiatedHandler failedDoDialNotifyHandler callbackSuccessNotifyHandler "
    "failedScheduleCallBackNotifyHandler getDispositionCodeWithClassHandler"
)
FIELDS = _names(
    "crtObjectId userCrtObjectId customerCrtObjectId legCrtObjectId showCrmRequestId "
    "showCrmrequestId userCustomerCRTInfo requestMethodId callContextId additionalParameters "
    "selfCallBack callBackTime callBackParams uiElements extensionName extensionPhone"
)
CRM_NAMES = (*METHODS, *HANDLERS, *FIELDS)
# The fields the server and domain must not speak either (methods and handlers could collide
# with plain English in prose, these cannot).
SERVER_FORBIDDEN = ("CrtObjectId", "crtObjectId", "showCrmRequestId", "showCrmrequestId")

_NAME = re.compile(r"\b(" + "|".join(sorted(CRM_NAMES, key=len, reverse=True)) + r")\b")
_SERVER = re.compile("|".join(SERVER_FORBIDDEN))


def crm_names_in(text: str) -> list[str]:
    return _NAME.findall(text)


def toolbar_files_outside_the_crm_module() -> list[Path]:
    return [
        path
        for path in sorted(TOOLBAR_DIR.rglob("*"))
        if path.is_file() and CRM_MODULE not in path.parents
    ]


def test_the_crm_module_exists_and_holds_the_names() -> None:
    inside = "".join(p.read_text(encoding="utf-8") for p in CRM_MODULE.rglob("*.js"))
    assert {"showCrm", "hangupHandler", "userCrtObjectId", "doLogin"} <= set(crm_names_in(inside))


@pytest.mark.parametrize(
    "path",
    toolbar_files_outside_the_crm_module(),
    ids=lambda path: str(path.relative_to(TOOLBAR_DIR)),
)
def test_no_toolbar_file_outside_the_crm_module_names_the_crm_api(path: Path) -> None:
    assert crm_names_in(path.read_text(encoding="utf-8")) == []


def server_modules() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def test_the_server_and_the_domain_speak_agentbars_names() -> None:
    found = [
        f"{path.relative_to(PACKAGE_DIR)}:{number}: {line.strip()}"
        for path in server_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _SERVER.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bridge.fire('hangupHandler', reason)", ["hangupHandler"]),
        ("// one showCrm per call", ["showCrm"]),
        ("{userCrtObjectId: call.userCrt}", ["userCrtObjectId"]),
        ("showCrmDetailed()", ["showCrmDetailed"]),
        ("const screenPopId = view.call.screenPopId;", []),
        ("this.readyButton.onclick = () => this.ready();", []),
    ],
)
def test_the_checker_finds_crm_names_as_whole_words(text: str, expected: list[str]) -> None:
    assert crm_names_in(text) == expected
