"""A free loopback port for a server about to start."""

from __future__ import annotations

import socket
from contextlib import closing


def free_port() -> int:
    """A port nothing listens on right now. The kernel picks it; it stays free until someone
    binds it, so the caller should start its server straight away."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
