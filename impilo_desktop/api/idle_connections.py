"""A cheaper look at the pool's idle connections, asked for on every request.

Before each request, and again as each answer is closed, httpcore's pool asks every idle
connection whether the server has closed it (`get_extra_info("is_readable")`: a readable idle
socket can only be the server's goodbye). Its anyio stream answers by building a dictionary
of all its attributes, the peer's address among them (a `getpeername` system call), to pick
the socket out of it, and only then polls the socket: ~7 µs where the poll alone is under 1 µs
(timed here). With the outbox's four connections that is asked ~7-8 times per order on the
drain's one busy thread (docs/performance.md "Draining the outbox", round 5).

`quicken_idle_checks` wraps the pool's network backend so that each connection it opens
keeps its socket and polls it directly: the same question, the same answer (a socket that has
no descriptor any more counts as readable, as httpcore has it), everything else passed
through unchanged (reads, writes, TLS, closing, the other attributes). The backend is httpcore's
private attribute: used only when present and a backend, else the pool is left as it is.
"""

from __future__ import annotations

import select
import sys
from typing import Any, Final, Protocol

import httpcore

# httpcore's (private) name for the network backend of a pool (and of its proxy subclasses),
# the same in every 1.0.x release: pyproject.toml keeps httpcore to 1.0.x for it.
BACKEND: Final = "_network_backend"
# httpx's (private) name for the httpcore pool inside `AsyncHTTPTransport`.
CORE_POOL: Final = "_pool"


def quicken_idle_checks(transport: object) -> bool:
    """Give the httpcore pool inside `transport` (an `httpx.AsyncHTTPTransport`) the quick
    idle check for the connections it opens from now on. False when there is no such pool
    or backend to wrap (a test's mock transport, another httpx or httpcore)."""
    pool = getattr(transport, CORE_POOL, None)
    backend = getattr(pool, BACKEND, None)
    if isinstance(backend, QuickIdleCheck):
        return True
    if not isinstance(backend, httpcore.AsyncNetworkBackend):
        return False
    setattr(pool, BACKEND, QuickIdleCheck(backend))
    return True


class QuickIdleCheck(httpcore.AsyncNetworkBackend):
    """`backend`, its streams answering "is_readable" from their own socket.

    Arguments are passed through as they come: the wrapper needs none of them, so a
    parameter a later httpcore adds reaches the backend instead of failing here."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self.backend = backend

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return QuickIdleStream(await self.backend.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return QuickIdleStream(await self.backend.connect_unix_socket(*args, **kwargs))

    async def sleep(self, *args: Any, **kwargs: Any) -> None:
        await self.backend.sleep(*args, **kwargs)


class QuickIdleStream(httpcore.AsyncNetworkStream):
    """A connection's stream; "is_readable" polls the socket it was opened on. Other
    arguments and attributes are the stream's own, passed through as they come."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self.stream = stream
        raw = stream.get_extra_info("socket")
        # A `socket.socket`, or under asyncio the loop's `TransportSocket` around one. Without
        # a socket to poll (another backend), the stream's own answer.
        self._socket: HasFileno | None = raw if callable(getattr(raw, "fileno", None)) else None

    async def read(self, *args: Any, **kwargs: Any) -> bytes:
        return await self.stream.read(*args, **kwargs)

    async def write(self, *args: Any, **kwargs: Any) -> None:
        await self.stream.write(*args, **kwargs)

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        # The TLS stream runs over the same socket (a proxy's tunnel, or TLS to the server).
        return QuickIdleStream(await self.stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return readable(self._socket)
        return self.stream.get_extra_info(info)


class HasFileno(Protocol):
    def fileno(self) -> int: ...


def readable(sock: HasFileno) -> bool:
    """Whether reading `sock` would return at once (data, or the end of the connection); a
    socket without a descriptor (closed) counts as readable, as in httpcore."""
    fd = sock.fileno()
    if fd < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))
