"""The client's connections on asyncio's transports (api/loop_streams.py), over real sockets:
reads, writes, their deadlines and errors as httpcore's own backend raises them, TLS, and an
idle connection the server closed never used again."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpcore
import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.loop_streams import (
    PAUSE_AT,
    LoopBackend,
    LoopStream,
    use_loop_streams,
)
from impilo_desktop.api.models import OrderCreate
from tests.api.support import SECRET_KEY
from tests.network_servers import make_ca, make_server_cert

pytestmark = pytest.mark.anyio

ORDER = OrderCreate.model_validate(
    {
        "patient": {"id": 7, "firstName": "Thandiwe", "lastName": "Ngcobo"},
        "orderItems": [{"item": {"id": 1001}, "count": 1}],
    }
)


class ClosingServer:
    """Answers every request on a connection it keeps open with a created order until told to
    close the connections open then (`close_open_connections`), which it does without having
    said so (no `Connection: close`): the client's pool must notice that before its next
    request. Counts connections and requests, and keeps each connection's handler to wait for
    at the end."""

    def __init__(self) -> None:
        self.requests_per_connection: list[int] = []
        self.next_id = 500
        self.handlers: list[asyncio.Task[None]] = []
        self._closing: list[asyncio.Event] = []

    def close_open_connections(self) -> None:
        for closing in self._closing:
            closing.set()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.append(task)
        connection = len(self.requests_per_connection)
        self.requests_per_connection.append(0)
        closing = asyncio.Event()
        self._closing.append(closing)
        told = asyncio.ensure_future(closing.wait())
        try:
            while True:
                head = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
                await asyncio.wait({head, told}, return_when=asyncio.FIRST_COMPLETED)
                if not head.done():  # told to close while idle
                    head.cancel()
                    break
                try:
                    await self._respond(head.result(), reader, writer)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break  # the client closed it
                self.requests_per_connection[connection] += 1
        finally:
            told.cancel()
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    async def _respond(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        self.next_id += 1
        body = b'{"id": %d, "currentStatus": "orderPlaced"}' % self.next_id
        writer.write(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()


@pytest.fixture(params=["http", "https"])
def scheme(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, ssl.SSLContext | None]]:
    """The scheme and, for https, the server's TLS context: a certificate for 127.0.0.1 from
    a private CA this computer's trust store is given (SSL_CERT_FILE, as in
    tests/api/test_tls_trust.py)."""
    if request.param == "http":
        yield "http", None
        return
    ca = make_ca(tmp_path)
    identity = make_server_cert(tmp_path, ca)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(identity.cert_file, identity.key_file)
    yield "https", context


async def test_a_connection_is_reused_until_the_server_closes_it_and_not_after(
    request_way: str, scheme: tuple[str, ssl.SSLContext | None]
) -> None:
    name, tls = scheme
    server = ClosingServer()
    listening = await asyncio.start_server(server.answer, "127.0.0.1", 0, ssl=tls)
    port = listening.sockets[0].getsockname()[1]
    async with listening, ImpiloClient(f"{name}://127.0.0.1:{port}", SECRET_KEY) as client:
        first = await client.create_order(ORDER)
        second = await client.create_order(ORDER)  # on the same connection
        pool = (await client._transport._client())._transport._pool  # type: ignore[attr-defined]
        [connection] = pool.connections
        stream = connection._connection._network_stream
        # Straight to the pool, asyncio's transports; through `AsyncClient.send`, anyio's.
        assert isinstance(stream, LoopStream) == (request_way == "pool")
        # Over https the stream is the one start_tls returned.
        assert (stream.get_extra_info("ssl_object") is not None) == (name == "https")
        assert not stream.get_extra_info("is_readable")
        assert not connection.has_expired()
        server.close_open_connections()
        # The server's close arrives (over https its close_notify, then the end).
        await asyncio.wait_for(until(lambda: stream.get_extra_info("is_readable")), 10)
        assert connection.has_expired()
        third = await client.create_order(ORDER)  # on a new connection: never retried
    await asyncio.wait_for(asyncio.gather(*server.handlers), 10)
    assert (first.id, second.id, third.id) == (501, 502, 503)
    # Each order sent once: two on the first connection, the third on the second.
    assert server.requests_per_connection == [2, 1]


async def until(condition: Callable[[], object]) -> None:
    """Let the loop run (its transports deliver what arrived) until `condition` holds; the
    caller bounds the wait."""
    while not condition():  # noqa: ASYNC110 - a transport's state, with no event to wait on
        await asyncio.sleep(0)


async def test_the_pool_gets_the_loop_streams_once_and_only_where_it_can() -> None:
    direct = httpx.AsyncHTTPTransport()
    proxied = httpx.AsyncHTTPTransport(proxy="http://127.0.0.1:3128")
    async with direct, proxied:
        for transport in (direct, proxied):
            assert use_loop_streams(transport)
            backend = transport._pool._network_backend
            assert isinstance(backend, LoopBackend)
            assert use_loop_streams(transport)  # not replaced twice
            assert transport._pool._network_backend is backend
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    assert not use_loop_streams(mock)
    # A pool given a backend of someone else's keeps it.
    custom = httpx.AsyncHTTPTransport()
    custom._pool._network_backend = own = httpcore.AsyncMockBackend([])
    async with custom:
        assert not use_loop_streams(custom)
        assert custom._pool._network_backend is own


@contextlib.asynccontextmanager
async def raw_server(
    answer: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 running `answer` for each connection; yields its port and
    waits for every connection's handler at the end."""
    handlers: list[asyncio.Task[None]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        try:
            await answer(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with listening:
        yield listening.sockets[0].getsockname()[1]
        await asyncio.wait_for(asyncio.gather(*handlers, return_exceptions=True), 10)


async def test_a_read_takes_what_arrived_up_to_what_is_asked_then_the_end() -> None:
    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello world")
        await writer.drain()

    async with raw_server(hello) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port, timeout=10)
        assert await stream.read(5, timeout=10) == b"hello"
        assert await stream.read(100, timeout=10) == b" world"
        assert await stream.read(100, timeout=10) == b""  # the server's end of the stream
        assert stream.get_extra_info("is_readable")
        await stream.aclose()
        # Closed by us: an error, as with httpcore's anyio streams, not the end.
        with pytest.raises(httpcore.ReadError):
            await stream.read(100, timeout=10)


async def test_the_streams_attributes() -> None:
    async def wait_for_the_end(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read()

    async with raw_server(wait_for_the_end) as port:
        stream = await LoopBackend().connect_tcp(
            "127.0.0.1", port, socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
        )
        try:
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
            assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
            sock = stream.get_extra_info("socket")
            # Non-zero when set (macOS answers with the option's flag bit, not 1).
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert stream.get_extra_info("ssl_object") is None
            assert stream.get_extra_info("is_readable") is False
            assert stream.get_extra_info("no such attribute") is None
        finally:
            await stream.aclose()


async def test_a_read_past_its_deadline_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read()

    async with raw_server(silent) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port)
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(100, timeout=0.05)
        await stream.aclose()


async def test_a_connection_the_server_resets_is_a_read_error() -> None:
    async def reset(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        # struct linger: two ints, two unsigned shorts on Windows.
        linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        writer.transport.abort()  # closed with linger 0: the client gets a reset

    async with raw_server(reset) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port)
        with pytest.raises(httpcore.ReadError):
            await stream.read(100, timeout=10)
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"x", timeout=10)
        await stream.aclose()


