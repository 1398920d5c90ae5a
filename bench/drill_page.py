"""One CRM page in Chromium through a drill: the browser agent, logged in through the page's
glue script and toolbar iframe, works calls of its own campaign while the drill kills
processes around it; afterwards, how many times the page's `showCrm` ran for each call.

Each call comes from a number of its own, so the page's pops (`window.__pops`, each with the
phone `showCrm` was given) are counted per call. A call is placed once the toolbar shows the
agent ready, and the customer hangs up once it popped (or after `POP_WAIT_S`: a call that
never popped counts as such); the campaign's wrap-up ends by itself.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from typing import Any

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from bench.screenpop import CHROMIUM_ARGS, chromium, ready_on_page, wait_status
from bench.server import ADMIN_TOKEN, BROWSER_CAMPAIGN
from tests.support.servers import PageServer

POP_WAIT_S = 20.0
"""How long a placed call may take to pop (it may be placed while no node owns the floor)."""


class CrmPageWatch:
    def __init__(self, crm: PageServer) -> None:
        self._crm = crm
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._placed: list[str] = []
        self.call_ids: list[str] = []
        """The calls the page placed (acknowledged), counted apart from the generator's."""
        self._pops: list[str] = []
        self._failure: BaseException | None = None

    def start(self, agentbar_url: str) -> None:
        """Log in through the page and start working calls (returns once the agent is ready)."""
        self._thread = threading.Thread(target=self._run, args=(agentbar_url,), daemon=True)
        self._thread.start()
        if not self._ready.wait(60.0):
            raise RuntimeError(f"the CRM page did not get ready: {self._failure!r}")

    def stop(self) -> dict[str, Any]:
        self._stopping.set()
        assert self._thread is not None
        self._thread.join(POP_WAIT_S + 30.0)
        if self._failure is not None:
            raise RuntimeError("the CRM page failed") from self._failure
        pops = Counter(self._pops)
        per_call = [pops.get(phone, 0) for phone in self._placed]
        return {
            "page_calls": len(per_call),
            "page_pops_per_call": dict(sorted(Counter(per_call).items())),
            "page_calls_without_pop": sum(1 for n in per_call if n == 0),
            "page_calls_popped_twice": sum(1 for n in per_call if n > 1),
        }

    def _run(self, agentbar_url: str) -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
                page = browser.new_context().new_page()
                toolbar = ready_on_page(page, self._crm)
                self._ready.set()
                headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
                with httpx.Client(base_url=agentbar_url, headers=headers, timeout=15.0) as admin:
                    while not self._stopping.is_set():
                        try:
                            wait_status(toolbar, "ready")
                        except PlaywrightError:
                            continue  # reconnecting: the toolbar shows it meanwhile
                        self._one_call(page, admin)
                self._pops = [p["phone"] for p in page.evaluate("window.__pops")]
                browser.close()
        except BaseException as failed:
            self._failure = failed
            self._ready.set()

    def _one_call(self, page: Any, admin: httpx.Client) -> None:
        phone = f"+1415556{len(self._placed):04d}"
        try:
            answer = admin.post(
                "/api/v1/simulator/calls", json={"from": phone, "campaign": BROWSER_CAMPAIGN}
            )
        except httpx.HTTPError:
            time.sleep(0.5)
            return
        if answer.status_code != 201:  # not acknowledged: no call to count
            time.sleep(0.5)
            return
        self._placed.append(phone)
        call_id = answer.json()["callId"]
        self.call_ids.append(call_id)
        with contextlib.suppress(PlaywrightError):  # else counted as a call without a pop
            page.wait_for_function(
                "p => window.__pops.some(x => x.phone === p)",
                arg=phone,
                timeout=POP_WAIT_S * 1000,
            )
        deadline = time.monotonic() + POP_WAIT_S
        while time.monotonic() < deadline:  # the customer hangs up, whoever owns the floor
            try:
                hung_up = admin.post(f"/api/v1/simulator/calls/{call_id}/hangup")
                if hung_up.status_code in (204, 404):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
