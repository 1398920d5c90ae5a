"""How many browser-phone calls and conference rooms Janus and agentbar hold on this machine,
with the CPU each costs (`bench/run --phones`).

Two runs, each with a real Janus (Debian's package) and real baresip phones:

- **Browser-phone calls.** agentbar (its own process, on SIP, demo data) and one Chromium with
  a page per agent; each agent works from a browser extension, answers at once, and a baresip
  customer calls in for each. Once every call is up, the CPU Janus and agentbar spend over a
  steady window is divided by the calls: what one call costs them (the browsers are the agents'
  own machines, not counted).
- **Conference rooms.** agentbar's SIP driver (in this process) holds rooms of three: a
  customer, an agent and a second agent conferenced in, all baresip phones, mixed by Janus's
  AudioBridge. The CPU of Janus and of this process over the window, per room.

The audio is checked on a sample: in the first call the agent's page hears the customer's
tone, and in the first room each phone hears the other two tones.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Frame, Page, sync_playwright

from agentbar.domain.model.commands import AgentAnswered, CallArrived, LegAnswered, Signal
from agentbar.domain.model.instructions import AddLeg, EndCall, OfferToAgent
from agentbar.domain.model.legs import LegKind
from agentbar.drivers.media.janus import JanusClient
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.ids import new_id
from bench import machine
from examples.services.janus import JanusServer, janus_server
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.crm import crm_pages
from tests.browser.phone import AGENT_TONE, HEARD_FREQUENCY, PHONE_PAGE, write_tone_48k
from tests.support.audio import latest_recording, tone_level
from tests.support.baresip import Phone, phone, port_block, write_tone
from tests.support.servers import AgentbarServer, agentbar_server, page_server

CUSTOMER_TONE, OTHER_TONE = 440.0, 700.0
DIALED = "+18005550100"
CAMPAIGN = "Inbound Support"
PASSWORD = "bench-phones-secret"
PHONE_CHROMIUM_ARGS = [
    *CHROMIUM_ARGS,
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass(frozen=True)
class PhonesPlan:
    browser_calls: list[int]
    """Concurrent browser-phone calls at each step (an agent and a browser extension each)."""
    rooms: list[int]
    """Concurrent three-party conference rooms at each step."""
    window_s: float
    """The steady window the CPU is measured over."""


FULL_PHONES = PhonesPlan([1, 5, 10], [1, 4, 8], 20.0)
QUICK_PHONES = PhonesPlan([1], [1], 3.0)


def _caller(n: int) -> str:
    """A customer's phone: it calls, it is not registered anywhere."""
    return f"<sip:+1408555{n:04d}@127.0.0.1:{{sip_port}}>;regint=0"


def _cpu(pids: list[int]) -> float:
    return sum(machine.cpu_seconds(pid) for pid in pids)


def _steady(pids: list[int], window: float) -> float:
    """CPU seconds the processes spend over `window` seconds of steady calls."""
    before = _cpu(pids)
    time.sleep(window)  # the measurement is the passing of this window
    return _cpu(pids) - before


# -- browser-phone calls ---------------------------------------------------------------------


def _provision(server: AgentbarServer, calls: int) -> None:
    """An agent of Inbound Support and a browser extension for each call."""
    with server.admin() as admin:
        for n in range(1, calls + 1):
            agent = admin.put(
                f"/api/v1/agents/{_agent(n)}",
                json={"name": f"Phone Agent {n}", "password": PASSWORD, "campaigns": [CAMPAIGN]},
            )
            extension = admin.put(
                f"/api/v1/extensions/Browser {3000 + n}",
                json={"phone": str(3000 + n), "kind": "browser"},
            )
            if agent.status_code >= 300 or extension.status_code >= 300:
                raise RuntimeError(f"provisioning failed: {agent.text} {extension.text}")


def _agent(n: int) -> str:
    return f"phone-agent-{n}"