async def test_a_large_answer_is_read_whole_with_the_socket_left_unread_meanwhile() -> None:
    blob = bytes(range(256)) * (4 * PAUSE_AT // 256)

    async def send_blob(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(blob)
        await writer.drain()

    async with raw_server(send_blob) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port)
        assert isinstance(stream, LoopStream)
        connection = stream._connection
        # Nobody reads: what arrives is kept up to PAUSE_AT, then the socket waits.
        await asyncio.wait_for(until(lambda: connection.reading_paused), 10)
        assert connection.transport is not None
        assert not connection.transport.is_reading()
        assert connection.buffered <= PAUSE_AT + 256 * 1024
        received = bytearray()
        while chunk := await stream.read(65536, timeout=10):
            received += chunk
        assert received == blob
        assert not connection.reading_paused
        await stream.aclose()


async def test_a_write_the_server_does_not_take_is_a_write_timeout() -> None:
    taken = asyncio.Event()

    async def never_read(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await taken.wait()

    async with raw_server(never_read) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port)
        with pytest.raises(httpcore.WriteTimeout):
            # Far more than the two sockets' buffers hold.
            await stream.write(b"x" * (64 * 1024 * 1024), timeout=0.05)
        taken.set()
        await stream.aclose()
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"x", timeout=10)


async def test_nobody_listening_is_a_connect_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # a port that is ours, and not listening
        port = unused.getsockname()[1]
        with pytest.raises(httpcore.ConnectError):
            await LoopBackend().connect_tcp("127.0.0.1", port, timeout=10)


async def test_a_certificate_not_trusted_is_a_connect_error_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_ca(tmp_path)
    identity = make_server_cert(tmp_path, ca)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(identity.cert_file, identity.key_file)

    async def handshake(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await reader.read()

    listening = await asyncio.start_server(handshake, "127.0.0.1", 0, ssl=server_side)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port, timeout=10)
        with pytest.raises(httpcore.ConnectError) as raised:
            # The default context: this private CA is in no trust store.
            await stream.start_tls(ssl.create_default_context(), "127.0.0.1", timeout=10)
        assert isinstance(raised.value.__cause__, ssl.SSLCertVerificationError)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets (Windows)")
async def test_a_unix_socket_connects(tmp_path: Path) -> None:
    async def hello(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    path = str(tmp_path / "server.sock")
    unix = await asyncio.start_unix_server(hello, path)
    async with unix:
        stream = await LoopBackend().connect_unix_socket(path, timeout=10)
        assert await stream.read(100, timeout=10) == b"hello"
        await stream.aclose()


async def test_a_tls_handshake_past_its_deadline_is_a_connect_timeout() -> None:
    """A server that takes the connection and never speaks TLS: the handshake's deadline is a
    ConnectTimeout, as httpcore's own backend has it (the app says "did not answer the
    connection in time", not "refused")."""
    done = asyncio.Event()

    async def mute(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await done.wait()

    async with raw_server(mute) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port, timeout=10)
        with pytest.raises(httpcore.ConnectTimeout):
            await stream.start_tls(ssl.create_default_context(), "127.0.0.1", timeout=0.05)
        done.set()


async def test_a_write_waiting_for_room_ends_when_the_connection_is_lost() -> None:
    lose = asyncio.Event()

    async def never_read_then_reset(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await lose.wait()
        sock = writer.get_extra_info("socket")
        linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        writer.transport.abort()

    async with raw_server(never_read_then_reset) as port:
        stream = await LoopBackend().connect_tcp("127.0.0.1", port)
        assert isinstance(stream, LoopStream)
        writing = asyncio.ensure_future(stream.write(b"x" * (64 * 1024 * 1024), timeout=None))
        await asyncio.wait_for(until(lambda: stream._connection.room is not None), 10)
        lose.set()
        with pytest.raises(httpcore.WriteError):
            await asyncio.wait_for(writing, 10)
        await stream.aclose()
