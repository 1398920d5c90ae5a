"""A call between two real phones outlives the agentbar process that set it up.

The phones (baresip) stay up while agentbar dies without a word (the SIP driver stopped as a
crash would: no BYE, the kept dialogs left in the database); the media went straight between
the phones, so they go on hearing each other. The next process, on the same database and the
same SIP port, restores the floor and takes the call back from the dialogs the SIP driver kept:
it holds, resumes, transfers and ends the call with the phones, and knows a phone's BYE.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agentbar.clock import LoopClock
from agentbar.demo import DEMO_PLAN
from agentbar.domain.center import Center
from agentbar.domain.model import commands as cmd
from agentbar.domain.model.agent import AgentProfile, AgentState, Extension
from agentbar.domain.model.call import CallState
from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.handoffs import TransferKind
from agentbar.drivers.bus.memory import MemoryBus
from agentbar.drivers.storage.sql import SqlDatabase
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.ids import new_id
from agentbar.ports import Envelope
from agentbar.services.runtime import Runtime
from tests.support.baresip import Phone, dominant_frequency, have_baresip, phone, write_tone

pytestmark = pytest.mark.sip

PASSWORD = "restart-secret"
CUSTOMER, DIALED, NUMBER = "+14085551212", "+18005550100", "+14155550123"
AGENT_TONE, CUSTOMER_TONE = 1000.0, 440.0


@dataclass
class Agentbar:
    """One agentbar process: the floor's runtime and the SIP driver, on the site's database."""

    storage: SqlDatabase
    runtime: Runtime
    driver: SipTelephony
    events: asyncio.Queue[Envelope] = field(default_factory=asyncio.Queue)

    async def next_event(self, kind: str, within: float = 10.0) -> Envelope:
        """The next stored event of `kind` (others on the way are passed over)."""
        async with asyncio.timeout(within):
            while True:
                envelope = await self.events.get()
                if envelope.kind == kind:
                    return envelope

    def state(self, agent_id: str) -> AgentState:
        return self.runtime.center.agent(agent_id).state

    async def kept(self) -> dict[str, str]:
        """The role of every dialog the SIP driver keeps, by its Call-ID, once what it noted
        is stored (it stores in the background, off the event loop)."""
        await self.driver._keeper.flush()
        return {key: doc["role"] for key, doc in (await self.storage.dialogs.load_all()).items()}

    async def media(self, role: str) -> tuple[str, str]:
        """What agentbar last gave the phone of the kept dialog of `role`, and what the phone
        answered."""
        docs = (await self.storage.dialogs.load_all()).values()
        [(sent, answered)] = [(d["sent_sdp"], d["remote_sdp"]) for d in docs if d["role"] == role]
        return str(sent), str(answered)


class Site:
    """What outlives an agentbar process: its database, its SIP port and the phones."""

    def __init__(self, workdir: Path, stack: AsyncExitStack) -> None:
        self._workdir = workdir
        self._stack = stack
        self._url = f"sqlite:///{workdir / 'agentbar.db'}"
        self.port = 0
        self.campaign_id = ""
        self.trunk = self._phone(
            "trunk", f"<sip:{NUMBER}@127.0.0.1:{{sip_port}}>;regint=0;answermode=auto", 500
        )
        self.customer = self._phone(
            "customer", f"<sip:{CUSTOMER}@127.0.0.1:{{sip_port}}>;regint=0", CUSTOMER_TONE
        )
        self.agent: Phone | None = None

    def _phone(self, name: str, account: str, tone: float) -> Phone:
        wav = write_tone(self._workdir / f"{name}.wav", tone)
        running: Phone = self._stack.enter_context(
            phone(self._workdir, name, account, tone=wav, record=True)
        )
        self._stack.push_async_callback(asyncio.to_thread, running.stop)
        return running

    async def start(self) -> Agentbar:
        """An agentbar process: the first provisions the database, a later one restores the
        floor (its SIP driver adopting the calls) on the same SIP port."""
        storage = SqlDatabase(self._url)
        storage.migrate()
        restarting = bool(self.campaign_id)
        if not restarting:
            storage.catalog.upsert_agent("a1", "a1", None)
            self.campaign_id = storage.catalog.upsert_campaign(
                "Support", CampaignKind.INBOUND, DEMO_PLAN, ["a1"]
            )
        center = Center(new_id)
        center.configure(await storage.catalog.campaigns(), [], await storage.catalog.ivrs())
        settings = SipSettings(
            host="127.0.0.1",
            port=self.port,
            trunk=("127.0.0.1", self.trunk.sip_port),
            realm="agentbar",
            ring_timeout=5.0,
            password_of=lambda extension: PASSWORD,
        )
        campaign_id = self.campaign_id
        driver = SipTelephony(settings, new_id, lambda dialed: campaign_id, storage.dialogs)
        runtime = Runtime(center, storage.events, MemoryBus(), driver, LoopClock(), storage.floor)
        running = Agentbar(storage, runtime, driver)
        runtime.watch(running.events.put_nowait)
        if restarting:
            await runtime.restore()
        await runtime.start()
        if restarting:
            await runtime.recover()
        self.port = driver.address[1]
        return running

    @staticmethod
    async def crash(agentbar: Agentbar) -> None:
        """The process dies: not a word to the phones, nothing more stored."""
        await agentbar.driver.stop(hang_up=False)
        await agentbar.runtime.stop()
        agentbar.storage.close()

    @staticmethod
    async def stop(agentbar: Agentbar) -> None:
        await agentbar.runtime.stop()
        agentbar.storage.close()

    async def agent_ready(self, agentbar: Agentbar) -> None:
        """Agent a1 on extension 1001 (a phone that answers by itself) is ready for calls."""
        account = (
            f"<sip:1001@127.0.0.1:{self.port}>;auth_pass={PASSWORD};answermode=auto;regint=300"
        )
        self.agent = self._phone("ext1001", account, AGENT_TONE)
        await asyncio.to_thread(self.agent.wait_event, "REGISTER_OK")
        runtime = agentbar.runtime
        await runtime.command(cmd.LogIn(AgentProfile("a1", "a1", frozenset({self.campaign_id}))))
        await runtime.command(cmd.SelectExtension("a1", Extension("SIP 1001", "1001")))
        await runtime.command(cmd.SelectCampaign("a1", self.campaign_id))
        await runtime.command(cmd.GoReady("a1"))

    @property
    def phones(self) -> tuple[Phone, Phone]:
        assert self.agent is not None
        return self.agent, self.customer


async def established(*phones: Phone) -> None:
    for each in phones:
        await asyncio.to_thread(each.wait_event, "CALL_ESTABLISHED")
        each.forget("CALL_REMOTE_SDP")  # the call's first offer; later ones are re-offers


async def closed(*phones: Phone) -> None:
    for each in phones:
        await asyncio.to_thread(each.wait_event, "CALL_CLOSED")


async def offered_again(*phones: Phone) -> None:
    """Each phone got a new offer from agentbar (a re-INVITE) and answered it."""
    for each in phones:
        await asyncio.to_thread(
            each.wait_event, "CALL_REMOTE_SDP", 10.0, lambda event: event.data["param"] == "offer"
        )


async def media_kept(agentbar: Agentbar, role: str, shows: Callable[[str, str], bool]) -> None:
    """Until the kept dialog of `role` shows what agentbar offered and what the phone answered.
    A phone reports an offer when it gets it; its answer reaches agentbar, and the store, a
    moment later — and the store gives no signal, so it is read until it shows it."""
    deadline = asyncio.get_running_loop().time() + 5.0
    while True:
        sent, answered = await agentbar.media(role)
        if shows(sent, answered):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{role}: kept offer {sent!r}, answer {answered!r}")
        await asyncio.sleep(0.02)


def recorded(each: Phone) -> int:
    """How many bytes of what it hears the phone has recorded so far."""
    found = list((each.workdir / "recordings").glob("*-dec.wav"))
    return found[0].stat().st_size if found else 0


def frequency_after(recording: Path, offset: int, seconds: float, workdir: Path) -> float:
    """The dominant frequency of `seconds` of a recording from byte `offset` of its file on."""
    with wave.open(str(recording), "rb") as whole:
        rate, channels, width = whole.getframerate(), whole.getnchannels(), whole.getsampwidth()
        whole.setpos(max(0, offset - 44) // (width * channels))  # 44: the WAV header
        frames = whole.readframes(int(seconds * rate))
    part = workdir / f"{recording.stem}-part.wav"
    with wave.open(str(part), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(frames)
    return dominant_frequency(part)


@dataclass
class Restarted:
    site: Site
    agentbar: Agentbar
    """The process that took the call back."""
    call_id: str
    heard_at_crash: dict[str, int]
    """How much each phone had recorded when the first process died."""


@pytest.fixture
async def restarted(tmp_path: Path) -> AsyncIterator[Restarted]:
    """A customer talking to agent a1 through a first agentbar process, which then dies; a
    second one on the same database and SIP port has taken over."""
    if not have_baresip():
        pytest.fail("baresip is not installed: scripts/setup --sip installs it")
    async with AsyncExitStack() as stack:
        site = Site(tmp_path, stack)
        first = await site.start()
        await site.agent_ready(first)
        site.customer.dial(f"sip:{DIALED}@127.0.0.1:{site.port}")
        connected = await first.next_event("call.connected")
        assert connected.call_id is not None
        await established(*site.phones)
        assert sorted((await first.kept()).values()) == ["agent", "customer"]
        await asyncio.gather(*(asyncio.to_thread(p.wait_recorded, 0.5) for p in site.phones))
        await site.crash(first)
        heard = {p.name: recorded(p) for p in site.phones}

        second = await site.start()
        stack.push_async_callback(site.stop, second)
        yield Restarted(site, second, connected.call_id, heard)


async def test_the_call_goes_on_and_agentbar_holds_resumes_and_ends_it(
    restarted: Restarted, tmp_path: Path
) -> None:
    site, agentbar, call_id = restarted.site, restarted.agentbar, restarted.call_id
    agent, customer = site.phones
    # Taken back as it was: connected, nobody told it ended.
    assert agentbar.runtime.center.call(call_id).state is CallState.CONNECTED
    assert agentbar.state("a1") is AgentState.ON_CALL
    assert agentbar.events.empty()
    # The phones go on hearing each other: a second and a half more of it, after the crash.
    more = {p.name: (restarted.heard_at_crash[p.name] + 24_000) / 16_000 for p in site.phones}
    await asyncio.gather(*(asyncio.to_thread(p.wait_recorded, more[p.name]) for p in site.phones))

    # Each phone takes the re-INVITE on the dialog the first process set up, and answers it.
    await agentbar.runtime.command(cmd.Hold("a1"))
    await offered_again(agent, customer)
    for role in ("customer", "agent"):
        await media_kept(
            agentbar, role, lambda sent, answered: "a=inactive" in sent and "a=inactive" in answered
        )
    await agentbar.runtime.command(cmd.Resume("a1"))
    await offered_again(agent, customer)
    for role in ("customer", "agent"):
        await media_kept(
            agentbar,
            role,
            lambda sent, answered: "a=sendrecv" in sent and "a=inactive" not in answered,
        )
    assert not agent.has_seen("CALL_CLOSED")
    assert not customer.has_seen("CALL_CLOSED")

    await agentbar.runtime.command(cmd.HangUp("a1"))
    await closed(agent, customer)
    ended = await agentbar.next_event("call.ended")
    assert (ended.call_id, ended.data["endedBy"]) == (call_id, "agent")
    assert agentbar.state("a1") is AgentState.WRAP_UP
    assert await agentbar.kept() == {}
    # What each heard after the crash was the other's voice, straight from the other phone.
    heard_by_customer = frequency_after(
        customer.recording("dec"), restarted.heard_at_crash["customer"], 1.2, tmp_path
    )
    heard_by_agent = frequency_after(
        agent.recording("dec"), restarted.heard_at_crash["ext1001"], 1.2, tmp_path
    )
    assert heard_by_customer == pytest.approx(AGENT_TONE, rel=0.05)
    assert heard_by_agent == pytest.approx(CUSTOMER_TONE, rel=0.05)


async def test_a_phone_hanging_up_after_the_restart_ends_the_call(restarted: Restarted) -> None:
    site, agentbar = restarted.site, restarted.agentbar
    agent, customer = site.phones
    await asyncio.to_thread(customer.hang_up)
    ended = await agentbar.next_event("call.ended")
    assert (ended.call_id, ended.data["endedBy"]) == (restarted.call_id, "customer")
    await closed(agent)  # agentbar hung up the agent's leg
    assert agentbar.state("a1") is AgentState.WRAP_UP
    assert await agentbar.kept() == {}


async def test_the_call_is_transferred_to_a_number_after_the_restart(restarted: Restarted) -> None:
    site, agentbar = restarted.site, restarted.agentbar
    agent, customer = site.phones
    await agentbar.runtime.command(cmd.Transfer("a1", TransferKind.PHONE, NUMBER))
    await closed(agent)
    await established(site.trunk)
    connected = await agentbar.next_event("call.leg_connected")
    assert connected.call_id == restarted.call_id
    assert sorted((await agentbar.kept()).values()) == ["customer", "target"]
    # The customer now talks to the number; when it hangs up, so is the customer's leg.
    await offered_again(customer)
    await asyncio.to_thread(site.trunk.hang_up)
    await closed(customer)
    assert await agentbar.kept() == {}
