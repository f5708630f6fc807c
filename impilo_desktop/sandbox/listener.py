"""The sandbox's port, taken before its server exists: without aiohttp, so the app can give
its sandbox profile an address at once and build the server later (ui/plumbing/session.py)."""

from __future__ import annotations

import socket

BACKLOG = 128


def listening_socket(host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound to `host:port` (0: any free port) and listening: connections made
    to it from now on wait in its backlog until a server accepts them."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # SO_REUSEADDR: a port given back by a sandbox (its connections may linger in
        # TIME_WAIT) can be listened on again at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock
