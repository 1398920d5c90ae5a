"""Embedding (SPEC §1, §4): the div, the glue script, the iframe and its ?origin=, and what
the embed doctor inside the toolbar reports. Answers whether the toolbar loaded in the page."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from agentbar.conformance.context import Run
from agentbar.conformance.page import TOOLBAR_IFRAME, TOOLBAR_PATH

GLUE_PATH = "/ameyowebaccess/toolbar/js/"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Where the toolbar's iframe is, and in what.
_LAYOUT = """() => {
  const frames = Array.from(document.querySelectorAll("iframe")).map((f) => {
    const holder = f.closest("div[id]");
    return {
      id: f.id, src: f.src || "", holder: holder ? holder.id : null,
      inDiv: Boolean(f.closest("#ameyoIframeDiv")),
    };
  });
  return {
    origin: location.origin, frames: frames,
    hasDiv: Boolean(document.getElementById("ameyoIframeDiv")),
    glue: window.__agentbarKit ? window.__agentbarKit.glue : null,
  };
}"""

_HAS_TOOLBAR = """path => Array.from(document.querySelectorAll("iframe"))
  .some((f) => (f.src || "").includes(path))"""


def check_embedding(run: Run) -> bool:
    """The embedding checks; True when the toolbar loaded (its onLoadHandler reached the page)."""
    crm = run.crm
    with contextlib.suppress(PlaywrightTimeoutError):  # none: scored below
        crm.page.wait_for_function(_HAS_TOOLBAR, arg=TOOLBAR_PATH, timeout=crm.timeout_ms)
    layout: dict[str, Any] = crm.evaluate(_LAYOUT)
    _check_glue(run, layout.get("glue"))
    toolbars = [f for f in layout["frames"] if TOOLBAR_PATH in f["src"]]
    if not toolbars:
        others = ", ".join(f["src"] or "(no src)" for f in layout["frames"]) or "none"
        run.failed(
            "embedding.iframe",
            f"no iframe loads {run.server.base_url}{TOOLBAR_PATH} within {crm.timeout:g} s "
            f"(iframes on the page: {others})",
        )
        run.blocked(
            ["embedding.div", "embedding.origin", "embedding.doctor"],
            "embedding.iframe",
            "no toolbar",
        )
        return False
    frame = toolbars[0]
    _check_iframe(run, frame)
    _check_div(run, layout["hasDiv"], frame)
    origin_problem = _origin_problem(frame["src"], layout["origin"])
    _wait_toolbar_started(run)
    diagnosis = _doctor_says(run)
    if diagnosis:  # a toolbar that refused to start never fires onLoadHandler
        loaded = bool(crm.find("event", ["onLoadHandler"]))
    else:
        loaded = crm.wait_record("event", ["onLoadHandler"]) is not None
        # The doctor diagnoses the socket only once it was tried: the toolbar reports its
        # session (loginStatusHandler) when it reached its server.
        if loaded and crm.wait_record("event", ["loginStatusHandler"]) is None:
            diagnosis = _doctor_says(run)
    if origin_problem:
        said = f" (the embed doctor says {diagnosis})" if diagnosis else ""
        run.failed("embedding.origin", origin_problem + said)
        run.blocked(["embedding.doctor"], "embedding.origin", diagnosis or "the origin is wrong")
    else:
        run.passed("embedding.origin", f"?origin= names {layout['origin']}, the page's own origin")
        if diagnosis:
            run.failed("embedding.doctor", f"the embed doctor says {diagnosis}")
        else:
            listens = run.handler("embedErrorHandler").registered
            run.passed(
                "embedding.doctor",
                "no problem reported"
                + ("; the page listens with embedErrorHandler" if listens else ""),
            )
    # A toolbar from another server, or one the glue cannot find, answers nothing the kit does.
    return loaded and not run.card.failed("embedding.iframe")


def _check_glue(run: Run, glue: dict[str, Any] | None) -> None:
    if glue is None:  # the runner waited for it: a page without the glue is bad input
        run.failed("embedding.glue", "window.ameyo.integration never appeared")
        return
    src = glue.get("src") or "an inline script"
    where = "in <head>" if glue.get("inHead") else "outside <head> (SPEC §1.1 puts it in <head>)"
    if glue.get("src") and GLUE_PATH not in glue["src"]:
        note = "; a copy of the glue, which the toolbar also speaks to (SPEC §4)"
    elif glue.get("src") and not _same_server(glue["src"], run.server.base_url):
        note = f"; from another server than {run.server.base_url}"
    else:
        note = ""
    run.passed("embedding.glue", f"loaded from {src} {where}{note}")


def _check_iframe(run: Run, frame: dict[str, Any]) -> None:
    src = frame["src"]
    if frame["id"] != "ameyoIframe":
        shown = f"id '{frame['id']}'" if frame["id"] else "no id"
        run.failed(
            "embedding.iframe",
            f"the toolbar's iframe has {shown}: the glue talks to iframe#ameyoIframe only",
        )
    elif not _same_server(src, run.server.base_url):
        run.failed(
            "embedding.iframe",
            f"the iframe loads the toolbar from {_origin(src)}, not from the server under test "
            f"({run.server.base_url}): point the page at it, or pass --port / --server",
        )
    else:
        run.passed("embedding.iframe", f"iframe#ameyoIframe loads {src.split('?')[0]}")


def _check_div(run: Run, has_div: bool, frame: dict[str, Any]) -> None:
    if frame["inDiv"]:
        run.passed("embedding.div", 'the toolbar\'s iframe is in <div id="ameyoIframeDiv">')
        return
    where = f'<div id="{frame["holder"]}">' if frame["holder"] else "no <div> with an id"
    if has_div:
        run.failed(
            "embedding.div",
            f'<div id="ameyoIframeDiv"> exists, but the toolbar\'s iframe is in {where}',
        )
    else:
        run.failed(
            "embedding.div",
            f'the page has no <div id="ameyoIframeDiv">: the toolbar\'s iframe is in {where}',
        )


def _origin_problem(src: str, page_origin: str) -> str | None:
    query = urlsplit(src).query
    at = query.find("origin=")
    if at < 0:
        return f"the iframe URL {src} has no ?origin=: append '?origin=' + window.location.href"
    named = unquote(query[at + len("origin=") :])
    origin = _origin(named)
    if origin is None:
        return f"?origin={named} is not an absolute http(s) URL: pass window.location.href"
    if origin != page_origin:
        return (
            f"?origin= names {origin}, but the page is at {page_origin}: pass window.location.href"
        )
    return None


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _same_server(url: str, base_url: str) -> bool:
    """The same scheme and port, and the same host (any two loopback names are one host)."""
    a, b = urlsplit(url), urlsplit(base_url)
    if a.scheme != b.scheme or a.port != b.port:
        return False
    return a.hostname == b.hostname or (a.hostname in LOOPBACK and b.hostname in LOOPBACK)


def _wait_toolbar_started(run: Run) -> None:
    """Until the toolbar's page has run its scripts (a module runs before DOMContentLoaded):
    by then it either shows the doctor's panel or has fired onLoadHandler."""
    crm = run.crm
    try:
        handle = crm.page.locator(TOOLBAR_IFRAME).first.element_handle(timeout=crm.timeout_ms)
        frame = handle.content_frame()
        if frame is not None:
            frame.wait_for_url(f"**{TOOLBAR_PATH}**", timeout=crm.timeout_ms)
            frame.wait_for_load_state("domcontentloaded", timeout=crm.timeout_ms)
    except PlaywrightError:
        pass  # a frame the browser refused (CSP frame-ancestors) shows no toolbar at all


def _doctor_says(run: Run) -> str | None:
    """The embed doctor's diagnosis: its panel in the toolbar, or what it told the page."""
    panel = run.crm.toolbar.locator('[data-testid="embed-error"]')
    try:
        if panel.count() > 0:
            code = panel.first.get_attribute("data-code") or "a problem"
            message = panel.first.locator(".message").inner_text(timeout=1000)
            return f"{code}: {message}"
    except PlaywrightError:
        pass
    told = run.crm.find("event", ["embedErrorHandler"])
    if told:
        data = told[-1].get("data") or {}
        return f"{data.get('code')}: {data.get('message')}"
    return None
