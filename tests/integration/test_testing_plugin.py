"""agentbar.testing, the pytest plugin CRM teams load in their own suites: the shipped example
project (examples/crm_tests) run by pytest as its team would run it, with a sandbox server the
fixture starts and stops; a wait that times out, and what it reports; a call of every kind
placed through the helpers; the agents' states followed from any cursor."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from agentbar.testing import AdminRequestRefused, Sandbox, start_sandbox
from agentbar.testing.event_log import EventLog
from agentbar.testing.server import PORT_IN_USE, PortInUse, run_sandbox_server
from tests.support.servers import page_server

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE_PROJECT = REPOSITORY / "examples" / "crm_tests"
RUN_TIMEOUT = 90.0

SANDBOX_SEEN = """
from pathlib import Path

from agentbar.testing import Sandbox


def test_the_sandbox_is_up(agentbar_sandbox: Sandbox) -> None:
    Path("sandbox.txt").write_text(f"{agentbar_sandbox.base_url} {agentbar_sandbox.pid}")
    assert agentbar_sandbox.admin_token
"""

WAITS_THAT_TIME_OUT = """
from agentbar.testing import Sandbox


def test_a_ready_agent_never_gets_a_call(agentbar_sandbox: Sandbox) -> None:
    with agentbar_sandbox.log_in_agent("agent3", campaign="Inbound Support", ready=True):
        agentbar_sandbox.wait_for_agent_state("agent3", "on_call", timeout=0.5)


def test_an_agent_who_never_logged_in(agentbar_sandbox: Sandbox) -> None:
    agentbar_sandbox.wait_for_agent_state("agent5", "ready", timeout=0.2)
"""


def crm_project(pytester: pytest.Pytester) -> None:
    """The example project as a CRM team has it: conftest.py, pytest.ini, its tests."""
    for name in ("conftest.py", "pytest.ini", "test_example.py"):
        shutil.copy(EXAMPLE_PROJECT / name, pytester.path / name)


def test_the_guide_shows_the_example_project_as_shipped() -> None:
    guide = (REPOSITORY / "docs" / "integration-guide.md").read_text(encoding="utf-8")
    for name, language in (
        ("conftest.py", "python"),
        ("pytest.ini", "ini"),
        ("test_example.py", "python"),
    ):
        shipped = (EXAMPLE_PROJECT / name).read_text(encoding="utf-8")
        assert f"```{language}\n{shipped}```" in guide, f"the guide's {name} is not the shipped one"


def test_the_example_project_passes_against_a_sandbox_it_starts_and_stops(
    pytester: pytest.Pytester,
) -> None:
    crm_project(pytester)
    pytester.makepyfile(test_sandbox_seen=SANDBOX_SEEN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=RUN_TIMEOUT)
    base_url, pid = (pytester.path / "sandbox.txt").read_text().split()
    # One session-scoped server served the four tests (the example's three: the toolbar
    # framed by the allowed CRM origin, an inbound call popped, a click-to-dial popped).
    result.assert_outcomes(passed=4)
    # Stopped with the session: its process is gone, nothing answers where it served.
    assert not _left_running(int(pid)), "the sandbox server outlived the test session"
    # A bare socket, not an HTTP client: pytester forgets the modules a test imports, and
    # an HTTP client's first failed request imports some lazily.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", urlsplit(base_url).port or 80), timeout=2.0)


def test_a_wait_that_times_out_names_the_agent_the_state_and_the_last_state_seen(
    pytester: pytest.Pytester,
) -> None:
    crm_project(pytester)
    pytester.makepyfile(test_waits=WAITS_THAT_TIME_OUT)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "test_waits.py", timeout=RUN_TIMEOUT
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E   *AgentStateTimeout: agent 'agent3' did not reach state 'on_call' within "
            "0.5 s; last state seen: 'ready' (event seq *)",
            "E   *AgentStateTimeout: agent 'agent5' did not reach state 'ready' within "
            "0.2 s; no state seen (the agent has not logged in)",
        ],
        consecutive=False,
    )


def test_a_function_scoped_sandbox_is_a_server_per_test(pytester: pytest.Pytester) -> None:
    crm_project(pytester)
    (pytester.path / "pytest.ini").write_text(
        "[pytest]\nagentbar_sandbox_scope = function\n", encoding="utf-8"
    )
    pytester.makepyfile(
        test_two_sandboxes="""
        from pathlib import Path

        from agentbar.testing import Sandbox

        def served_at(sandbox: Sandbox) -> None:
            with Path("served.txt").open("a") as served:
                served.write(sandbox.base_url + "\\n")

        def test_one(agentbar_sandbox: Sandbox) -> None:
            served_at(agentbar_sandbox)

        def test_two(agentbar_sandbox: Sandbox) -> None:
            served_at(agentbar_sandbox)
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "test_two_sandboxes.py", timeout=RUN_TIMEOUT
    )
    result.assert_outcomes(passed=2)
    served = (pytester.path / "served.txt").read_text().split()
    assert len(served) == len(set(served)) == 2


def test_an_unknown_sandbox_scope_is_a_usage_error(pytester: pytest.Pytester) -> None:
    crm_project(pytester)
    (pytester.path / "pytest.ini").write_text(
        "[pytest]\nagentbar_sandbox_scope = forever\n", encoding="utf-8"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "test_example.py", timeout=RUN_TIMEOUT
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*agentbar_sandbox_scope = 'forever': write one of session, package, module, class, *"]
    )


