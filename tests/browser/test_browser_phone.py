"""The browser phone with real audio: Janus (Debian's package, started here), agentbar on SIP,
a baresip customer, and Chromium whose fake microphone plays a tone. The toolbar registers
its `browser` extension through Janus's SIP plugin; a customer's call rings in the toolbar,
the agent answers there, and each side hears the other's tone, checked by frequency."""

from __future__ import annotations

import itertools
import struct
import time
import wave
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from examples.services.janus import JanusServer, have_janus, janus_server
from tests.browser.crm import crm_pages
from tests.browser.phone import (
    AGENT_TONE,
    EXTENSION,
    HEARD_FREQUENCY,
    PHONE_PAGE,
    phone_page,
    ready_on_the_browser_phone,
    the_toolbar,
)
from tests.support.baresip import (
    Phone,
    dominant_frequency,
    have_baresip,
    phone,
    port_block,
    write_tone,
)
from tests.support.servers import AgentbarServer, agentbar_server, page_server

pytestmark = [pytest.mark.browser, pytest.mark.sip]

CUSTOMER_TONE = 440.0
CUSTOMER = "+14085551212"
DIALED = "+18005550100"
CALLED = "+14155550123"
"""A number behind the trunk, which answers calls out."""

# A page written before the browser phone: its iframe does not allow the microphone.
NO_MICROPHONE_PAGE = f"""
<script>
  function getExtensionInfo() {{ return {{ name: '{EXTENSION[0]}', phone: '{EXTENSION[1]}' }}; }}
</script>
"""


def tail_frequency(path: Path, seconds: float) -> float:
    """The frequency of the last `seconds` of a recording (zero crossings of a clean sine)."""
    with wave.open(str(path), "rb") as recording:
        rate = recording.getframerate()
        raw = recording.readframes(recording.getnframes())
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)[-int(rate * seconds) :]
    crossings = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    return crossings * rate / len(samples)


@dataclass
class PhoneWorld:
    janus: JanusServer
    server: AgentbarServer
    sip_port: int
    customer: Phone
    trunk: Phone
    crm_url: str


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PhoneWorld]:
    if not have_janus():
        pytest.fail("Janus is not installed: scripts/setup --janus installs it")
    if not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup --sip installs it")
    with ExitStack() as stack:
        janus = stack.enter_context(janus_server())
        sip_port = port_block(2)
        base: list[str] = []
        page_html = getattr(request, "param", PHONE_PAGE)
        crm = stack.enter_context(page_server(crm_pages(lambda: base[0], page_html)))
        trunk = stack.enter_context(
            phone(
                tmp_path,
                "trunk",
                f"<sip:{CALLED}@127.0.0.1:{{sip_port}}>;regint=0;answermode=auto",
                tone=write_tone(tmp_path / "called.wav", CUSTOMER_TONE),
                record=True,
            )
        )
        env = {
            "AGENTBAR_TELEPHONY": "sip",
            "AGENTBAR_SIP_LISTEN_PORT": str(sip_port),
            "AGENTBAR_SIP_TRUNK": f"127.0.0.1:{trunk.sip_port}",
            "AGENTBAR_SIP_ROUTES": f"{DIALED}=Inbound Support",
            "AGENTBAR_JANUS_URL": janus.url,
            "AGENTBAR_JANUS_TOKEN_SECRET": janus.token_secret,
        }
        server = stack.enter_context(agentbar_server(tmp_path / "agentbar", [crm.origin], env))
        base.append(server.base_url)
        customer = stack.enter_context(
            phone(
                tmp_path,
                "customer",
                f"<sip:{CUSTOMER}@127.0.0.1:{{sip_port}}>;regint=0",
                tone=write_tone(tmp_path / "customer.wav", CUSTOMER_TONE),
                record=True,
            )
        )
        yield PhoneWorld(janus, server, sip_port, customer, trunk, f"{crm.origin}/crm")


