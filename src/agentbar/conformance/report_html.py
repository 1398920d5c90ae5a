"""The scorecard as one self-contained HTML file: the table, and the screenshot taken at each
failed step embedded as a data URL (nothing to fetch, so it can be attached to a CI run)."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from agentbar.conformance.scorecard import CheckResult, Result, Scorecard

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
td.pass { color: #17692e; font-weight: 600; }
td.fail { color: #b3261e; font-weight: 600; }
td.not_used { color: #777; }
.verdict.ok { color: #17692e; } .verdict.bad { color: #b3261e; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ccc; }
code { background: #f3f3f3; padding: 0 .2em; }
"""


def render(scorecard: Scorecard) -> str:
    verdict = "passed" if scorecard.ok else "failed"
    rows = "\n".join(_row(result) for result in scorecard.ordered())
    shots = "\n".join(
        _figure(result) for result in scorecard.ordered() if result.screenshot is not None
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agentbar conformance: {escape(scorecard.crm_url)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>agentbar conformance</h1>
<p class="verdict {"ok" if scorecard.ok else "bad"}">
The page <code>{escape(scorecard.crm_url)}</code> {verdict}
against <code>{escape(scorecard.server_url)}</code> in {scorecard.seconds:.1f} s.</p>
<table>
<thead><tr><th>check</th><th>result</th><th></th><th>SPEC</th><th>reason</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{"<h2>Failed steps</h2>" if shots else ""}
{shots}
</body>
</html>
"""


def write(scorecard: Scorecard, path: Path) -> None:
    path.write_text(render(scorecard), encoding="utf-8")


def _row(result: CheckResult) -> str:
    css = result.result.value
    shown = {Result.PASS: "pass", Result.FAIL: "fail", Result.NOT_USED: "not used"}[result.result]
    reason = escape(result.reason)
    if result.blocked_by:
        reason = f"not checked: <code>{escape(result.blocked_by)}</code> failed ({reason})"
    link = f' <a href="#shot-{escape(result.check.check_id)}">screenshot</a>'
    return (
        f'<tr id="{escape(result.check.check_id)}"><td><code>{escape(result.check.check_id)}'
        f'</code><br><small>{escape(result.check.title)}</small></td><td class="{css}">{shown}</td>'
        f"<td>{'required' if result.check.required else 'optional'}</td>"
        f"<td>{escape(result.check.spec)}</td>"
        f"<td>{reason}{link if result.screenshot is not None else ''}</td></tr>"
    )


def _figure(result: CheckResult) -> str:
    assert result.screenshot is not None
    data = base64.b64encode(result.screenshot).decode("ascii")
    check_id = escape(result.check.check_id)
    return (
        f'<figure id="shot-{check_id}"><figcaption><code>{check_id}</code>: '
        f"{escape(result.reason)}</figcaption>"
        f'<img alt="the CRM page when {check_id} failed" src="data:image/png;base64,{data}">'
        "</figure>"
    )
