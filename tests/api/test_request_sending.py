"""How a request leaves (api/sending.py): straight to the client's own pool it is the request
`httpx.AsyncClient.build_request` would make, sent by the transport `send` would use; where
that lookup is missing or answers otherwise, or the client has auth or hooks, the public way.
(conftest.py runs every api test both ways.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from impilo_desktop.api import sending
from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.sending import RequestSender, pool_for
from impilo_desktop.api.transport import JSON, PDF, query
from tests.api.support import BASE_URL, SECRET_KEY, mock_client, respond

pytestmark = pytest.mark.anyio

ORDER_BODY: dict[str, Any] = {
    "patient": {"id": 7, "firstName": "Thandiwe", "lastName": "Ngcobo-Émile"},
    "orderItems": [{"item": {"id": 1001}, "count": 2}],
    "externalOrderIds": ["impilo-desktop-ab12"],
}


@pytest.fixture(autouse=True)
def request_way() -> str:
    """These tests choose the way themselves (conftest.py's runs the rest of tests/api both
    ways)."""
    return "pool"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client configured as `Transport` configures its own."""
    async with httpx.AsyncClient(
        base_url=BASE_URL + "/api/v3",
        headers={"Accept": JSON, "User-Agent": "impilo-desktop/test"},
        timeout=httpx.Timeout(15.0, connect=5.0),
        transport=httpx.MockTransport(respond(200, {})),
        follow_redirects=False,
        trust_env=False,
    ) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "accept"),
    [
        ("POST", "/order", None, ORDER_BODY, JSON),
        ("POST", "/order", None, {}, JSON),
        ("POST", "/order/41/void", None, None, JSON),
        ("GET", "/order", query(page=2, size=50, siteIds=[3, 4], includeVoided=False), None, JSON),
        ("GET", "/order/summary/41", None, None, PDF),
        ("GET", "/patient/identifier/CL%2F44%2071", None, None, JSON),
        ("PATCH", "/patient/7", None, {"phoneNumber": "+27 21 555 0100"}, JSON),
    ],
)
async def test_the_request_is_the_one_build_request_makes(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    params: httpx.QueryParams | None,
    body: dict[str, Any] | None,
    accept: str,
) -> None:
    ours = RequestSender(http, SECRET_KEY)._build(method, path, params, body, accept)
    theirs = http.build_request(
        method,
        path,
        params=params,
        json=body,
        headers={"Accept": accept, "Impilo-API-Key": SECRET_KEY},
    )
    assert (ours.method, str(ours.url)) == (theirs.method, str(theirs.url))
    assert ours.headers.raw == theirs.headers.raw  # the same headers, in the same order
    assert ours.content == theirs.content
    assert ours.extensions == theirs.extensions  # the client's timeouts


class Recorder:
    """An HTTP/1.1 server on 127.0.0.1 that keeps every request's bytes and answers `{}`."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.seen.append(head + await reader.readexactly(length))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\n\r\n{}"
                )
                await writer.drain()
        writer.close()


async def test_both_ways_put_the_same_bytes_on_the_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real sockets: the same requests, byte for byte, whichever way they leave."""
    recorder = Recorder()
    server = await asyncio.start_server(recorder.answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def requests() -> None:
        async with ImpiloClient(f"http://127.0.0.1:{port}", SECRET_KEY) as client:
            transport = client._transport
            await transport.send("POST", "/order", body=ORDER_BODY)
            await transport.send("POST", "/order/41/void")
            await transport.send("GET", "/order", params=query(page=2, siteIds=[3, 4]))
            await transport.send("GET", "/order/summary/41", accept=PDF)
            assert transport._sender is not None
            assert transport._sender.direct == (sending.POOL_LOOKUP == "_transport_for_url")

    async with server:
        await requests()
        monkeypatch.setattr(sending, "POOL_LOOKUP", "_no_such_lookup")
        await requests()
    assert len(recorder.seen) == 8
    assert recorder.seen[:4] == recorder.seen[4:]
    compact = json.dumps(ORDER_BODY, ensure_ascii=False, separators=(",", ":"))
    assert recorder.seen[0].endswith(b"\r\n\r\n" + compact.encode())


async def test_the_pool_is_the_one_send_uses_for_the_route() -> None:
    direct = httpx.AsyncClient(base_url="https://impilo.example.org")
    proxied = httpx.AsyncClient(
        base_url="https://impilo.example.org", proxy="http://127.0.0.1:3128"
    )
    async with direct, proxied:
        assert pool_for(direct) is direct._transport
        assert pool_for(proxied) is proxied._transport_for_url(proxied.base_url)
        assert pool_for(proxied) is not proxied._transport  # the proxy's, not the direct pool


async def test_the_public_way_without_the_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    async with httpx.AsyncClient(base_url=BASE_URL) as http:
        assert RequestSender(http, SECRET_KEY).direct
        monkeypatch.setattr(sending, "POOL_LOOKUP", "_no_such_lookup")
        assert not RequestSender(http, SECRET_KEY).direct
        # A lookup by that name that answers with something else than a transport.
        monkeypatch.setattr(sending, "POOL_LOOKUP", "_merge_url")
        assert not RequestSender(http, SECRET_KEY).direct


async def test_the_public_way_for_a_client_with_auth_or_hooks() -> None:
    async def hook(request: httpx.Request) -> None:
        return None

    with_auth = httpx.AsyncClient(base_url=BASE_URL, auth=("user", "secret"))
    with_hook = httpx.AsyncClient(base_url=BASE_URL, event_hooks={"request": [hook]})
    async with with_auth, with_hook:
        assert pool_for(with_auth) is None
        assert pool_for(with_hook) is None


@pytest.mark.parametrize("lookup", [sending.POOL_LOOKUP, "_no_such_lookup"])
async def test_a_network_error_names_its_request(
    lookup: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "POOL_LOOKUP", lookup)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    client, _ = mock_client(refuse)
    async with client:
        http = await client._transport._client()
        sender = RequestSender(http, SECRET_KEY)
        assert sender.direct == (lookup == "_transport_for_url")
        with pytest.raises(httpx.ConnectError) as raised:
            await sender.send("POST", "/order", None, ORDER_BODY, JSON)
    assert raised.value.request.url.path == "/api/v3/order"


async def test_a_path_must_be_relative(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="relative"):
        RequestSender(http, SECRET_KEY)._build(
            "GET", "https://elsewhere.example/x", None, None, JSON
        )
