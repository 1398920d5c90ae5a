"""`agentbar conformance` in real Chromium: the sample CRM passes every required point; small
pages broken in one place each fail exactly the check that names their fault; bad input is one
line on stderr and exit status 2."""

from __future__ import annotations

import re
import socket
import time
from contextlib import AbstractContextManager, closing
from pathlib import Path

import pytest

from agentbar.conformance import sandbox as kit_sandbox
from agentbar.conformance.errors import BadInput
from agentbar.testing.server import PortInUse
from examples.services.ports import free_port
from tests.conformance.kit import KitRun, run_kit
from tests.conformance.kit import page as crm_page
from tests.support.sample_crm import sample_crm
from tests.support.servers import ADMIN_TOKEN, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_JOURNEY = ROOT / "examples" / "crm" / "journey.yaml"
REQUIRED_OPTIONAL_USED = [
    "lifecycle.logout",
    "extension.info",
    "screen_pop.click_to_dial",
    "screen_pop.manual",
    "screen_pop.preview",
    "screen_pop.progressive",
    "screen_pop.callback",
    "screen_pop.transferred",
    "wrapup.codes",
    "wrapup.failed_disposition",
    "presence.handlers",
    "auto_call.handlers",
    "transfer.handlers",
    "conference.handlers",
]


@pytest.fixture
def kit_port() -> int:
    return free_port()


def serve(name: str, kit_port: int) -> AbstractContextManager[PageServer]:
    """pages/<name> on an origin of its own, embedding the kit's sandbox on `kit_port`."""
    return page_server(crm_page(name, f"http://127.0.0.1:{kit_port}"))


def run_kit_as_agent1(
    tmp_path: Path, crm_url: str, kit_port: int, journey_timeout: float | None = None
) -> KitRun:
    """The kit on `crm_url` with its own sandbox on `kit_port`, typing agent1's credentials in
    the toolbar when the page does not log in; each wait cut to `journey_timeout`, if given."""
    args = ["--crm-url", crm_url, "--port", str(kit_port)]
    args += ["--username", "agent1", "--password", "agent1"]
    if journey_timeout is not None:
        journey = tmp_path / "journey.yaml"
        journey.write_text(f"timeout: {journey_timeout:g}\n")
        args += ["--journey", str(journey)]
    return run_kit(tmp_path, *args)


def test_the_sample_crm_passes_every_required_point(tmp_path: Path, kit_port: int) -> None:
    crm_port = free_port()
    html = tmp_path / "scorecard.html"
    with sample_crm(crm_port, f"http://127.0.0.1:{kit_port}", tmp_path / "crm.db") as crm:
        started = time.monotonic()
        kit = run_kit(
            tmp_path,
            "--crm-url",
            crm.url("/leads"),
            "--port",
            str(kit_port),
            "--journey",
            str(SAMPLE_JOURNEY),
            "--html",
            str(html),
        )
        took = time.monotonic() - started
    assert kit.status == 0, kit.stdout + kit.stderr
    assert kit.scorecard is not None
    assert kit.scorecard["passed"] is True
    assert kit.root_failures() == set()
    # The sample uses every optional point too, the journey's click-to-dial among them.
    for check_id in REQUIRED_OPTIONAL_USED:
        assert kit.check(check_id)["result"] == "pass", kit.check(check_id)
    assert (
        "the page called doLogin('agent1', …, 'AUTH_TYPE_CRM_HTTP')"
        in kit.check("lifecycle.login")["reason"]
    )
    pop = kit.check("screen_pop.inbound")["reason"]
    assert re.search(r"acknowledged \d+ ms after the pop, record '2'", pop), pop
    logout = kit.check("lifecycle.logout")["reason"]
    assert logout == "a supervisor logged agent1 out: logoutHandler('supervisor logout') ran"
    refused = kit.check("wrapup.failed_disposition")["reason"]
    assert "handleFailedDispositionNotifyGeneric(" in refused, refused
    assert "the reason is shown on the page" in refused, refused
    assert "PASSED" in kit.stdout
    report = html.read_text()
    assert "screen_pop.inbound" in report
    assert not re.search(r"""(src|href)=["']https?:""", report)  # nothing to fetch
    print(f"a full run against the sample CRM took {took:.1f} s")


def test_a_minimal_page_passes_with_the_kits_own_login(tmp_path: Path, kit_port: int) -> None:
    with serve("minimal.html", kit_port) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port)
    assert kit.status == 0, kit.stdout + kit.stderr
    assert kit.check("lifecycle.login")["reason"].startswith("the kit logged in as agent1")
    assert kit.check("extension.info")["result"] == "pass"
    assert kit.check("screen_pop.click_to_dial")["result"] == "not_used"
    assert kit.check("transfer.handlers")["result"] == "not_used"
    assert kit.check("presence.handlers")["result"] == "pass"
    force_login = kit.check("lifecycle.force_login")
    assert force_login["result"] == "pass", force_login
    assert "the page called doForceLogin()" in force_login["reason"]
    assert "forceLoginHandler('forceLoginRequired')" in force_login["reason"]


