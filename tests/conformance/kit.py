"""Running `agentbar conformance` as a developer would (its own process), and the small CRM
pages it is tried on."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGES = Path(__file__).parent / "pages"
KIT_TIMEOUT = 150  # seconds: far over a run, so only a hung kit trips it


@dataclass
class KitRun:
    status: int
    stdout: str
    stderr: str
    scorecard: dict[str, Any] | None

    def check(self, check_id: str) -> dict[str, Any]:
        assert self.scorecard is not None, self.stderr
        found: list[dict[str, Any]] = [c for c in self.scorecard["checks"] if c["id"] == check_id]
        assert len(found) == 1, check_id
        return found[0]

    def root_failures(self) -> set[str]:
        """The required checks that failed in their own right (not blocked by another)."""
        assert self.scorecard is not None, self.stderr
        return {
            c["id"]
            for c in self.scorecard["checks"]
            if c["required"] and c["result"] != "pass" and c["blockedBy"] is None
        }


def run_kit(tmp_path: Path, *args: str) -> KitRun:
    """`agentbar conformance <args> --json <file>`, and the scorecard it wrote (None: none)."""
    report = tmp_path / "scorecard.json"
    report.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "agentbar", "conformance", *args, "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=KIT_TIMEOUT,
    )
    scorecard = json.loads(report.read_text()) if report.exists() else None
    return KitRun(done.returncode, done.stdout, done.stderr, scorecard)


MINIMAL = "minimal.html"
"""The page the integration guide writes: the kit's scorecard passes it."""

BROKEN: dict[str, list[tuple[str, str]]] = {
    # Each broken in one place: what of minimal.html is replaced, and by what.
    # The toolbar framed `credentialless`, as a cross-origin-isolated CRM frames third parties.
    "credentialless.html": [("<iframe id=", "<iframe credentialless id=")],
    "no-origin.html": [
        ("toolbar-crm.htm?origin='\n    + window.location.href + '", "toolbar-crm.htm")
    ],
    "wrong-div.html": [('id="ameyoIframeDiv"', 'id="toolbar"'), ('"ameyoIframeDiv"', '"toolbar"')],
    "misspelt-handler.html": [("    showCrm: function", "    showCRM: function")],
    "no-ack.html": [
        (
            'api.api.setRecordInfoForShowCrm(requestId, "contact-1", "Jane Doe", '
            "function (answer) {});",
            'document.title = "calling: " + phone; // shows the record, never acknowledges it',
        )
    ],
    "no-glue.html": [
        (
            '<script src="{{AGENTBAR}}/ameyowebaccess/toolbar/js/ameyo-integration-v3.js">'
            "</script>\n",
            "",
        )
    ],
    "failed-disposition-throws.html": [
        (
            "    breakHandler: function (reason) {},\n",
            "    breakHandler: function (reason) {},\n"
            "    handleFailedDispositionNotifyGeneric: function (reason) {\n"
            '      throw new Error("the wrap-up form is gone");\n'
            "    },\n",
        )
    ],
}
"""The broken pages, as substitutions in the minimal one: they stay what it is but for the
one place each breaks."""


def page_text(name: str, agentbar_url: str) -> str:
    """pages/<name> (or minimal.html broken as BROKEN[name] says), pointing its glue and
    iframe at `agentbar_url`."""
    if name not in BROKEN:
        return (PAGES / name).read_text().replace("{{AGENTBAR}}", agentbar_url)
    text = (PAGES / MINIMAL).read_text()
    for old, new in BROKEN[name]:
        assert text.count(old) == 1, f"{name}: minimal.html no longer has {old!r} once"
        text = text.replace(old, new)
    return text.replace("{{AGENTBAR}}", agentbar_url)


def page(name: str, agentbar_url: str) -> Callable[[str], str | None]:
    """pages/<name> at any path, pointing its glue and iframe at `agentbar_url`."""
    text = page_text(name, agentbar_url)
    return lambda path: text