def _log_in_on_a_browser_phone(browser: Browser, stack: ExitStack, crm: str, n: int) -> Page:
    """Agent n, logged in from its own page on `Browser 300n`, ready, answering at once."""
    context = browser.new_context()
    stack.callback(context.close)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(crm)
    page.evaluate(
        f"window.getExtensionInfo = () => ({{ name: 'Browser {3000 + n}', phone: '{3000 + n}' }});"
        f"ameyo.integration.doLogin('{_agent(n)}', '{PASSWORD}', 'AUTH_TYPE_PASSWORD')"
    )
    bar = page.frame_locator("#ameyoIframe")
    bar.get_by_test_id("campaign-select").select_option(label=CAMPAIGN)
    bar.get_by_test_id("phone-status").get_by_text("ready").wait_for()
    bar.get_by_text("Audio", exact=True).click()  # the phone's settings fold open
    bar.get_by_test_id("phone-auto-answer").check()
    bar.get_by_test_id("ready").click()
    return page


def _browser_step(
    work: Path, janus: JanusServer, browser: Browser, calls: int, window: float
) -> dict[str, Any]:
    sip_port = port_block(2)
    base: list[str] = []
    with ExitStack() as stack:
        crm = stack.enter_context(page_server(crm_pages(lambda: base[0], PHONE_PAGE)))
        env = {
            "AGENTBAR_TELEPHONY": "sip",
            "AGENTBAR_SIP_LISTEN_PORT": str(sip_port),
            "AGENTBAR_SIP_DEFAULT_CAMPAIGN": CAMPAIGN,
            "AGENTBAR_JANUS_URL": janus.url,
            "AGENTBAR_JANUS_TOKEN_SECRET": janus.token_secret,
        }
        server = stack.enter_context(agentbar_server(work / "agentbar", [crm.origin], env))
        base.append(server.base_url)
        _provision(server, calls)
        pages = [
            _log_in_on_a_browser_phone(browser, stack, f"{crm.origin}/crm", n)
            for n in range(1, calls + 1)
        ]
        tone = write_tone(work / "customer.wav", CUSTOMER_TONE)
        customers = [
            stack.enter_context(
                phone(
                    work,
                    f"customer{n}",
                    f"<sip:+1408555{n:04d}@127.0.0.1:{{sip_port}}>;regint=0",
                    tone=tone,
                )
            )
            for n in range(calls)
        ]
        for customer in customers:
            customer.dial(f"sip:{DIALED}@127.0.0.1:{sip_port}")
        for customer in customers:
            customer.wait_event("CALL_ESTABLISHED", 30.0)
        for page in pages:
            status = page.frame_locator("#ameyoIframe").get_by_test_id("phone-status")
            status.get_by_text("in call").wait_for()
        heard = float(_toolbar(pages[0]).evaluate(HEARD_FREQUENCY))
        cpu = _steady([janus.process.pid, server.process.pid], window)
        for customer in customers:
            customer.hang_up()
    return {
        "calls": calls,
        "cpu_s": cpu,
        "cpu_percent_per_call": 100 * cpu / window / calls,
        "sample_heard_hz": heard,
        "sample_ok": abs(heard - CUSTOMER_TONE) < CUSTOMER_TONE * 0.05,
    }


def _toolbar(page: Page) -> Frame:
    element = page.query_selector("#ameyoIframe")
    frame = element.content_frame() if element is not None else None
    if frame is None:
        raise RuntimeError("the CRM page has no toolbar")
    return frame


def _browser_calls(work: Path, plan: PhonesPlan) -> list[dict[str, Any]]:
    microphone = write_tone_48k(work / "agent-microphone.wav", AGENT_TONE)
    chromium = shutil.which("chromium")
    steps = []
    with janus_server() as janus, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[*PHONE_CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={microphone}"],
        )
        try:
            for calls in plan.browser_calls:
                step = work / f"browser-{calls}"
                step.mkdir()
                print(f"bench: {calls} browser-phone calls", file=sys.stderr, flush=True)
                steps.append(_browser_step(step, janus, browser, calls, plan.window_s))
        finally:
            browser.close()
    return steps


# -- conference rooms --------------------------------------------------------------------------


