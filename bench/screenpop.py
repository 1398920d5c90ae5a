"""The screen pop as a CRM page sees it: Chromium, a CRM page on its own origin with the glue
script and the toolbar iframe, the time from placing a call to the page's `showCrm` running;
beside it, in the same browser and under the same load, the floor of that path and the
stored floor (bench/pop_floor.py), one sample of each before each call.

The bench stamps `time.time()` just before its POST; the page stamps its handler's run with
`performance.timeOrigin + performance.now()`; both read the same machine clock. Each pop is
broken down into stages by stamps the browser takes without touching the product
(bench/pages/pop-stamps.js): the `at` of the `call.screen_pop` frame (the server's
`time.time()` when it decided), the toolbar frame's WebSocket delivering that frame, the CRM
page receiving the toolbar's `showCrm` message; and the `at` of the call's `call.offered` frame
(when the floor decided the call's arrival, which offers it to the agent in the same move),
which splits the server's part in two: the arrival, and the answer.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Frame, Page, sync_playwright

from agentbar.try_again import seconds_asked
from bench.agents import login_token
from bench.pop_floor import PARENT_PATH, Floor, floor_page, parent_page
from bench.server import ADMIN_TOKEN, BROWSER_AGENT, BROWSER_CAMPAIGN, BenchServer
from bench.server_latency import added, buckets, scrape
from bench.server_latency import summary_ms as server_summary_ms
from bench.stats import summary_ms
from tests.support.servers import PageServer, page_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGE = Path(__file__).parent / "pages" / "crm.html"
STAMPS = Path(__file__).parent / "pages" / "pop-stamps.js"
# More POSTs shed than this in one run: the node is not at its ceiling but past it for good,
# and the run's pops would say nothing of a pop's path.
MAX_SHED = 20

STAGES = (
    "offered",
    "answered",
    "to_toolbar",
    "toolbar_to_page",
    "glue",
    "decided",
    "offer_to_toolbar",
    "post_answered",
)
"""The stages of a pop in results.json's `browser_pop_stages_ms` (bench/report.py names them):
POST → the arrival decided (the offer's `at`), → the answer decided (the pop's `at`), → the
toolbar's socket delivers the pop's frame, → the CRM page receives the toolbar's message, →
`showCrm` runs; and apart: POST → the answer decided (the first two together), the arrival
decided → the toolbar's socket delivers the offer's frame (what the arrival's own commit and
frame take), POST → its answer (it comes back while the pop travels, so it is no step of the
pop's path)."""


@contextmanager
def crm_page_server() -> Iterator[tuple[PageServer, Callable[[str], None]]]:
    """The CRM page server, and a setter for agentbar's address (known only once it runs)."""
    base: list[str] = [""]
    template = PAGE.read_text()
    floor = parent_page()

    def render(path: str) -> str | None:
        if path.startswith(PARENT_PATH):
            return floor
        return template.replace("{{AGENTBAR}}", base[0]) if path.startswith("/crm") else None

    def set_base(url: str) -> None:
        base[0] = url

    with page_server(render) as server:
        yield server, set_base


def _toolbar(page: Page) -> Frame:
    frame: Frame | None = None
    for candidate in page.frames:
        if "toolbar-crm.htm" in candidate.url:
            frame = candidate
    if frame is None:
        raise RuntimeError("the toolbar iframe did not load")
    return frame


def wait_status(toolbar: Frame, status: str) -> None:
    toolbar.wait_for_function(
        "s => document.querySelector('[data-testid=status]').textContent.trim() === s",
        arg=status,
    )


def chromium() -> str:
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's chromium is not installed (scripts/setup --browser)")
    return executable


def ready_on_page(page: Page, crm: PageServer) -> Frame:
    """The CRM page loaded, the browser agent logged in through it (a login token) and ready;
    returns the toolbar's frame."""
    page.set_default_timeout(30_000)
    page.goto(crm.url("/crm"))
    page.wait_for_function("window.__handlerCalls.some(c => c.name === 'loginStatusHandler')")
    token = login_token(BROWSER_AGENT)
    page.evaluate(
        "([u, t]) => ameyo.integration.doLogin(u, t, 'AUTH_TYPE_TOKEN')", [BROWSER_AGENT, token]
    )
    page.wait_for_function("window.__handlerCalls.some(c => c.name === 'selectExtensionHandler')")
    toolbar = _toolbar(page)
    toolbar.get_by_test_id("ready").click()
    return toolbar


def measure(server: BenchServer, crm: PageServer, calls: int) -> dict[str, Any]:
    """Log the browser agent in through the page, then place `calls` calls one at a time, a
    sample of the floor taken before each (once the toolbar shows the agent ready again, so
    neither overlaps the other's work)."""
    executable = chromium()
    latencies: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    shed: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_init_script(path=STAMPS)
        page = context.new_page()
        toolbar = ready_on_page(page, crm)
        before = scrape(server.base_url)
        with (
            floor_page(browser, crm) as floor,
            httpx.Client(
                base_url=server.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ) as admin,
        ):
            for i in range(calls):
                wait_status(toolbar, "ready")
                floor.sample()
                floor.sample_stored()
                response, placed, answered = place_measured_call(admin, shed)
                page.wait_for_function("n => window.__pops.length >= n", arg=i + 1)
                pop: dict[str, Any] = page.evaluate("i => window.__pops[i]", i)
                latencies.append(pop["wall"] / 1000 - placed)
                stages["post_answered"].append(answered - placed)
                _stages_of(pop, placed, page, toolbar, stages)
                call_id = response.json()["callId"]
                post_until_admitted(admin, f"/api/v1/simulator/calls/{call_id}/hangup", {}, shed)
        browser.close()
    return {
        "browser_screen_pop_ms": summary_ms(latencies),
        **_floor_figures(floor, latencies),
        "browser_pop_stages_ms": {name: summary_ms(samples) for name, samples in stages.items()},
        "browser_pop_server_ms": _server_figures(before, scrape(server.base_url)),
        "browser_posts_shed": len(shed),
    }


def place_measured_call(
    admin: httpx.Client, shed: list[float]
) -> tuple[httpx.Response, float, float]:
    """The measured call, POSTed until admitted: its answer, and the bench's clock just before
    and just after the admitted POST."""
    return post_until_admitted(
        admin,
        "/api/v1/simulator/calls",
        {"from": "+14155550100", "campaign": BROWSER_CAMPAIGN},
        shed,
    )


def post_until_admitted(
    admin: httpx.Client, path: str, body: dict[str, Any], shed: list[float]
) -> tuple[httpx.Response, float, float]:
    """POST until admitted: the answer, and the bench's clock just before and just after the
    admitted POST. A POST the admission gate sheds (503: the background load has the node at
    its ceiling, as on a slow machine) did nothing: it is noted in `shed` and sent again once
    its Retry-After has passed, as a client should."""
    while True:
        placed = time.time()
        response = admin.post(path, json=body)
        answered = time.time()
        if response.status_code != 503 or len(shed) >= MAX_SHED:
            response.raise_for_status()
            return response, placed, answered
        shed.append(placed)
        time.sleep(seconds_asked(response.headers.get("retry-after")))


def _stages_of(
    pop: dict[str, Any], placed: float, page: Page, toolbar: Frame, into: dict[str, list[float]]
) -> None:
    """One pop's stages from the browser's stamps of it (found by its screen pop id); a pop
    with a stamp missing (which would be a bug of the stamping) adds to none."""
    found = "([name, id]) => window[name].findLast(r => r.id === id) || null"
    delivered = toolbar.evaluate(found, ["__toolbarReceived", pop["requestId"]])
    received = page.evaluate(found, ["__pageReceived", pop["requestId"]])
    if delivered is None or received is None or delivered.get("decided") is None:
        return
    # The call's last offer: the one its agent answered.
    offer = toolbar.evaluate(found, ["__toolbarOffered", delivered.get("call")])
    if offer is None or offer.get("decided") is None:
        return
    offered: float = offer["decided"]
    decided: float = delivered["decided"]
    into["offered"].append(offered - placed)
    into["answered"].append(decided - offered)
    into["decided"].append(decided - placed)
    into["offer_to_toolbar"].append(offer["wall"] / 1000 - offered)
    into["to_toolbar"].append(delivered["wall"] / 1000 - decided)
    into["toolbar_to_page"].append((received["wall"] - delivered["wall"]) / 1000)
    into["glue"].append((pop["wall"] - received["wall"]) / 1000)


STORED, SENT = "agentbar_event_stored_seconds", "agentbar_event_sent_seconds"
SERVER_STAGES = {
    "offer_stored": (STORED, "call.offered"),
    "stored": (STORED, "call.screen_pop"),
    "sent": (SENT, "call.screen_pop"),
}
"""The server's own timing of the run's calls (agentbar.metrics): from the arrival decided to
its `call.offered` published, the arrival's move stored; from the answer decided to the pop
published, its move stored; and to the pop's frame written to the toolbar's socket."""


def _server_figures(before: str, after: str) -> dict[str, dict[str, float]]:
    """What the server timed of the run's calls (the background's as well: the same path),
    from its histograms read before and after."""
    figures = {}
    for stage, (name, event) in SERVER_STAGES.items():
        labels = f'event="{event}"'
        figures[stage] = server_summary_ms(
            added(buckets(before, name, labels), buckets(after, name, labels))
        )
    return figures


def _floor_figures(floor: Floor, pops: list[float]) -> dict[str, Any]:
    """The floor's latencies, and agentbar's pop over them at p50 and p99; the same for the
    stored floor (bench/pop_floor.py)."""
    mine, least, stored = summary_ms(pops), summary_ms(floor.latencies), summary_ms(floor.stored)
    return {
        "browser_pop_floor_ms": least,
        "browser_pop_floor_handoff_ms": summary_ms(floor.handoffs),
        "browser_pop_over_floor": {q: mine[q] / least[q] for q in ("p50", "p99")},
        "browser_pop_stored_floor_ms": stored,
        "browser_pop_over_stored_floor": {q: mine[q] / stored[q] for q in ("p50", "p99")},
    }