def answered_call(page: Page, world: PhoneWorld) -> None:
    """A customer calls in and the agent answers in the toolbar; the agent hears them."""
    bar = page.frame_locator("#ameyoIframe")
    world.customer.dial(f"sip:{DIALED}@127.0.0.1:{world.sip_port}")
    bar.get_by_test_id("phone-status").get_by_text("ringing").wait_for()
    bar.get_by_test_id("phone-answer").click()
    world.customer.wait_event("CALL_ESTABLISHED", 15.0)
    bar.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    heard = the_toolbar(page).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(CUSTOMER_TONE, rel=0.05), f"the agent heard {heard:.0f} Hz"


def test_the_agent_answers_in_the_toolbar_and_both_sides_hear_each_other(
    world: PhoneWorld, phone_browser: Browser
) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, world.crm_url)
    bar = page.frame_locator("#ameyoIframe")

    world.customer.dial(f"sip:{DIALED}@127.0.0.1:{world.sip_port}")
    bar.get_by_test_id("phone-status").get_by_text("ringing").wait_for()
    expect(bar.get_by_test_id("phone-ring-audio")).to_have_attribute("data-ringing", "true")
    bar.get_by_test_id("phone-answer").click()

    world.customer.wait_event("CALL_ESTABLISHED", 15.0)
    bar.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    expect(bar.get_by_test_id("phone-ring-audio")).to_have_attribute("data-ringing", "false")
    heard = the_toolbar(page).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(CUSTOMER_TONE, rel=0.05), f"the agent heard {heard:.0f} Hz"
    world.customer.wait_recorded(1.5)

    bar.get_by_test_id("hangup").click()
    world.customer.wait_event("CALL_CLOSED")
    bar.get_by_test_id("phone-status").get_by_text("ready").wait_for()
    # The recording is complete once the call has closed.
    said = dominant_frequency(world.customer.recording())
    assert said == pytest.approx(AGENT_TONE, rel=0.05), f"the customer heard {said:.0f} Hz"


@pytest.mark.parametrize("world", [NO_MICROPHONE_PAGE], indirect=True)
def test_a_denied_microphone_is_said_and_the_call_is_not_half_bridged(
    world: PhoneWorld, phone_browser: Browser
) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, world.crm_url)
    bar = page.frame_locator("#ameyoIframe")

    world.customer.dial(f"sip:{DIALED}@127.0.0.1:{world.sip_port}")
    bar.get_by_test_id("phone-status").get_by_text("ringing").wait_for()
    bar.get_by_test_id("phone-answer").click()

    error = bar.get_by_test_id("phone-error")
    error.get_by_text("microphone is blocked").wait_for()
    assert error.get_attribute("data-code") == "microphone_denied"
    assert 'allow="microphone"' in (error.text_content() or "")
    # Refused, not answered: agentbar takes the offer back (a miss) and offers the call again;
    # the customer, still queued, was never connected to a phone that cannot hear.
    deadline = time.monotonic() + 15
    while len(world.server.query("SELECT seq FROM events WHERE kind = 'call.offered'")) < 2:
        assert time.monotonic() < deadline, "the refused call was not offered again"
        time.sleep(0.05)  # the server's database is no event to wait on
    assert not world.customer.has_seen("CALL_ESTABLISHED")
    assert not world.customer.has_seen("CALL_CLOSED")


def test_a_refresh_in_the_middle_of_a_call_keeps_both_tones_flowing(
    world: PhoneWorld, phone_browser: Browser
) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, world.crm_url)
    answered_call(page, world)
    bar = page.frame_locator("#ameyoIframe")
    call_id = the_toolbar(page).evaluate("document.getElementById('call-phone').textContent")
    world.customer.wait_recorded(1.0)

    started = time.monotonic()
    page.reload()
    bar.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    reattached = time.monotonic() - started
    heard = the_toolbar(page).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(CUSTOMER_TONE, rel=0.05), f"after the refresh: {heard:.0f} Hz"
    assert the_toolbar(page).evaluate("document.getElementById('call-phone').textContent") == (
        call_id
    )
    # The customer never heard a hang-up, and hears the agent again after the refresh.
    world.customer.wait_recorded(reattached + 3.0)
    assert not world.customer.has_seen("CALL_CLOSED")
    bar.get_by_test_id("hangup").click()
    world.customer.wait_event("CALL_CLOSED")
    said = tail_frequency(world.customer.recording(), 1.0)
    assert said == pytest.approx(AGENT_TONE, rel=0.05), f"after the refresh: {said:.0f} Hz"
    assert reattached < 2.0, f"re-attached {reattached:.2f} s after the refresh began"


