"""The server's listening socket, bound before anything else starts."""

from __future__ import annotations

import errno
import socket


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` and listening, or an OSError whose message is one line
    an operator can act on (the port is taken, the address is not this machine's)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock = socket.socket(family, kind, proto)
    # As uvicorn does when it binds: a restart may reuse the port while old connections linger
    # in TIME_WAIT; another live listener still makes bind fail (SO_REUSEPORT is not set).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OSError(
                f"cannot listen on {host}:{port}: the port is in use "
                "(is another agentbar serving there?)"
            ) from None
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    # Not inheritable: a node that restarts itself (`restart_as_standby`, an exec) binds the
    # port again, which an inherited listener would hold.
    return sock
