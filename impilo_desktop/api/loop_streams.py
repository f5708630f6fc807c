"""The client's connections on asyncio's own transports, not anyio's streams.

httpcore, under httpx, reads and writes each connection through a network backend; the one it
brings for asyncio goes through anyio. Per read or write that is a cancel scope with its
deadline (`fail_after`: the running task looked up, a timer set and cancelled), a guard
against two readers, an exception map, a look-up of which async library runs, and, when the
answer has already arrived, one more turn of the event loop (anyio's checkpoint). On loopback,
where the outbox's drain is bound by the client's CPU, that was about a tenth of the event
loop's time per order (docs/performance.md "Draining the outbox", session 15).

`LoopBackend` gives httpcore the same connections on asyncio's transports and protocols, the
public API anyio itself uses underneath: a protocol keeps what arrives; a read takes it
without waiting when it is there, or waits for it with one timer for its deadline; a write
hands the bytes to the transport and waits only while the transport's buffer is full. TLS
(to the server, or inside a proxy's tunnel) is asyncio's `start_tls`. Errors and timeouts
are httpcore's own exceptions, as its anyio backend raises them, so httpx and the app see no
difference. An idle connection is "readable" (the server's goodbye) when something arrived
or the connection ended: the transport reads the socket on the loop's next turn after
anything comes, so there is nothing to poll.

`use_loop_streams` gives this backend to the httpcore pool inside an `httpx` transport (the
pool's network backend is httpcore's private `_network_backend`: set only where the pool has
httpcore's own asyncio backend there, else left as it is).
"""

# The `timeout` parameters are httpcore's backend API (ASYNC109 would have them be
# `asyncio.timeout` around the call instead).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any, Final, Literal

import httpcore

# httpcore's (private) name for the network backend of a pool (and of its proxy subclasses),
# the same in every 1.0.x release: pyproject.toml keeps httpcore to 1.0.x for it.
BACKEND: Final = "_network_backend"
# httpx's (private) name for the httpcore pool inside `AsyncHTTPTransport`.
CORE_POOL: Final = "_pool"
# What arrives while nobody reads is kept up to this much (and the read that crossed it),
# then the socket is left unread until reads bring it under RESUME_AT: the transport's own
# answer bounds (api/transport.py) decide how much is read in all.
PAUSE_AT: Final = 256 * 1024
RESUME_AT: Final = 64 * 1024
# As anyio's `connect_tcp`: an IPv6 and an IPv4 address tried together after this long.
HAPPY_EYEBALLS_DELAY: Final = 0.25

# httpcore's `SOCKET_OPTION`: the arguments of one `socket.setsockopt` call.
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def use_loop_streams(transport: object) -> bool:
    """Give the httpcore pool inside `transport` (an `httpx.AsyncHTTPTransport`, direct or to a
    proxy) this backend for the connections it opens from now on. False when there is no such
    pool with httpcore's own backend (a test's mock transport, another httpx or httpcore)."""
    pool = getattr(transport, CORE_POOL, None)
    backend = getattr(pool, BACKEND, None)
    if isinstance(backend, LoopBackend):
        return True
    if not _httpcores_own(backend):
        return False
    setattr(pool, BACKEND, LoopBackend())
    return True


def _httpcores_own(backend: object) -> bool:
    """Whether `backend` is httpcore's own for asyncio: its default (`AutoBackend`, private,
    which picks anyio under asyncio) or `AnyIOBackend`; a mock or anything else is kept."""
    kind = type(backend)
    return kind.__module__.startswith("httpcore.") and kind.__name__ in (
        "AutoBackend",
        "AnyIOBackend",
    )


