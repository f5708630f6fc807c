"""The pool's quick look at idle connections (api/idle_connections.py): the same answer as
httpcore's own, so a connection the server closed is never used again, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.idle_connections import (
    QuickIdleCheck,
    QuickIdleStream,
    quicken_idle_checks,
    readable,
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
        # Straight to the pool, the quick check; through `AsyncClient.send`, httpcore's own.
        assert isinstance(stream, QuickIdleStream) == (request_way == "pool")
        # Over https the stream polled is the TLS stream's own (the wrapper around start_tls).
        assert (stream.get_extra_info("ssl_object") is not None) == (name == "https")
        assert not stream.get_extra_info("is_readable")
        assert not connection.has_expired()
        server.close_open_connections()
        # The server's close arrives (waited for outside the loop, which owns the socket;
        # over https its close_notify, then the end of the connection).
        fd = stream.get_extra_info("socket").fileno()
        ready, _, _ = await asyncio.to_thread(select.select, [fd], [], [], 10)
        assert ready
        assert stream.get_extra_info("is_readable")
        assert connection.has_expired()
        third = await client.create_order(ORDER)  # on a new connection: never retried
    await asyncio.wait_for(asyncio.gather(*server.handlers), 10)
    assert (first.id, second.id, third.id) == (501, 502, 503)
    # Each order sent once: two on the first connection, the third on the second.
    assert server.requests_per_connection == [2, 1]


async def test_readable_means_data_or_the_end_and_a_closed_socket_counts_as_readable() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not readable(ours)
        theirs.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        theirs.close()
        assert readable(ours)  # the end of the connection
    assert readable(ours)  # closed: no descriptor any more


async def test_the_pool_gets_the_quick_check_once_and_only_where_it_can() -> None:
    direct = httpx.AsyncHTTPTransport()
    proxied = httpx.AsyncHTTPTransport(proxy="http://127.0.0.1:3128")
    async with direct, proxied:
        for transport in (direct, proxied):
            assert quicken_idle_checks(transport)
            backend = transport._pool._network_backend
            assert isinstance(backend, QuickIdleCheck)
            assert quicken_idle_checks(transport)  # not wrapped twice
            assert transport._pool._network_backend is backend
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    assert not quicken_idle_checks(mock)


async def test_other_attributes_are_the_streams_own() -> None:
    listening = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        transport = httpx.AsyncHTTPTransport()
        quicken_idle_checks(transport)
        backend = transport._pool._network_backend
        stream = await backend.connect_tcp("127.0.0.1", port)
        try:
            assert isinstance(stream, QuickIdleStream)
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
            assert stream.get_extra_info("socket") is stream.stream.get_extra_info("socket")
            assert stream.get_extra_info("ssl_object") is None
        finally:
            await stream.aclose()
            await transport.aclose()


class LaterBackend(httpcore.AnyIOBackend):
    """httpcore's own backend as a later release might have it: connecting takes a keyword
    1.0 does not know (`happy_eyeballs_delay`, a name made up for this test)."""

    def __init__(self) -> None:
        self.delays: list[float | None] = []

    async def connect_tcp(
        self, *args: Any, happy_eyeballs_delay: float | None = None, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        self.delays.append(happy_eyeballs_delay)
        return await super().connect_tcp(*args, **kwargs)

    async def connect_unix_socket(
        self, *args: Any, happy_eyeballs_delay: float | None = None, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        self.delays.append(happy_eyeballs_delay)
        return await super().connect_unix_socket(*args, **kwargs)


async def test_arguments_a_later_httpcore_adds_are_passed_through(tmp_path: Path) -> None:
    later = LaterBackend()
    backend = QuickIdleCheck(later)
    hung_up: asyncio.Queue[None] = asyncio.Queue()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()
        await writer.wait_closed()
        hung_up.put_nowait(None)

    path = str(tmp_path / "server.sock")
    tcp = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    unix = await asyncio.start_unix_server(hang_up, path)
    port = tcp.sockets[0].getsockname()[1]
    async with tcp, unix:
        streams = [
            await backend.connect_tcp("127.0.0.1", port, 5.0, happy_eyeballs_delay=0.25),
            await backend.connect_unix_socket(path, timeout=5.0, happy_eyeballs_delay=0.5),
        ]
        for stream in streams:
            assert isinstance(stream, QuickIdleStream)
            await stream.aclose()
            await asyncio.wait_for(hung_up.get(), 10)  # the server's side closed too
    assert later.delays == [0.25, 0.5]