def _left_running(pid: int) -> bool:
    """Whether the process is still there; if so, it is stopped here (the run should have)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    os.kill(pid, signal.SIGTERM)
    return True


def test_a_sandbox_asked_for_a_taken_port_says_so_and_leaves_no_server_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def seen_starting(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process: subprocess.Popen[bytes] = popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", seen_starting)
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port: int = taken.getsockname()[1]
        with pytest.raises(PortInUse) as refused, run_sandbox_server(tmp_path, port=port):
            pytest.fail("a sandbox started on a port another socket listens on")
    message = str(refused.value)
    assert message.startswith(f"port {port} is in use:\n")
    # The server's own word for it, from its log: not some other failure to start.
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in message
    # One server was started, and it is gone: it exited for want of the port, and was
    # waited for (a returncode), so no `agentbar serve` is left running, nor a zombie.
    assert [process.returncode for process in started] == [PORT_IN_USE]


def test_a_sandbox_whose_port_another_web_server_took_is_refused_not_mistaken_for_it(
    tmp_path: Path,
) -> None:
    # The port was free when picked, and a web server that answers 200 on every path took it
    # before the sandbox bound it: its answer to /readyz is not the sandbox being ready.
    with page_server(lambda path: "<p>another server</p>") as other:
        with pytest.raises(PortInUse) as refused, run_sandbox_server(tmp_path, port=other.port):
            pytest.fail("a sandbox was yielded while another web server held its port")
        assert httpx.get(other.url("/readyz")).text == "<p>another server</p>"  # still there
    assert f"cannot listen on 127.0.0.1:{other.port}: the port is in use" in str(refused.value)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with start_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


KIND_CAMPAIGNS = {
    "inbound": "Inbound Support",
    "manual": "Outbound Sales",
    "click_to_dial": "Outbound Sales",
    "preview": "Outbound Sales",
    "progressive": "Sandbox Progressive",
    "predictive": "Sandbox Predictive",
    "callback": "Inbound Support",
}


@pytest.mark.parametrize("kind", list(KIND_CAMPAIGNS))
def test_a_call_of_each_kind_pops_on_the_agents_page(sandbox: Sandbox, kind: str) -> None:
    campaign = KIND_CAMPAIGNS[kind]
    if kind in ("progressive", "predictive"):
        assert sandbox.dialer_campaign(kind) == campaign
    phone = f"+1415555{list(KIND_CAMPAIGNS).index(kind):04d}"
    start = sandbox.last_seq()
    with sandbox.log_in_agent("agent4", campaign=campaign, ready=True) as agent:
        call_id = sandbox.place_call(kind, phone=phone, agent=agent)
        pop = sandbox.wait_for_event("call.screen_pop", after=start, call_id=call_id)
        assert (pop.agent_id, pop.data["callType"], pop.data["phone"]) == ("agent4", kind, phone)
        sandbox.wait_for_agent_state("agent4", "on_call")
        agent.hang_up()
        sandbox.wait_for_agent_state("agent4", "wrap_up")
        agent.dispose("Sale")
        sandbox.wait_for_agent_state("agent4", "ready")
    assert sandbox.agent_state("agent4") == "logged_out"


def test_a_call_the_agent_cannot_take_is_refused_saying_why(sandbox: Sandbox) -> None:
    with sandbox.log_in_agent("agent5", campaign="Inbound Support") as agent:
        with pytest.raises(ValueError, match="to work in 'Outbound Sales', not Inbound Support"):
            sandbox.place_call("preview", agent=agent)
        with pytest.raises(ValueError, match="a manual call needs an agent"):
            sandbox.place_call("manual")
        with pytest.raises(
            AdminRequestRefused, match=r"^POST /api/v1/simulator/calls answered 404: .*Nope"
        ):
            sandbox.place_call("inbound", campaign="Nope")
        with pytest.raises(ValueError, match="unknown call kind 'pigeon' \\(inbound, manual"):
            sandbox.place_call("pigeon", agent=agent)


def events_api(stored: list[dict[str, object]]) -> httpx.Client:
    """An admin client whose events API answers from `stored`, as the server would."""

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        found = [event for event in stored if int(str(event["seq"])) > after]
        last = found[-1]["seq"] if found else after
        return httpx.Response(200, content=json.dumps({"events": found, "last": last}))

    return httpx.Client(base_url="http://sandbox.test", transport=httpx.MockTransport(answer))


def state_changed(seq: int, agent_id: str, state: str) -> dict[str, object]:
    return {
        "seq": seq,
        "event": "agent.state_changed",
        "at": float(seq),
        "data": {"agentId": agent_id, "state": state, "reason": None},
        "agentId": agent_id,
        "callId": None,
    }


def test_reading_from_a_later_cursor_does_not_skip_state_changes_before_it() -> None:
    stored = [state_changed(1, "agent1", "ready"), state_changed(2, "agent2", "break")]
    log = EventLog(lambda: events_api(stored))
    [later] = log.read(after=1)
    assert (later.seq, later.agent_id, later.data["state"]) == (2, "agent2", "break")
    assert log.agent_state("agent1") == "ready"
    assert log.wait_for_agent_state("agent1", "ready", timeout=0).seq == 1
    assert log.agent_state("agent3") == "logged_out"
    assert log.last_seq() == 2