def test_the_kit_runs_against_a_running_server(tmp_path: Path, kit_port: int) -> None:
    with (
        serve("minimal.html", kit_port) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin], port=kit_port) as server,
    ):
        kit = run_kit(
            tmp_path,
            "--crm-url",
            crm.url("/crm"),
            "--server",
            server.base_url,
            "--admin-token",
            ADMIN_TOKEN,
            "--username",
            "agent2",
            "--password",
            "agent2",
        )
        calls = server.query("SELECT call_type, record_id FROM calls ORDER BY rowid")
    assert kit.status == 0, kit.stdout + kit.stderr
    assert kit.scorecard is not None
    assert kit.scorecard["server"] == server.base_url
    # The pop the kit scored is the one the server stored, acknowledged with the page's record.
    first = calls[0]
    assert (first["call_type"], first["record_id"]) == ("inbound", "contact-1")
    # The manual call the kit dialled in the toolbar is stored as one.
    assert "manual" in {call["call_type"] for call in calls}


@pytest.mark.parametrize(
    ("name", "failing", "said"),
    [
        ("no-origin.html", "embedding.origin", "has no ?origin="),
        ("wrong-div.html", "embedding.div", 'the page has no <div id="ameyoIframeDiv">'),
        ("misspelt-handler.html", "handlers.names", "'showCRM' is no handler name"),
        ("no-ack.html", "screen_pop.inbound", "setRecordInfoForShowCrm('"),
    ],
)
def test_a_broken_page_fails_exactly_the_check_of_its_fault(
    tmp_path: Path, kit_port: int, name: str, failing: str, said: str
) -> None:
    with serve(name, kit_port) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port, journey_timeout=5)
    assert kit.status == 1, kit.stdout + kit.stderr
    assert kit.root_failures() == {failing}, kit.stdout
    failed = kit.check(failing)
    assert said in failed["reason"]
    assert failed["screenshot"] is True
    assert f"failing: {failing}" in kit.stdout


def test_a_page_that_frames_the_toolbar_credentialless_fails_the_tab_and_reload_checks(
    tmp_path: Path, kit_port: int
) -> None:
    with serve("credentialless.html", kit_port) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port, journey_timeout=5)
    assert kit.status == 1, kit.stdout + kit.stderr
    # The session lives in the toolbar's storage, which this frame drops with the page: the
    # second tab and the reloaded page both start logged out.
    assert kit.root_failures() == {"tabs.one_pop", "lifecycle.login_status"}, kit.stdout
    assert kit.check("tabs.one_pop")["reason"].startswith("a second tab of ")
    assert kit.check("tabs.refresh_mid_call")["blockedBy"] == "tabs.one_pop"
    for check_id in ("tabs.one_pop", "lifecycle.login_status"):
        assert "frames the toolbar `credentialless`" in kit.check(check_id)["reason"]
    assert kit.check("screen_pop.inbound")["result"] == "pass"


def test_a_page_whose_failed_disposition_handler_throws_fails_that_check(
    tmp_path: Path, kit_port: int
) -> None:
    with serve("failed-disposition-throws.html", kit_port) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port)
    # An optional point: it fails, named, and the run still passes.
    assert kit.status == 0, kit.stdout + kit.stderr
    failed = kit.check("wrapup.failed_disposition")
    assert failed["result"] == "fail"
    assert failed["reason"].startswith("the page's handleFailedDispositionNotifyGeneric threw: "), (
        failed
    )
    assert "the wrap-up form is gone" in failed["reason"]
    # The kit's refused disposition is not taken for the answer to the page's own.
    assert kit.check("wrapup.disposition")["result"] == "pass"


def test_a_misspelt_screen_pop_handler_blocks_the_pop_check(tmp_path: Path, kit_port: int) -> None:
    with serve("misspelt-handler.html", kit_port) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port)
    assert kit.check("handlers.names")["reason"] == (
        "'showCRM' is no handler name the toolbar fires (did you mean 'showCrm'?)"
    )
    pop = kit.check("screen_pop.inbound")
    assert pop["blockedBy"] == "handlers.names"
    assert "('showCRM' is registered instead)" in pop["reason"]


