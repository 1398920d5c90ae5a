"""The session (SPEC §1.3, §2, §3): the login through the page's own flow (or the toolbar's
form with --username/--password), the extension bound from getExtensionInfo(), the agent made
ready in the journey's campaign, and the session resumed after a reload."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agentbar.conformance.context import Run
from agentbar.conformance.errors import BadInput
from agentbar.conformance.page import CrmPage

# When the kit has credentials, how long it lets the page log in by itself first (a page that
# does, does so as the toolbar reports 'logged out').
OWN_LOGIN_GRACE = 2.0
EXTENSION_HANDLERS = ["selectExtensionHandler", "modifyExtensionHandler"]


def check_login(run: Run) -> int | None:
    """lifecycle.login; when the agent is logged in, the moment the page heard so (its clock),
    else None."""
    crm = run.crm
    status = crm.wait_record("event", ["loginStatusHandler"])
    if status is None:
        run.failed(
            "lifecycle.login",
            f"the toolbar never reported its session (no loginStatusHandler within "
            f"{crm.timeout:g} s): it did not reach its server",
        )
        return None
    if reason_of(status) == "logged in":
        run.passed("lifecycle.login", "the toolbar was logged in already when it loaded")
        return int(status["t"])
    has_credentials = run.username is not None and run.password is not None
    grace = OWN_LOGIN_GRACE if has_credentials else crm.timeout
    own = crm.wait_record("call", ["doLogin"], timeout=grace)
    since = status["t"]
    if own is not None:
        args = own.get("args") or []
        how = f"the page called doLogin('{_arg(args, 0)}', …, '{_arg(args, 2)}')"
        since = own["t"]
    elif has_credentials:
        how = f"the kit logged in as {run.username} in the toolbar (the page did not log in)"
        since = crm.now()
        toolbar_login(crm, run.username or "", run.password or "")
    else:
        run.failed(
            "lifecycle.login",
            f"the page did not log the toolbar in within {crm.timeout:g} s of "
            "loginStatusHandler('logged out') (no doLogin), and no --username/--password were "
            "given for the toolbar's own form",
        )
        return None
    answer = crm.wait_record("event", ["loginHandler"], since=since)
    if answer is None:
        run.failed("lifecycle.login", f"{how}, but no loginHandler answer came")
        return None
    if reason_of(answer) != "success":
        run.failed("lifecycle.login", f"{how}: loginHandler('{reason_of(answer)}')")
        return None
    listens = run.handler("loginHandler").registered
    run.passed(
        "lifecycle.login",
        f"{how}: loginHandler('success')"
        + ("" if listens else " (the page does not register loginHandler)"),
    )
    return int(answer["t"])


def toolbar_login(crm: CrmPage, username: str, password: str) -> None:
    """Log in with the toolbar's own form, as an agent would."""
    try:
        crm.control("login-username").fill(username, timeout=crm.timeout_ms)
        crm.control("login-password").fill(password, timeout=crm.timeout_ms)
        crm.control("login-submit").click(timeout=crm.timeout_ms)
    except PlaywrightError:
        pass  # no login form to type in: loginHandler's absence says the rest


def check_extension(run: Run, logged_in_at: int) -> None:
    """extension.info and extension.select_handler; the kit binds an extension in the toolbar
    itself when the page gives none (or one the server refuses), so the calls reach the agent."""
    crm = run.crm
    info = _extension_info(run)
    selected = refused = None
    if info is not None and "error" not in info:
        selected = crm.wait_record("event", EXTENSION_HANDLERS, since=logged_in_at)
        if selected is not None and reason_of(selected) != "success":
            refused, selected = selected, None
    bound_by_kit = None
    if selected is None:
        before = crm.now()
        bound_by_kit = _bind_in_toolbar(run)
        if bound_by_kit is not None:
            selected = crm.wait_record("event", EXTENSION_HANDLERS, since=before)
        elif refused is None:
            # Bound already (a server that remembers the agent's extension): its news came.
            selected = crm.wait_record("event", EXTENSION_HANDLERS, since=logged_in_at, timeout=0.5)
    if info is None:
        run.not_used(
            "extension.info",
            "the page defines no getExtensionInfo()"
            + (f"; the kit chose {bound_by_kit} in the toolbar" if bound_by_kit else ""),
        )
    elif "error" in info:
        run.failed("extension.info", info["error"])
    elif refused is not None:
        run.failed(
            "extension.info",
            f"getExtensionInfo() returns {info['value']}, which the server refused: "
            f"selectExtensionHandler('{reason_of(refused)}')",
        )
    else:
        run.passed("extension.info", f"getExtensionInfo() returns {info['value']}")
    if selected is None:
        run.failed(
            "extension.select_handler",
            f"no selectExtensionHandler('success', …) within {crm.timeout:g} s of the login",
        )
        return
    failure = run.handler_failure(selected["name"], since=selected["t"])
    if failure is not None:
        run.failed("extension.select_handler", failure[0], blocked_by=failure[1])
        return
    details = (selected.get("data") or {}).get("userCustomerCRTInfo") or {}
    run.passed(
        "extension.select_handler",
        f"{selected['name']}('success', {{extensionName: '{details.get('extensionName')}', "
        f"phone: '{details.get('phone')}'}}) ran in the page",
    )


