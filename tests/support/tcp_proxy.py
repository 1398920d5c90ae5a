"""A TCP proxy between one agentbar node and a server it depends on (PostgreSQL), so a test can
cut that server away from this node only while the other nodes still reach it.

It runs its own asyncio loop in a background thread and listens on a free loopback port. Its
methods may be called from any thread: each one runs on the proxy's loop and returns once done.

- `cut("refuse")`: every open connection is reset at once and new ones are reset as soon as
  they are accepted: the server is gone, and clients learn it at once.
- `cut("blackhole")`: open connections stay open but no byte passes either way, and new
  connections are accepted and never forwarded: a server that hangs. Clients learn it only
  from their own timeouts. (The proxy's kernel still acknowledges what clients send, so TCP
  keepalives and `tcp_user_timeout` see a live peer, as they would with a hung server.)
- `restore()`: new connections are forwarded again; black-holed ones are closed then, since
  whatever was held back can no longer be delivered in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

CutMode = Literal["refuse", "blackhole"]
Mode = Literal["forward", "refuse", "blackhole"]
T = TypeVar("T")

_CHUNK = 65536
_CALL_TIMEOUT = 10.0
"""How long a caller waits for the proxy's loop to do what it asked (it never takes that)."""


@dataclass(eq=False)
class _Link:
    """One client's connection, and its connection to the target once made."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    blackholed: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._mode: Mode = "forward"
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )
        self.port = 0

    @property
    def mode(self) -> Mode:
        return self._mode

    def start(self) -> None:
        self._thread.start()
        self.port = self._call(self._listen())

    def cut(self, mode: CutMode) -> None:
        self._call(self._cut(mode))

    def restore(self) -> None:
        self._call(self._restore())

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self._call(self._shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_CALL_TIMEOUT)
            if not self._thread.is_alive():
                self._loop.close()

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(_CALL_TIMEOUT)

    # Everything below runs on the proxy's loop, so the state needs no lock.

    async def _listen(self) -> int:
        # Port 0: the kernel picks a free port, with no window for another process to take it.
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _cut(self, mode: CutMode) -> None:
        self._mode = mode
        for link in list(self._links):
            if mode == "refuse":
                self._close(link, reset=True)
            else:
                link.blackholed = True

    async def _restore(self) -> None:
        self._mode = "forward"
        for link in list(self._links):
            if link.blackholed:
                self._close(link)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        links = list(self._links)
        for link in links:
            self._close(link)
        tasks = [task for link in links for task in link.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writer)
        if self._mode == "refuse":
            _reset(writer)
            return
        self._links.add(link)
        if self._mode == "blackhole":
            link.blackholed = True  # held open, never read nor forwarded, until restore or stop
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            self._close(link, reset=True)
            return
        link.upstream = up_writer
        if link.closed.is_set():  # refused while connecting to the target
            up_writer.close()
            return
        link.tasks = [
            asyncio.create_task(self._pump(link, reader, up_writer)),
            asyncio.create_task(self._pump(link, up_reader, writer)),
        ]

    async def _pump(
        self, link: _Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Copies one direction; when either side ends, the whole link ends (the protocols
        proxied here do not half-close)."""
        try:
            while data := await reader.read(_CHUNK):
                if link.blackholed:
                    # A hung peer: these bytes are held back and no more are read, until the
                    # link is closed (by restore or stop).
                    await link.closed.wait()
                    return
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            self._close(link)

    def _close(self, link: _Link, reset: bool = False) -> None:
        if link.closed.is_set():
            return
        link.closed.set()
        self._links.discard(link)
        if reset:
            _reset(link.client)
        else:
            link.client.close()
        if link.upstream is not None:
            link.upstream.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes with a TCP reset rather than a FIN: the peer's next read or write fails at once."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextmanager
def tcp_proxy(target_port: int, target_host: str = "127.0.0.1") -> Iterator[TcpProxy]:
    """A proxy forwarding a free loopback port to `target_host:target_port`; stopped on exit,
    every connection closed."""
    proxy = TcpProxy(target_host, target_port)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()
