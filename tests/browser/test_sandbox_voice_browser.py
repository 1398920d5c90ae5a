"""The browser phone on the simulator: a simulated customer's call to an agent on a browser
extension speaks through Janus (an AudioBridge room playing the sandbox's greeting), and the
toolbar joins it and plays it. Here the greeting is a tone, so what the agent hears can be
checked by frequency; the demo's is speech made by espeak-ng."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from examples.services.janus import JanusServer, have_janus, janus_server
from examples.services.ports import free_port
from examples.services.prompts import GREETING, have_prompt_tools, speak, tone
from tests.browser.crm import crm_pages, wait_for_handler
from tests.browser.phone import (
    HEARD_FREQUENCY,
    PHONE_PAGE,
    phone_page,
    ready_on_the_browser_phone,
    the_toolbar,
)
from tests.support.servers import AgentbarServer, agentbar_server, page_server

pytestmark = pytest.mark.browser

GREETING_TONE = 600.0


@dataclass
class Sandbox:
    janus: JanusServer
    server: AgentbarServer
    crm_url: str


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    if not have_janus() or not have_prompt_tools():
        pytest.fail("Janus, espeak-ng or opus-tools is missing: scripts/setup --janus")
    with ExitStack() as stack:
        janus = stack.enter_context(janus_server())
        greeting = tone(GREETING_TONE, tmp_path / "greeting.opus")
        base: list[str] = []
        crm = stack.enter_context(page_server(crm_pages(lambda: base[0], PHONE_PAGE)))
        env = {
            "AGENTBAR_JANUS_URL": janus.url,
            "AGENTBAR_JANUS_TOKEN_SECRET": janus.token_secret,
            "AGENTBAR_SANDBOX_GREETING": str(greeting),
        }
        server = stack.enter_context(agentbar_server(tmp_path / "agentbar", [crm.origin], env))
        base.append(server.base_url)
        yield Sandbox(janus, server, f"{crm.origin}/crm")


def test_a_simulated_customer_speaks_to_the_browser_phone(
    sandbox: Sandbox, phone_browser: Browser
) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, sandbox.crm_url)
    bar = page.frame_locator("#ameyoIframe")

    call_id = sandbox.server.place_call()
    bar.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    heard = the_toolbar(page).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(GREETING_TONE, rel=0.05), f"the agent heard {heard:.0f} Hz"

    sandbox.server.customer_hangs_up(call_id)
    bar.get_by_test_id("phone-status").get_by_text("ready").wait_for()
    assert (
        the_toolbar(page).evaluate(
            "document.querySelector('[data-testid=phone-remote-audio]').srcObject"
        )
        is None
    )


def test_the_demo_greeting_is_speech_made_at_build_time(tmp_path: Path) -> None:
    if not have_prompt_tools():
        pytest.fail("espeak-ng or opus-tools is missing: scripts/setup --janus")
    made = speak(GREETING, tmp_path / "greeting.opus")
    assert made.read_bytes()[:4] == b"OggS"  # an Ogg container
    assert b"OpusHead" in made.read_bytes()[:100]
    assert made.stat().st_size > 5000  # seconds of speech, not an empty stream


def test_an_unreachable_janus_is_said_in_the_toolbar(
    tmp_path: Path, phone_browser: Browser
) -> None:
    closed = free_port()  # nothing listens there
    base: list[str] = []
    with (
        page_server(crm_pages(lambda: base[0], PHONE_PAGE)) as crm,
        agentbar_server(
            tmp_path / "agentbar",
            [crm.origin],
            {
                "AGENTBAR_JANUS_URL": f"ws://127.0.0.1:{closed}/",
                "AGENTBAR_JANUS_TOKEN_SECRET": "a-secret-nobody-checks",
            },
        ) as server,
    ):
        base.append(server.base_url)
        page = phone_page(phone_browser)
        page.goto(f"{crm.origin}/crm")
        wait_for_handler(page, "loginStatusHandler")
        page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
        wait_for_handler(page, "selectExtensionHandler")
        error = page.frame_locator("#ameyoIframe").get_by_test_id("phone-error")
        error.get_by_text(f"Janus is unreachable at ws://127.0.0.1:{closed}/").wait_for()
        assert error.get_attribute("data-code") == "janus_unreachable"
        status = page.frame_locator("#ameyoIframe").get_by_test_id("phone-status")
        assert status.get_attribute("data-state") == "off"
        # agentbar heard of it over the socket, and logged it for the operator.
        reported = "browser phone of agent1: janus_unreachable"
        deadline = time.monotonic() + 10
        while reported not in server.log():  # a server's log line is no event to wait on
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.05)
