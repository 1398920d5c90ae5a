"""The CRM page under test, as the checks see it: what the observer noted (records), waits on
those notes, the toolbar's frame, and the journey's steps played on the page."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agentbar.conformance.errors import BadInput
from agentbar.conformance.journey import Step

Record = dict[str, Any]

TOOLBAR_PATH = "/ameyowebaccess/toolbar-crm.htm"
TOOLBAR_IFRAME = f'iframe[src*="{TOOLBAR_PATH}"]'
# The toolbar draws a view with the page's next frame, a moment after the page's handlers have
# heard the move's events; meanwhile its status is marked `data-due`. Read before, it would
# show the state before the move: a call the page heard end still up.
CURRENT_STATUS = '[data-testid="status"]:not([data-due])'

_FIND = "q => (window.__agentbarKit && window.__agentbarKit.find(q)) || null"
_RECORDS = "() => (window.__agentbarKit ? window.__agentbarKit.records : [])"
_FRAME_STORAGE = f"""() => {{
  const frame = document.querySelector('{TOOLBAR_IFRAME}');
  return frame && {{
    credentialless: frame.hasAttribute("credentialless"),
    sandbox: frame.getAttribute("sandbox"),
  }};
}}"""


class StepFailed(Exception):
    """A journey step found its element but could not act on it: the page's failure (a form
    that never showed), not the journey's."""


