"""Webhook delivery against real local HTTP receivers: each receiver has its own worker (a
silent one delays no other), an acknowledged event is never sent again however often recording
it fails, and a target that points inside the network is refused without connecting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from agentbar.ports import Envelope, StorageUnavailable
from agentbar.services.outbound_urls import PRIVATE_TARGET, OutboundTargets
from agentbar.services.webhooks import Webhooks
from tests.support.memory_storage import MemoryStorage, MemoryWebhookStore

SECRET = "a-webhook-secret-long-enough"
FAST = (0.01,)
"""Retry delays for the tests: every retry at once (they count tries, not seconds)."""


@dataclass
class Receiver:
    """A local HTTP receiver; `silent` ones read each request and never answer."""

    silent: bool = False
    seqs: list[int] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    connections: int = 0
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                async with self.arrived:
                    self.seqs.append(json.loads(body)["seq"])
                    self.arrived.notify_all()
                if self.silent:
                    await asyncio.Event().wait()  # until the client gives up and hangs up
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def wait_for(self, count: int) -> list[int]:
        """Callers bound the wait with `asyncio.timeout`."""
        async with self.arrived:
            await self.arrived.wait_for(lambda: len(self.seqs) >= count)
        return list(self.seqs)


@asynccontextmanager
async def receiving(silent: bool = False) -> AsyncIterator[Receiver]:
    receiver = Receiver(silent=silent)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    receiver.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    async with server:
        yield receiver
        server.close()


def an_event(seq: int) -> Envelope:
    return Envelope(seq, "agent.ready", 1000.0 + seq, "a1", None, {"n": seq})


async def store_events(storage: MemoryStorage, webhooks: Webhooks, seqs: range) -> None:
    for seq in seqs:
        envelope = an_event(seq)
        await storage.events.record([envelope], [])
        webhooks.see(envelope)


@asynccontextmanager
async def delivering(webhooks: Webhooks) -> AsyncIterator[Webhooks]:
    webhooks.start()
    try:
        yield webhooks
    finally:
        await webhooks.stop()


async def test_a_silent_receiver_delays_no_other() -> None:
    storage = MemoryStorage()
    timeout = 4.0
    webhooks = Webhooks(
        storage.webhooks,
        storage.events,
        timeout=timeout,
        targets=OutboundTargets(allow_private=True),
        backoff=FAST,
    )
    async with receiving(silent=True) as slow, receiving() as quick, delivering(webhooks):
        # "a-slow" sorts first: a single loop over the receivers would wait on it each time.
        await storage.webhooks.put_webhook("a-slow", slow.url, SECRET, 0)
        await storage.webhooks.put_webhook("b-quick", quick.url, SECRET, 0)
        webhooks.changed()
        started = time.monotonic()
        await store_events(storage, webhooks, range(1, 6))
        async with asyncio.timeout(timeout / 2):
            got = await quick.wait_for(5)
        took = time.monotonic() - started
        assert got == [1, 2, 3, 4, 5]
        assert took < timeout / 4, f"the quick receiver waited {took:.2f} s"
        async with asyncio.timeout(timeout):
            assert await slow.wait_for(1) == [1]  # still stuck on its first


class FlakyRecording(MemoryWebhookStore):
    """A webhook store whose first `failures` recordings of a delivery fail, as a locked
    database would refuse them."""

    def __init__(self, storage: MemoryStorage, failures: int) -> None:
        super().__init__(storage.tables)
        self.failures_left = failures
        self.refused = 0

    async def log_delivery(self, *args: Any) -> None:
        if self.failures_left > 0:
            self.failures_left -= 1
            self.refused += 1
            raise StorageUnavailable("database is locked")
        await super().log_delivery(*args)


async def test_an_acknowledged_event_is_never_sent_again_when_recording_it_fails() -> None:
    storage = MemoryStorage()
    flaky = FlakyRecording(storage, failures=7)
    webhooks = Webhooks(
        flaky,
        storage.events,
        targets=OutboundTargets(allow_private=True),
        backoff=FAST,
        record_backoff=FAST,
    )
    async with receiving() as hook, delivering(webhooks):
        await flaky.put_webhook("crm", hook.url, SECRET, 0)
        webhooks.changed()
        await store_events(storage, webhooks, range(1, 4))
        async with asyncio.timeout(10):
            assert await hook.wait_for(3) == [1, 2, 3]
        # Every record landed in the end, once each, and the stored cursor caught up.
        deadline = asyncio.get_running_loop().time() + 10
        while (await flaky.webhooks())[0][3] < 3:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.01)  # the store gives no signal of a write
    assert flaky.refused == 7
    assert hook.seqs == [1, 2, 3]  # each event sent once: the recording was retried, not the send
    log = await flaky.deliveries("crm", 100)
    assert [(d["seq"], d["attempt"], d["status"]) for d in log] == [
        (1, 1, "delivered"),
        (2, 1, "delivered"),
        (3, 1, "delivered"),
    ]


async def test_a_target_that_resolves_inside_is_refused_at_delivery_without_connecting() -> None:
    storage = MemoryStorage()
    answers = {"crm.example": ["93.184.216.34"]}

    async def resolve(host: str, port: int | None) -> list[str]:
        return answers[host]

    webhooks = Webhooks(
        storage.webhooks,
        storage.events,
        targets=OutboundTargets(allow_private=False, resolve=resolve),
        backoff=(60.0,),
    )
    async with receiving() as hook, delivering(webhooks):
        # Configured while the name was public; it now resolves to the receiver's loopback.
        await webhooks.targets.check("http://crm.example/hook")
        answers["crm.example"] = ["93.184.216.34", "127.0.0.1"]
        port = hook.url.split(":")[2].split("/")[0]
        await storage.webhooks.put_webhook("crm", f"http://crm.example:{port}/hook", SECRET, 0)
        webhooks.changed()
        await store_events(storage, webhooks, range(1, 2))
        deadline = asyncio.get_running_loop().time() + 10
        while not await storage.webhooks.deliveries("crm", 10):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.01)
        [attempt] = await storage.webhooks.deliveries("crm", 10)
    assert (attempt["seq"], attempt["status"]) == (1, "failed")
    assert attempt["detail"].startswith(PRIVATE_TARGET)
    assert "127.0.0.1" in attempt["detail"]
    assert hook.connections == 0
    assert webhooks.failures == 1
