"""The kit's journey file and scorecard, without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentbar.conformance import report_html
from agentbar.conformance.catalog import CHECKS, KNOWN_HANDLERS
from agentbar.conformance.context import suggestion
from agentbar.conformance.errors import BadInput
from agentbar.conformance.journey import load_journey
from agentbar.conformance.scorecard import Result, Scorecard

ROOT = Path(__file__).resolve().parents[2]


def test_the_sample_crms_journey_loads() -> None:
    journey = load_journey(ROOT / "examples" / "crm" / "journey.yaml")
    assert journey.sandbox.sso_url == "/sso"
    assert [step.action for step in journey.submit_wrap_up] == ["select", "click"]
    assert journey.sign_in[0].describe() == "fill '[data-testid=\"crm-login-user\"]' 'agent1'"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "sign_in:\n  - click: '#a'\n    fill: '#b'\n",
            "sign_in.0: Value error, a step has exactly one",
        ),
        ("submit_wrap_up:\n  - fill: '#note'\n", "a 'fill' step needs a 'value'"),
        ("click_to_dial:\n  - click: '#dial'\n    value: x\n", "a 'click' step takes no 'value'"),
        ("timeout: 0\n", "timeout: Input should be greater than 0"),
        ("sandbox:\n  sso_format: soap\n", "sandbox.sso_format: Input should be 'json', 'form'"),
        ("- click: '#a'\n", "a mapping of settings and steps, not a list"),
        ("sign_in: [\n", "line "),
        ("campain: Sales\n", "campain: Extra inputs are not permitted"),
    ],
)
def test_a_journey_that_does_not_validate_says_where(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "journey.yaml"
    path.write_text(text)
    with pytest.raises(BadInput) as raised:
        load_journey(path)
    message = str(raised.value)
    assert message.startswith(f"the journey file {path}")
    assert said in message
    assert "\n" not in message


def test_a_missing_journey_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read the journey file"):
        load_journey(tmp_path / "nowhere.yaml")


def test_misspelt_handler_names_are_matched_to_the_real_ones() -> None:
    assert suggestion("showCRM") == "showCrm"
    assert suggestion("hangUpHandler") == "hangupHandler"
    assert suggestion("loginStatusHandlr") == "loginStatusHandler"
    assert suggestion("myOwnThing") is None
    assert {"showCrm", "embedErrorHandler", "getDispositionCodesHandler"} <= KNOWN_HANDLERS


def _card(result_of: dict[str, Result]) -> Scorecard:
    card = Scorecard("http://crm.test/page", "http://127.0.0.1:8080", seconds=12.34)
    for check in CHECKS:
        result = result_of.get(check.check_id, Result.PASS)
        card.record(check.check_id, result, f"reason of {check.check_id}")
    return card


def test_the_run_passes_only_when_every_required_check_passes() -> None:
    assert _card({}).ok
    assert _card({"transfer.handlers": Result.NOT_USED, "extension.info": Result.FAIL}).ok
    assert not _card({"screen_pop.inbound": Result.FAIL}).ok
    missing = _card({})
    del missing.results["wrapup.hangup"]
    assert not missing.ok


def test_the_scorecard_in_json_html_and_the_terminal(tmp_path: Path) -> None:
    card = Scorecard("http://crm.test/page", "http://127.0.0.1:8080", seconds=3.0)
    card.record("embedding.origin", Result.FAIL, "no ?origin=", screenshot=b"\x89PNG-bytes")
    card.record(
        "lifecycle.login", Result.FAIL, "the toolbar never loaded", blocked_by="embedding.origin"
    )
    card.record("embedding.origin", Result.PASS, "a later word is not kept")
    card.record("transfer.handlers", Result.NOT_USED, "none registered")
    card.write_json(tmp_path / "card.json")
    written = json.loads((tmp_path / "card.json").read_text())
    assert written["passed"] is False
    assert [c["id"] for c in written["checks"]] == [
        "embedding.origin",
        "lifecycle.login",
        "transfer.handlers",
    ]
    assert written["checks"][0] == {
        "id": "embedding.origin",
        "spec": "§1.2, §4",
        "required": True,
        "result": "fail",
        "reason": "no ?origin=",
        "blockedBy": None,
        "screenshot": True,
    }
    table = card.table(width=200)
    assert "not checked: embedding.origin failed (the toolbar never loaded)" in table
    assert table.splitlines()[-1].endswith("failing: embedding.origin")
    html = report_html.render(card)
    assert 'src="data:image/png;base64,iVBORy1ieXRlcw=="' in html
    assert "not used" in html
