"""A free loopback port for a server about to start."""

from __future__ import annotations

import socket
import threading
from contextlib import closing

_promised: set[int] = set()
"""Ports this process has handed out or will bind itself: the kernel offers a port again as
soon as its probe socket closes, so two servers asked for in a row could be given the same."""
_lock = threading.Lock()


def reserve(*ports: int) -> None:
    """Ports this process was told to serve on (its command line): never handed out here."""
    with _lock:
        _promised.update(ports)


def free_port() -> int:
    """A port nothing listens on right now, and not handed out before by this process. The
    kernel picks it; it stays free until someone binds it, so the caller should start its
    server straight away."""
    while True:
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        with _lock:
            if port not in _promised:
                _promised.add(port)
                return port