def test_a_tab_that_takes_over_takes_the_call_audio_with_it(
    world: PhoneWorld, phone_browser: Browser
) -> None:
    context = phone_browser.new_context()
    first = context.new_page()
    first.set_default_timeout(15_000)
    ready_on_the_browser_phone(first, world.crm_url)
    answered_call(first, world)

    second = context.new_page()
    second.set_default_timeout(15_000)
    second.goto(world.crm_url)
    other = second.frame_locator("#ameyoIframe")
    other.get_by_test_id("take-over").click()
    # The new leader's phone has the call; the old tab's phone is off and plays nothing.
    other.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    first.frame_locator("#ameyoIframe").get_by_test_id("phone").wait_for(state="hidden")
    assert (
        the_toolbar(first).evaluate(
            "document.querySelector('[data-testid=phone-remote-audio]').srcObject"
        )
        is None
    )
    heard = the_toolbar(second).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(CUSTOMER_TONE, rel=0.05), f"the new tab heard {heard:.0f} Hz"
    assert not world.customer.has_seen("CALL_CLOSED")
    other.get_by_test_id("hangup").click()
    world.customer.wait_event("CALL_CLOSED")
    said = tail_frequency(world.customer.recording(), 1.0)
    assert said == pytest.approx(AGENT_TONE, rel=0.05), f"after the take-over: {said:.0f} Hz"


def test_a_call_out_rings_the_browser_phone_first_then_both_sides_hear_each_other(
    world: PhoneWorld, phone_browser: Browser
) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, world.crm_url)
    bar = page.frame_locator("#ameyoIframe")
    bar.get_by_test_id("dial-number").fill(CALLED)
    bar.get_by_test_id("dial").click()
    # As with a desk phone, the agent's phone rings first (an INVITE without an offer).
    bar.get_by_test_id("phone-status").get_by_text("ringing").wait_for()
    assert not world.trunk.has_seen("CALL_INCOMING")
    bar.get_by_test_id("phone-answer").click()
    world.trunk.wait_event("CALL_ESTABLISHED", 15.0)
    bar.get_by_test_id("phone-status").get_by_text("in call").wait_for()
    heard = the_toolbar(page).evaluate(HEARD_FREQUENCY)
    assert heard == pytest.approx(CUSTOMER_TONE, rel=0.05), f"the agent heard {heard:.0f} Hz"
    world.trunk.wait_recorded(1.0)
    bar.get_by_test_id("hangup").click()
    world.trunk.wait_event("CALL_CLOSED")
    said = tail_frequency(world.trunk.recording(), 1.0)
    assert said == pytest.approx(AGENT_TONE, rel=0.05), f"the called number heard {said:.0f} Hz"


def test_the_keypad_sends_dtmf_in_the_call(world: PhoneWorld, phone_browser: Browser) -> None:
    page = phone_page(phone_browser)
    ready_on_the_browser_phone(page, world.crm_url)
    answered_call(page, world)
    bar = page.frame_locator("#ameyoIframe")
    # In the media (RFC 4733 telephone-events), as the customer's phone reports them.
    for key, digit in (("5", "5"), ("hash", "#")):
        bar.get_by_test_id(f"phone-dtmf-{key}").click()
        assert world.customer.wait_event("CALL_DTMF_START", 10.0).data["param"] == digit
    keypad = bar.get_by_test_id("phone-keypad")
    keypad.press("x")
    error = bar.get_by_test_id("phone-error")
    error.get_by_text("'X' is not a DTMF digit").wait_for()
    assert error.get_attribute("data-code") == "invalid_dtmf"
    keypad.press("7")
    assert world.customer.wait_event("CALL_DTMF_START", 10.0).data["param"] == "7"
    expect(error).to_be_hidden()