class _Connection(asyncio.Protocol):
    """What one connection's transport delivers, kept until it is read."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.ended = False  # the server's end of the stream, or the connection lost
        self.closed = False  # closed by us (`LoopStream.aclose`)
        self.error: BaseException | None = None  # why it was lost, if not cleanly
        self.arrival: asyncio.Future[None] | None = None  # a read waiting for data
        self.room: asyncio.Future[None] | None = None  # a write waiting for the buffer
        self.writing_paused = False
        self.reading_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > PAUSE_AT and self.transport is not None and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.arrival)

    def eof_received(self) -> bool | None:
        self.ended = True
        _wake(self.arrival)
        return None  # the transport closes itself: HTTP/1.1 sends nothing after the end

    def connection_lost(self, exc: BaseException | None) -> None:
        self.ended = True
        self.error = exc
        _wake(self.arrival)
        _wake(self.room)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self.room)

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered < RESUME_AT and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(
    connection: _Connection,
    slot: Literal["arrival", "room"],
    timeout: float | None,
    expired: type[httpcore.TimeoutException],
) -> None:
    """Wait until the connection wakes its `slot` (something arrived; room in the buffer, or
    the connection lost); `expired` after `timeout` seconds (None: no limit)."""
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    setattr(connection, slot, waiter)
    timer = None
    if timeout is not None:
        timer = asyncio.get_running_loop().call_later(max(timeout, 0.0), _expire, waiter)
    try:
        await waiter
    except TimeoutError:
        raise expired("timed out") from None
    finally:
        setattr(connection, slot, None)
        if timer is not None:
            timer.cancel()
        if waiter.done() and not waiter.cancelled():
            # Its deadline may have passed just as this task was cancelled: the TimeoutError
            # is then read here, not reported by asyncio as never retrieved.
            waiter.exception()


class LoopStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore reads and writes it."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if connection.closed:
            raise httpcore.ReadError("the connection was closed")  # by us, as anyio has it
        if not connection.chunks and not connection.ended:
            if connection.arrival is not None:  # HTTP/1.1 reads one answer at a time
                raise httpcore.ReadError("another read is waiting on this connection")
            await _wait(connection, "arrival", timeout, httpcore.ReadTimeout)
        if connection.chunks:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(connection.error) from connection.error
        return b""  # the end of the stream: httpcore decides whether that was too early

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        connection = self._connection
        transport = connection.transport
        if transport is None or connection.closed or connection.ended or transport.is_closing():
            raise httpcore.WriteError(connection.error or "the connection is closed")
        transport.write(buffer)
        if connection.writing_paused:
            await _wait(connection, "room", timeout, httpcore.WriteTimeout)
            if connection.error is not None:
                raise httpcore.WriteError(connection.error) from connection.error

    async def aclose(self) -> None:
        self._connection.closed = True
        transport = self._connection.transport
        if transport is None:
            return
        transport.close()
        try:
            # As anyio's: one turn of the loop to send what is buffered (over TLS, its
            # close_notify), then the socket is closed whatever is left, not kept open
            # waiting for the server's answer to it.
            await asyncio.sleep(0)
        finally:
            transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """TLS over this connection (to the server, or inside a proxy's tunnel); this stream
        is not used again, the one returned is."""
        connection = self._connection
        assert connection.transport is not None
        loop = asyncio.get_running_loop()
        try:
            # The deadline as anyio's: asyncio's own handshake timeout ends the connection
            # with ConnectionAbortedError instead, which would read as "refused".
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    connection.transport, connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:  # ssl.SSLError among them: the certificate, the handshake
            await self.aclose()
            raise httpcore.ConnectError(exc) from exc
        if transport is None:  # the server ended the connection during the handshake
            raise httpcore.ConnectError("the server closed the connection")
        assert isinstance(transport, asyncio.Transport)
        connection.transport = transport
        return LoopStream(connection)

    def get_extra_info(self, info: str) -> Any:
        connection = self._connection
        if info == "is_readable":
            # An idle connection with something arrived, or ended: the server's goodbye.
            return bool(connection.chunks) or connection.ended
        transport = connection.transport
        if transport is None:
            return None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


class LoopBackend(httpcore.AsyncNetworkBackend):
    """Connections on the running asyncio loop's transports (httpcore 1.0's backend API)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection,
                    host,
                    port,
                    local_addr=local,
                    happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        # asyncio sets TCP_NODELAY on its TCP sockets, as anyio's connect_tcp does.
        return _opened(transport, connection, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_unix_connection(_Connection, path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        return _opened(transport, connection, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _opened(
    transport: asyncio.Transport,
    connection: _Connection,
    socket_options: Iterable[SocketOption] | None,
) -> LoopStream:
    sock = transport.get_extra_info("socket")
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
    except OSError as exc:
        transport.abort()
        raise httpcore.ConnectError(exc) from exc
    return LoopStream(connection)