def test_a_page_with_its_own_copy_of_an_old_glue_file_is_observed(
    tmp_path: Path, kit_port: int
) -> None:
    """The old glue (SPEC §4) sets `var ameyo` itself: the kit sees its registrations and calls
    all the same. That page never disposes a call, and the scorecard says so."""
    browser_pages = ROOT / "tests" / "browser" / "pages"
    html = (
        (browser_pages / "crm-old.html")
        .read_text()
        .replace("{{OLD_GLUE}}", (browser_pages / "old-glue.js").read_text())
        .replace("{{AGENTBAR}}", f"http://127.0.0.1:{kit_port}")
    )
    with page_server(lambda path: html) as crm:
        kit = run_kit_as_agent1(tmp_path, crm.url("/crm"), kit_port, journey_timeout=3)
    assert kit.status == 1, kit.stdout + kit.stderr
    assert kit.root_failures() == {"wrapup.disposition"}, kit.stdout
    assert kit.check("embedding.glue")["reason"].startswith("loaded from an inline script")
    assert kit.check("screen_pop.inbound")["result"] == "pass"
    assert kit.check("wrapup.hangup")["result"] == "pass"


def _one_line_exit_2(kit_status: int, stderr: str, *expected: str) -> None:
    assert kit_status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_an_unreachable_crm_url_is_bad_input(tmp_path: Path, kit_port: int) -> None:
    url = f"http://127.0.0.1:{free_port()}/crm"
    kit = run_kit(tmp_path, "--crm-url", url, "--port", str(kit_port))
    _one_line_exit_2(kit.status, kit.stderr, f"cannot reach the CRM page {url}")
    assert kit.scorecard is None


def test_a_page_that_never_loads_the_glue_is_bad_input(tmp_path: Path, kit_port: int) -> None:
    with serve("no-glue.html", kit_port) as crm:
        kit = run_kit(tmp_path, "--crm-url", crm.url("/crm"), "--port", str(kit_port))
    _one_line_exit_2(
        kit.status, kit.stderr, f"the page {crm.url('/crm')} never loaded agentbar's glue script"
    )


def test_a_journey_step_matching_nothing_is_bad_input(tmp_path: Path, kit_port: int) -> None:
    journey = tmp_path / "journey.yaml"
    journey.write_text("timeout: 2\nsign_in:\n  - click: '#sign-in'\n")
    with serve("minimal.html", kit_port) as crm:
        kit = run_kit(
            tmp_path,
            "--crm-url",
            crm.url("/crm"),
            "--port",
            str(kit_port),
            "--journey",
            str(journey),
        )
    _one_line_exit_2(
        kit.status,
        kit.stderr,
        "journey step sign_in[1] (click '#sign-in'): no element matches '#sign-in' on "
        + crm.url("/crm"),
    )


def test_a_port_in_use_is_bad_input(tmp_path: Path, kit_port: int) -> None:
    with (
        closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as taken,
        page_server(crm_page("minimal.html", f"http://127.0.0.1:{kit_port}")) as crm,
    ):
        taken.bind(("127.0.0.1", kit_port))
        taken.listen()
        kit = run_kit(tmp_path, "--crm-url", crm.url("/crm"), "--port", str(kit_port))
    _one_line_exit_2(kit.status, kit.stderr, f"port {kit_port} on 127.0.0.1 is in use")


def test_a_port_taken_between_the_check_and_the_sandbox_listening_is_the_same_bad_input(
    kit_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The port is free when checked, and taken before the sandbox binds it (another process
    # got there first): the sandbox server cannot listen, and its PortInUse is the one line.
    check_port_free = kit_sandbox.check_port_free
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as taken:

        def free_when_checked_then_taken(port: int) -> None:
            check_port_free(port)
            taken.bind(("127.0.0.1", port))
            taken.listen()

        monkeypatch.setattr(kit_sandbox, "check_port_free", free_when_checked_then_taken)
        with (
            pytest.raises(BadInput) as refused,
            kit_sandbox.sandbox(kit_port, "http://crm.invalid"),
        ):
            pytest.fail("a sandbox started on a port another socket listens on")
    assert isinstance(refused.value.__context__, PortInUse)  # the server's own refusal
    message = str(refused.value)
    assert message.startswith(
        f"port {kit_port} on 127.0.0.1 is in use, so the sandbox agentbar cannot listen there"
    )
    assert "\n" not in message  # one line: not the server's log that PortInUse carries


def test_a_journey_file_that_does_not_validate_is_bad_input(tmp_path: Path) -> None:
    journey = tmp_path / "journey.yaml"
    journey.write_text("click_to_dial:\n  - clik: '#dial'\n")
    kit = run_kit(tmp_path, "--crm-url", "http://127.0.0.1:1/", "--journey", str(journey))
    _one_line_exit_2(kit.status, kit.stderr, f"the journey file {journey}: click_to_dial.0.clik")
