"""An answer is read up to `max_body` bytes and no further, however it is framed: one whose
length is declared and that is neither compressed nor chunked is read as it comes (no copy
of the response: the outbox drains one per order), a compressed one is counted as it is
unpacked, so a small declared length cannot let a large answer in."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import UnexpectedResponse
from tests.api.support import BASE_URL, SECRET_KEY, Handler

pytestmark = pytest.mark.anyio

ORDER = {"id": 7, "currentStatus": "orderPlaced", "externalOrderIds": ["desk-1"]}


def client(handler: Handler, max_body: int) -> ImpiloClient:
    return ImpiloClient(
        BASE_URL, SECRET_KEY, transport=httpx.MockTransport(handler), max_body=max_body
    )


async def test_an_answer_of_declared_length_is_read_whole() -> None:
    body = json.dumps(ORDER).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    async with client(handler, max_body=len(body)) as impilo:
        order = await impilo.get_order(7)
    assert order.id == 7


async def test_a_compressed_answer_is_bounded_by_its_unpacked_size() -> None:
    padded = {**ORDER, "orderNotes": [{"note": "x" * 5000}]}
    packed = gzip.compress(json.dumps(padded).encode())
    assert len(packed) < 1000  # the declared length alone would let it in

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        return httpx.Response(200, content=packed, headers=headers)

    async with client(handler, max_body=1000) as impilo:
        with pytest.raises(UnexpectedResponse) as caught:
            await impilo.get_order(7)
    assert "larger answer than the app accepts" in caught.value.message

    async with client(handler, max_body=100_000) as impilo:  # within bounds: unpacked, read
        order = await impilo.get_order(7)
    assert order.id == 7