class CrmPage:
    def __init__(self, page: Page, timeout: float) -> None:
        self.page = page
        self.timeout = timeout

    @property
    def timeout_ms(self) -> float:
        return self.timeout * 1000

    # -- what the observer noted -----------------------------------------------------------

    def now(self) -> int:
        """The page's clock (ms since the epoch): the records' `t` are on it."""
        now: int = self.evaluate("() => Date.now()")
        return now

    def records(self) -> list[Record]:
        records: list[Record] = self.evaluate(_RECORDS)
        return records

    def evaluate(self, expression: str) -> Any:
        """`expression` in the page's current document. A CRM may navigate at any moment (a
        reload on logout): the notes survive it in sessionStorage, so the kit reads them again
        once the new document has loaded instead of failing on the old one's destroyed
        context."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self.page.evaluate(expression)
            except PlaywrightError as error:
                if not _navigated(error) or time.monotonic() >= deadline:
                    raise
                left_ms = max(deadline - time.monotonic(), 0.001) * 1000
                with contextlib.suppress(PlaywrightError):
                    self.page.wait_for_load_state("domcontentloaded", timeout=left_ms)

    def wait_record(
        self,
        kind: str,
        names: Iterable[str] | None = None,
        *,
        since: int = 0,
        prefix: str | None = None,
        arg0: Any = None,
        timeout: float | None = None,
    ) -> Record | None:
        """The first record of `kind` (one of `names`, or named `prefix…`) noted at `since` or
        later, waiting for it up to `timeout` seconds (the journey's by default); None if none
        came."""
        query: dict[str, Any] = {"kind": kind, "since": since}
        if names is not None:
            query["names"] = list(names)
        if prefix is not None:
            query["prefix"] = prefix
        if arg0 is not None:
            query["arg0"] = arg0
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            left_ms = max(deadline - time.monotonic(), 0.0) * 1000
            try:
                handle = self.page.wait_for_function(_FIND, arg=query, timeout=left_ms or 1)
                record: Record = handle.json_value()
            except PlaywrightTimeoutError:
                return None
            except PlaywrightError:
                # The page navigated while the kit waited (a CRM that reloads on a logout):
                # the notes survive it, so the wait goes on in the new document.
                if time.monotonic() >= deadline:
                    return None
                with contextlib.suppress(PlaywrightError):
                    self.page.wait_for_load_state("domcontentloaded", timeout=left_ms or 1)
                continue
            handle.dispose()
            return record

    def find(self, kind: str, names: Iterable[str] | None = None, since: int = 0) -> list[Record]:
        wanted = set(names) if names is not None else None
        return [
            r
            for r in self.records()
            if r["kind"] == kind and r["t"] >= since and (wanted is None or r.get("name") in wanted)
        ]

    def kit_call(self, method: str, *args: Any) -> None:
        """Call the glue's own `method` (not the page's wrapper: not counted as the page's)."""
        # No glue method to call: what the kit waits for next simply does not come.
        with contextlib.suppress(PlaywrightError):
            self.page.evaluate(
                "([method, args]) => window.__agentbarKit.originals[method].apply(null, args)",
                [method, list(args)],
            )

    def screenshot(self) -> bytes | None:
        try:
            return self.page.screenshot()
        except PlaywrightError:
            return None

    # -- the toolbar -----------------------------------------------------------------------

    @property
    def toolbar(self) -> FrameLocator:
        return self.page.frame_locator(TOOLBAR_IFRAME).first

    def control(self, test_id: str) -> Locator:
        return self.toolbar.get_by_test_id(test_id)

    def storage_hint(self) -> str:
        """Why the toolbar's session may not outlive the page, when the page's iframe says so
        (else ""): a `credentialless` frame's storage is dropped with the page, a `sandbox`
        one without allow-same-origin has none."""
        try:
            found: dict[str, Any] | None = self.evaluate(_FRAME_STORAGE)
        except PlaywrightError:
            return ""
        if not found:
            return ""
        if found["credentialless"]:
            return (
                ": the page frames the toolbar `credentialless`, so its storage (the session) "
                "lasts only as long as the page"
            )
        if found["sandbox"] is not None and "allow-same-origin" not in found["sandbox"]:
            return ": the toolbar's iframe is sandboxed without allow-same-origin (no storage)"
        return ""

    def agent_state(self) -> str:
        """The agent's state as the toolbar shows it (`status`'s data-state: ready, on_call,
        wrap_up, …; empty when logged out), once the toolbar has drawn the views it received."""
        try:
            state = self.toolbar.locator(CURRENT_STATUS).get_attribute(
                "data-state", timeout=self.timeout_ms
            )
        except PlaywrightError:
            return ""
        return state or ""

    def wait_state(self, *wanted: str) -> bool:
        """Until the agent's state, drawn, is one of `wanted`."""
        either = ", ".join(f'{CURRENT_STATUS}[data-state="{state}"]' for state in wanted)
        try:
            self.toolbar.locator(either).first.wait_for(timeout=self.timeout_ms)
        except PlaywrightTimeoutError:
            return False
        return True

    # -- the journey -----------------------------------------------------------------------

    def run_steps(self, name: str, steps: list[Step]) -> None:
        """Play the journey's `name` steps. A selector that matches nothing (or more than one
        element) is bad input; an element that never becomes actionable is StepFailed."""
        for index, step in enumerate(steps, start=1):
            where = f"journey step {name}[{index}] ({step.describe()})"
            if step.action == "goto":
                self._goto(where, urljoin(self.page.url, step.target))
                continue
            locator = self.page.locator(step.target)
            try:
                locator.wait_for(state="attached", timeout=self.timeout_ms)
            except PlaywrightTimeoutError:
                raise BadInput(
                    f"{where}: no element matches {step.target!r} on {self.page.url} "
                    f"within {self.timeout:g} s"
                ) from None
            except PlaywrightError as error:
                if "strict mode violation" in str(error):
                    raise BadInput(
                        f"{where}: {locator.count()} elements match {step.target!r} on "
                        f"{self.page.url}; a step acts on one"
                    ) from None
                raise BadInput(f"{where} on {self.page.url}: {_first_line(error)}") from None
            try:
                self._act(step, locator)
            except PlaywrightTimeoutError:
                raise StepFailed(
                    f"{where}: {step.target!r} is on the page but could not be used within "
                    f"{self.timeout:g} s (hidden or disabled?)"
                ) from None
            except PlaywrightError as error:
                raise StepFailed(f"{where}: {_first_line(error)}") from None

    def _act(self, step: Step, locator: Locator) -> None:
        timeout = self.timeout_ms
        if step.action == "fill":
            locator.fill(step.value or "", timeout=timeout)
        elif step.action == "click":
            locator.click(timeout=timeout)
        elif step.action == "select":
            locator.select_option(step.value, timeout=timeout)
        elif step.action == "check":
            locator.check(timeout=timeout)
        elif step.action == "press":
            locator.press(step.value or "", timeout=timeout)
        elif step.action == "wait_for":
            locator.wait_for(state="visible", timeout=timeout)

    def _goto(self, where: str, url: str) -> None:
        try:
            self.page.goto(url, timeout=self.timeout_ms)
        except PlaywrightError as error:
            raise BadInput(f"{where}: cannot open {url}: {_first_line(error)}") from None


def _navigated(error: PlaywrightError) -> bool:
    """The evaluation failed because the document it ran in went away, not because of it."""
    text = str(error)
    return "context was destroyed" in text or "navigat" in text


def _first_line(error: BaseException) -> str:
    """The error's first line, without Playwright's "Locator.click: " prefix."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return re.sub(r"^\w+\.\w+: ", "", first)
