"""A session clash (SPEC §2 `doForceLogin`, §3 `loginHandler`, `forceLoginHandler`): the agent
opens the CRM in another browser while still logged in here. The login there clashes with this
session, the page (or, failing it, the agent in the toolbar) takes the session over, and the
page there must hear `forceLoginHandler`. The run goes on in that browser: the session lives
there now."""

from __future__ import annotations

import contextlib

from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError

from agentbar.conformance.context import Run
from agentbar.conformance.observer import OBSERVER_JS
from agentbar.conformance.page import CrmPage, Record
from agentbar.conformance.stage_session import OWN_LOGIN_GRACE, reason_of, toolbar_login

CHECK = "lifecycle.force_login"


def check_force_login(run: Run) -> None:
    """lifecycle.force_login; on a take-over, `run.crm` becomes the page in the other browser."""
    if not run.handler("forceLoginHandler").registered:
        run.not_used(CHECK, "the page registers no forceLoginHandler")
        return
    browser = run.crm.page.context.browser
    if browser is None:
        run.not_used(CHECK, "the kit cannot open another browser beside the page")
        return
    other = _open_elsewhere(run, browser)
    took_over = False
    try:
        took_over = _clash(run, other)
    finally:
        if took_over:
            run.crm = other
        else:
            with contextlib.suppress(PlaywrightError):
                other.page.context.close()


def _open_elsewhere(run: Run, browser: Browser) -> CrmPage:
    """The CRM page in a browser of its own (nothing the first one stored), signed in to the
    CRM by the journey's steps."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(OBSERVER_JS)
    other = CrmPage(context.new_page(), run.crm.timeout)
    other.page.goto(run.crm_url, timeout=other.timeout_ms)
    other.run_steps("sign_in", run.journey.sign_in)
    return other


def _clash(run: Run, other: CrmPage) -> bool:
    """Whether the other page took the session over (its result recorded either way)."""
    status = other.wait_record("event", ["loginStatusHandler"])
    if status is None or reason_of(status) != "logged out":
        said = f"loginStatusHandler('{reason_of(status)}')" if status else "no loginStatusHandler"
        run.not_used(CHECK, f"the page in another browser did not start logged out ({said})")
        return False
    has_credentials = run.username is not None and run.password is not None
    own = other.wait_record(
        "call", ["doLogin"], timeout=OWN_LOGIN_GRACE if has_credentials else None
    )
    if own is None and not has_credentials:
        run.not_used(
            CHECK,
            "the page in another browser did not log its toolbar in (no doLogin), and no "
            "--username/--password were given for the toolbar's own form",
        )
        return False
    if own is None:
        toolbar_login(other, run.username or "", run.password or "")
    answer = other.wait_record("event", ["loginHandler"], since=status["t"])
    if answer is None:
        run.failed(CHECK, "the login in another browser got no loginHandler answer")
        return False
    if "force" not in reason_of(answer).lower():
        run.not_used(
            CHECK,
            f"the server did not see a clash: the login in another browser was answered "
            f"loginHandler('{reason_of(answer)}')",
        )
        return reason_of(answer) == "success"
    return _take_over(run, other, answer)


def _take_over(run: Run, other: CrmPage, clash: Record) -> bool:
    clashed_at = clash["t"]
    if run.journey.force_login:
        other.run_steps("force_login", run.journey.force_login)
    page_took_over = other.wait_record(
        "call", ["doForceLogin"], since=clashed_at, timeout=OWN_LOGIN_GRACE
    )
    how = "the page called doForceLogin()"
    if page_took_over is None:
        how = "the kit took the session over in the toolbar (the page did not call doForceLogin())"
        with contextlib.suppress(PlaywrightError):
            other.control("force-login").click(timeout=other.timeout_ms)
    forced = other.wait_record("event", ["forceLoginHandler"], since=clashed_at)
    if forced is None:
        run.failed(
            CHECK,
            f"the login in another browser clashed and {how}, but no forceLoginHandler came "
            f"within {other.timeout:g} s",
        )
        return False
    failure = run.handler_failure("forceLoginHandler", since=forced["t"], crm=other)
    if failure is not None:
        run.failed(CHECK, failure[0], blocked_by=failure[1])
        return True
    run.passed(
        CHECK,
        f"a login in another browser clashed (loginHandler('{reason_of(clash)}')), {how}, "
        f"and forceLoginHandler('{reason_of(forced)}') ran there",
    )
    return True
