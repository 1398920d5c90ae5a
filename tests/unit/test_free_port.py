"""A free port is never handed out twice by one process, nor one it was told to serve on: the
kernel offers a port again once its probe socket closes (a demo's PostgreSQL was given the port
its CRM was told to use, and the CRM could not bind it)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from examples.services import ports


class Offered:
    """A socket whose bind(0) is given the next of a set list of ports, as the kernel might."""

    sequence: Iterator[int] = iter(())

    def __init__(self, *_: Any) -> None:
        self._port = next(Offered.sequence)

    def bind(self, _: tuple[str, int]) -> None:
        pass

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self._port)

    def close(self) -> None:
        pass


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> type[Offered]:
    monkeypatch.setattr(ports, "_promised", set())
    monkeypatch.setattr(socket, "socket", Offered)
    return Offered


def test_a_port_offered_again_is_not_handed_out_twice(offered: type[Offered]) -> None:
    offered.sequence = iter([40001, 40001, 40002])
    assert [ports.free_port(), ports.free_port()] == [40001, 40002]


def test_a_reserved_port_is_never_handed_out(offered: type[Offered]) -> None:
    ports.reserve(40010, 40011)
    offered.sequence = iter([40010, 40011, 40012])
    assert ports.free_port() == 40012


def test_a_real_free_port_can_be_bound() -> None:
    port = ports.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))