class _Rooms:
    """agentbar's SIP driver in this process, with three baresip phones per room."""

    def __init__(self, work: Path, janus: JanusServer, stack: AsyncExitStack) -> None:
        self.work = work
        self.janus = janus
        self.stack = stack
        self.signals: asyncio.Queue[Signal] = asyncio.Queue()
        self.phones: list[tuple[Phone, Phone, Phone]] = []
        client = JanusClient.signing(janus.url, janus.token_secret)
        settings = SipSettings(
            host="127.0.0.1",
            port=0,
            trunk=None,
            realm="agentbar",
            ring_timeout=10.0,
            password_of=lambda extension: PASSWORD,
        )
        self.driver = SipTelephony(settings, new_id, lambda dialed: "campaign", janus=client)
        self.driver.attach(self.signals.put_nowait)

    async def next(self, kind: type[Any]) -> Any:
        while True:
            signal = await asyncio.wait_for(self.signals.get(), 30.0)
            if isinstance(signal, kind):
                return signal

    def _phone(self, name: str, account: str, tone: Path) -> Phone:
        running: Phone = self.stack.enter_context(
            phone(self.work, name, account, tone=tone, record=True)
        )
        return running

    async def open_room(self, n: int) -> str:
        host, port = self.driver.address
        tones = {
            f: write_tone(self.work / f"tone-{int(f)}.wav", f)
            for f in (CUSTOMER_TONE, AGENT_TONE, OTHER_TONE)
        }
        agent = self._phone(
            f"agent{n}",
            f"<sip:1{n:03d}@{host}:{port}>;auth_pass={PASSWORD};answermode=auto;regint=300",
            tones[AGENT_TONE],
        )
        other = self._phone(
            f"other{n}",
            f"<sip:2{n:03d}@{host}:{port}>;auth_pass={PASSWORD};answermode=auto;regint=300",
            tones[OTHER_TONE],
        )
        for registered in (agent, other):
            await asyncio.to_thread(registered.wait_event, "REGISTER_OK")
        customer = self._phone(
            f"customer{n}",
            f"<sip:+1408555{n:04d}@127.0.0.1:{{sip_port}}>;regint=0",
            tones[CUSTOMER_TONE],
        )
        customer.dial(f"sip:{DIALED}@{host}:{port}")
        arrived: CallArrived = await self.next(CallArrived)
        await self.driver.execute(OfferToAgent(arrived.call_id, new_id("crt"), f"1{n:03d}"))
        await self.next(AgentAnswered)
        # They talk a moment first: baresip names a recording by the second it starts in, and
        # the re-INVITE into the room within the call's first second would reuse the name.
        await asyncio.to_thread(customer.wait_recorded, 1.0)
        await self.driver.execute(AddLeg(arrived.call_id, new_id("crt"), LegKind.USER, f"2{n:03d}"))
        await self.next(LegAnswered)
        self.phones.append((customer, agent, other))
        return arrived.call_id


async def _rooms_step(work: Path, janus: JanusServer, rooms: int, window: float) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        floor = _Rooms(work, janus, stack)
        await floor.driver.start()
        stack.push_async_callback(floor.driver.stop)
        calls = [await floor.open_room(n) for n in range(rooms)]
        cpu = await asyncio.to_thread(_steady, [janus.process.pid, os.getpid()], window)
        customer, agent, other = floor.phones[0]
        heard = {
            "customer": _levels(customer, (AGENT_TONE, OTHER_TONE)),
            "agent": _levels(agent, (CUSTOMER_TONE, OTHER_TONE)),
            "other": _levels(other, (CUSTOMER_TONE, AGENT_TONE)),
        }
        for call_id in calls:
            await floor.driver.execute(EndCall(call_id))
    return {
        "rooms": rooms,
        "phones": rooms * 3,
        "cpu_s": cpu,
        "cpu_percent_per_room": 100 * cpu / window / rooms,
        "sample_levels": heard,
        "sample_ok": all(level > 0.05 for levels in heard.values() for level in levels.values()),
    }


def _levels(each: Phone, voices: tuple[float, ...]) -> dict[str, float]:
    path = latest_recording(each)
    return {f"{voice:.0f} Hz": tone_level(path, voice) for voice in voices}


def run_phones(plan: PhonesPlan) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agentbar-phones-") as scratch:
        work = Path(scratch)
        browser = _browser_calls(work, plan)
        rooms = []
        with janus_server() as janus:
            for count in plan.rooms:
                step = work / f"rooms-{count}"
                step.mkdir()
                print(f"bench: {count} conference rooms", file=sys.stderr, flush=True)
                rooms.append(asyncio.run(_rooms_step(step, janus, count, plan.window_s)))
    return {"window_s": plan.window_s, "browser": browser, "rooms": rooms}
