"""One conformance run: the server (a sandbox, or --server), Chromium, the CRM page opened with
the observer, and the stages in order; returns the scorecard."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agentbar.conformance import (
    stage_callback,
    stage_calls,
    stage_embedding,
    stage_force_login,
    stage_logout,
    stage_manual,
    stage_preview,
    stage_progressive,
    stage_registry,
    stage_session,
    stage_tabs,
    stage_transferred,
)
from agentbar.conformance.catalog import CHECKS
from agentbar.conformance.context import Run
from agentbar.conformance.errors import BadInput
from agentbar.conformance.journey import Journey, load_journey
from agentbar.conformance.observer import OBSERVER_JS
from agentbar.conformance.page import CrmPage
from agentbar.conformance.sandbox import Agentbar, running_server, sandbox
from agentbar.conformance.scorecard import Scorecard

CHROMIUM = "/usr/bin/chromium"  # Debian's build
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
GLUE_GRACE = 3.0  # seconds after the page's load for a glue script the page adds late
GLUE_NAME = "ameyo-integration"

AFTER_LOAD = [
    "lifecycle.on_load",
    "lifecycle.login",
    "lifecycle.login_status",
    "lifecycle.force_login",
    "lifecycle.logout",
    "extension.info",
    "extension.select_handler",
    "screen_pop.inbound",
    "screen_pop.click_to_dial",
    "screen_pop.manual",
    "screen_pop.preview",
    "screen_pop.progressive",
    "screen_pop.callback",
    "screen_pop.transferred",
    "wrapup.hangup",
    "wrapup.codes",
    "wrapup.disposition",
    "wrapup.failed_disposition",
    "tabs.one_pop",
    "tabs.refresh_mid_call",
]
AFTER_LOGIN = AFTER_LOAD[2:]


@dataclass(frozen=True)
class Options:
    crm_url: str
    port: int = 8080
    server: str | None = None
    admin_token: str | None = None
    username: str | None = None
    password: str | None = None
    journey: Path | None = None
    headed: bool = False


def run_conformance(options: Options) -> Scorecard:
    started = time.monotonic()
    journey = load_journey(options.journey) if options.journey is not None else Journey()
    crm_origin = check_crm_url(options.crm_url)
    with _agentbar(options, journey, crm_origin) as server:
        card = Scorecard(options.crm_url, server.base_url)
        unprepared = (
            stage_progressive.prepare(server)
            if options.server is None
            else "the kit makes one only in its own sandbox"
        )
        with _chromium(options.headed) as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            try:
                context.add_init_script(OBSERVER_JS)
                crm = CrmPage(context.new_page(), journey.timeout)
                run = Run(crm, server, journey, card, options.username, options.password)
                run.own_sandbox = options.server is None
                run.crm_url = options.crm_url
                _open(run, options.crm_url)
                _drive(run, unprepared)
            finally:
                context.close()
    card.seconds = time.monotonic() - started
    return card


def check_crm_url(url: str) -> str:
    """The CRM page's origin, once the page answers."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"--crm-url {url!r} is not an http(s) URL")
    try:
        response = httpx.get(url, follow_redirects=True, timeout=10.0)
    except httpx.HTTPError as error:
        raise BadInput(f"cannot reach the CRM page {url}: {error}") from None
    if response.status_code >= 400:
        raise BadInput(f"the CRM page {url} answers HTTP {response.status_code}")
    return f"{parts.scheme}://{parts.netloc}"


def _agentbar(
    options: Options, journey: Journey, crm_origin: str
) -> AbstractContextManager[Agentbar]:
    if options.server is not None:
        return nullcontext(running_server(options.server, options.admin_token))
    sso = journey.sandbox.sso_url
    return sandbox(
        options.port,
        crm_origin,
        urljoin(crm_origin + "/", sso) if sso else None,
        journey.sandbox.sso_format,
    )


@contextmanager
def _chromium(headed: bool) -> Iterator[Browser]:
    executable = shutil.which("chromium") or CHROMIUM
    if not os.path.exists(executable):
        raise BadInput(f"Chromium is not installed ({CHROMIUM}): apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=not headed
        )
        try:
            yield browser
        finally:
            browser.close()


def _open(run: Run, url: str) -> None:
    """The page opened, the journey's sign-in played, and the glue script loaded."""
    crm = run.crm
    glue_answers: list[str] = []
    crm.page.on(
        "response",
        lambda r: (
            glue_answers.append(f"{r.url} answered {r.status}")
            if GLUE_NAME in r.url and r.status >= 400
            else None
        ),
    )
    crm.page.on(
        "requestfailed",
        lambda r: (
            glue_answers.append(f"{r.url} failed: {r.failure}") if GLUE_NAME in r.url else None
        ),
    )
    try:
        crm.page.goto(url, timeout=crm.timeout_ms)
    except PlaywrightError as error:
        raise BadInput(f"cannot open the CRM page {url}: {str(error).splitlines()[0]}") from None
    crm.run_steps("sign_in", run.journey.sign_in)
    try:
        crm.page.wait_for_load_state("load", timeout=crm.timeout_ms)
        crm.page.wait_for_function(
            "() => Boolean(window.__agentbarKit && window.__agentbarKit.glue)",
            timeout=GLUE_GRACE * 1000,
        )
    except PlaywrightTimeoutError:
        why = f" ({glue_answers[-1]})" if glue_answers else ""
        raise BadInput(
            f"the page {crm.page.url} never loaded agentbar's glue script{why}: no "
            f"window.ameyo.integration; load {run.server.base_url}/ameyowebaccess/toolbar/js/"
            f"{GLUE_NAME}.js in its <head>"
        ) from None


def _drive(run: Run, unprepared: str | None) -> None:
    loaded = stage_embedding.check_embedding(run)
    if not loaded:
        root = next(
            (
                check_id
                for check_id in ("embedding.iframe", "embedding.origin", "embedding.doctor")
                if run.card.failed(check_id)
            ),
            None,
        )
        if root is None:
            run.failed(
                "lifecycle.on_load",
                f"the toolbar never fired onLoadHandler within {run.crm.timeout:g} s",
            )
            root = "lifecycle.on_load"
        run.blocked(AFTER_LOAD, root, "the toolbar never loaded in the page")
    else:
        logged_in_at = stage_session.check_login(run)
        if logged_in_at is not None:
            _calls(run, logged_in_at, unprepared)
        else:
            run.blocked(AFTER_LOGIN, "lifecycle.login", "the agent never logged in")
    stage_registry.check_on_load(run, loaded)
    stage_registry.check_names(run)
    stage_registry.check_groups(run)
    for check in CHECKS:
        if check.check_id not in run.card.results:
            run.failed(check.check_id, "the run never reached this check")


def _calls(run: Run, logged_in_at: int, unprepared: str | None) -> None:
    stage_session.check_extension(run, logged_in_at)
    stage_session.make_ready(run)
    call_id = stage_calls.check_inbound_pop(run)
    ended_at = stage_calls.check_hangup(run, call_id)
    stage_calls.check_wrap_up(run, ended_at)
    stage_calls.check_click_to_dial(run)
    stage_calls.settle(run)
    stage_manual.check_manual(run)
    stage_callback.check_callback(run)
    stage_tabs.check_tabs_and_refresh(run)
    stage_transferred.check_transferred(run)
    stage_preview.check_preview(run)
    stage_progressive.check_progressive(run, unprepared)
    stage_session.check_reload(run)
    stage_force_login.check_force_login(run)
    stage_logout.check_supervisor_logout(run)