def _extension_info(run: Run) -> dict[str, Any] | None:
    """None without getExtensionInfo(); else {value} or {error}."""
    found: dict[str, Any] = run.crm.evaluate(
        """() => {
          if (typeof window.getExtensionInfo !== "function") return null;
          try { return { value: window.getExtensionInfo() }; }
          catch (e) { return { threw: String(e) }; }
        }"""
    )
    if found is None:
        return None
    if "threw" in found:
        return {"error": f"getExtensionInfo() threw: {found['threw']}"}
    value = found.get("value")
    shown = _js(value)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str) and value.get(key) for key in ("name", "phone")
    ):
        return {
            "error": f"getExtensionInfo() returns {shown}: it must return "
            "{name: 'SIP 1001', phone: '1001'} (two non-empty strings)"
        }
    return {"value": shown}


def _bind_in_toolbar(run: Run) -> str | None:
    """Choose an extension in the toolbar's menu if none is bound: the journey's, else the
    first offered. Returns the one chosen."""
    select = run.crm.control("extension-select")
    try:
        if select.input_value(timeout=run.crm.timeout_ms):
            return None
        options: list[str] = select.locator("option").evaluate_all(
            "options => options.map(o => o.value).filter(Boolean)"
        )
        wanted = run.journey.extension or (options[0] if options else None)
        if wanted is None:
            return None
        select.select_option(wanted, timeout=run.crm.timeout_ms)
    except PlaywrightTimeoutError:
        raise BadInput(
            f"the toolbar offers no extension '{run.journey.extension}': set `extension` in the "
            "journey to one of the server's"
        ) from None
    except PlaywrightError:
        return None
    return wanted


def make_ready(run: Run) -> None:
    """The agent in the journey's campaign and ready, so that an inbound call reaches them."""
    crm = run.crm
    campaign = crm.control("campaign-select")
    try:
        if not campaign.input_value(timeout=crm.timeout_ms):
            campaign.select_option(label=run.journey.campaign, timeout=crm.timeout_ms)
    except PlaywrightTimeoutError:
        raise BadInput(
            f"the toolbar offers no campaign '{run.journey.campaign}' to this agent: set "
            "`campaign` in the journey to an inbound campaign of the server"
        ) from None
    if crm.agent_state() == "ready":
        return
    try:
        crm.control("ready").click(timeout=crm.timeout_ms)
    except PlaywrightTimeoutError:
        raise BadInput(
            f"the kit could not make the agent ready in '{run.journey.campaign}' (the agent "
            f"is '{crm.agent_state() or 'logged out'}')"
        ) from None
    if not crm.wait_state("ready"):
        raise BadInput(f"the agent did not become ready (the agent is '{crm.agent_state()}')")


def check_reload(run: Run) -> None:
    """lifecycle.login_status: a refreshed page hears loginStatusHandler('logged in')."""
    crm = run.crm
    since = crm.now()
    try:
        crm.page.reload(timeout=crm.timeout_ms)
    except PlaywrightError as error:
        run.failed("lifecycle.login_status", f"the page did not reload: {error}")
        return
    status = crm.wait_record("event", ["loginStatusHandler"], since=since)
    if status is None:
        run.failed(
            "lifecycle.login_status",
            f"after a reload, no loginStatusHandler within {crm.timeout:g} s",
        )
        return
    if reason_of(status) != "logged in":
        run.failed(
            "lifecycle.login_status",
            f"after a reload the toolbar says loginStatusHandler('{reason_of(status)}'): the "
            "session did not resume" + crm.storage_hint(),
        )
        return
    failure = run.handler_failure("loginStatusHandler", since=status["t"])
    if failure is not None:
        run.failed("lifecycle.login_status", failure[0], blocked_by=failure[1])
        return
    run.passed("lifecycle.login_status", "after a reload, loginStatusHandler('logged in') ran")


def reason_of(record: dict[str, Any]) -> str:
    return str((record.get("data") or {}).get("reason", ""))


def _arg(args: list[Any], index: int) -> str:
    return str(args[index]) if index < len(args) else ""


def _js(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_js(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str):
        return f"'{value}'"
    return "undefined" if value is None else str(value)
