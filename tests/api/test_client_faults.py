"""Exact fault cases at the HTTP layer (httpx.MockTransport): error types, messages, retries."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from impilo_desktop.api.client import MESSAGE_LIMIT
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
    UntrustedCertificate,
)
from impilo_desktop.api.models import ItemRef, OrderCreate, OrderItemCreate, SiteRef
from impilo_desktop.api.retry import RetryPolicy
from tests.api.support import SECRET_KEY, Handler, fail_with, mock_client, respond, sequence

pytestmark = pytest.mark.anyio

ORDER = {"id": 7, "currentStatus": "orderPlaced", "externalOrderIds": ["desk-1"]}
SITE_ORDER = OrderCreate(
    site=SiteRef(id=561),
    order_items=[OrderItemCreate(item=ItemRef(id=1000), count=2)],
    external_order_ids=["desk-1"],
    shipping_option="standard",
)
# Deterministic jitter at its ceiling: waits are exactly the caps.
MAX_JITTER = RetryPolicy(random=lambda: 1.0)


# --- status codes -> error types --------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_are_authentication_errors(status: int) -> None:
    client, rec = mock_client(respond(status, {"message": "Invalid API key"}))
    async with client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_order(7)
    assert caught.value.status == status
    assert "API key" in caught.value.message
    assert "Settings" in caught.value.message
    assert len(rec.requests) == 1  # never retried: the same key will fail again


@pytest.mark.parametrize("status", [400, 409, 422])
@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"message": "insufficient_inventory"}, "insufficient_inventory"),
        ({"error": "patient or site required"}, "patient or site required"),
        ({"detail": "Item 12 is not orderable"}, "Item 12 is not orderable"),
        (
            {"error": {"message": "max one loaner kit", "code": "max_one_loaner_kit"}},
            "max one loaner kit (max_one_loaner_kit)",
        ),
        ("Bad Request: shippingOption missing", "Bad Request: shippingOption missing"),
        ({"status": 400, "reason": "nope"}, '{"status":400,"reason":"nope"}'),
    ],
)
async def test_rejections_carry_the_server_message(status: int, body: object, said: str) -> None:
    client, rec = mock_client(respond(status, body))
    async with client:
        with pytest.raises(RequestRejected) as caught:
            await client.create_order(SITE_ORDER)
    error = caught.value
    assert error.status == status
    assert error.server_message == said
    assert error.message == f"Impilo rejected the request: {said}"
    assert f"POST /api/v3/order -> HTTP {status}" in error.detail
    assert len(rec.requests) == 1


async def test_rejection_without_body_names_the_status() -> None:
    client, _ = mock_client(respond(400))
    async with client:
        with pytest.raises(RequestRejected) as caught:
            await client.list_orders()
    assert caught.value.server_message == ""
    assert caught.value.message == "Impilo rejected the request (HTTP 400)."


async def test_an_html_error_page_is_not_shown_to_the_user() -> None:
    page = "<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body>"
    client, _ = mock_client(respond(413, page, **{"Content-Type": "text/html"}))
    async with client:
        with pytest.raises(RequestRejected) as caught:
            await client.list_orders()
    assert caught.value.message == "Impilo rejected the request (HTTP 413)."
    # The log gets the page's shape, never its text (a body may hold patient data).
    assert caught.value.detail == "GET /api/v3/order -> HTTP 413; 80 bytes of text/html"


async def test_long_server_text_is_truncated() -> None:
    client, _ = mock_client(respond(422, "x" * 5000))
    async with client:
        with pytest.raises(RequestRejected) as caught:
            await client.list_orders()
    assert len(caught.value.server_message) <= MESSAGE_LIMIT
    assert caught.value.server_message.endswith("…")
    assert len(caught.value.detail) < 1000


async def test_not_found_names_the_record() -> None:
    client, rec = mock_client(respond(404, {"message": "Not Found"}))
    async with client:
        with pytest.raises(NotFound) as caught:
            await client.get_order(123)
    assert caught.value.message == "Impilo has no order 123."
    assert caught.value.status == 404
    assert "GET /api/v3/order/123 -> HTTP 404" in caught.value.detail
    assert len(rec.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_then_raised(status: int) -> None:
    client, rec = mock_client(respond(status, "upstream broke"), retry=MAX_JITTER)
    async with client:
        with pytest.raises(ServerError) as caught:
            await client.list_sites()
    assert caught.value.status == status
    assert caught.value.retryable
    assert f"HTTP {status}" in caught.value.message
    assert len(rec.requests) == 4
    assert rec.sleeps == [0.25, 0.5, 1.0]  # capped exponential, jitter at its ceiling


async def test_backoff_is_jittered_below_the_cap() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=0.5, max_delay=2.0)
    client, rec = mock_client(respond(500), retry=policy)
    async with client:
        with pytest.raises(ServerError):
            await client.list_sites()
    caps = [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert len(rec.sleeps) == 7
    assert all(0.0 <= wait <= cap for wait, cap in zip(rec.sleeps, caps, strict=True))


async def test_a_retry_that_succeeds_returns_the_result() -> None:
    client, rec = mock_client(
        sequence(respond(503), fail_with(httpx.ReadTimeout), respond(200, ORDER)),
        retry=MAX_JITTER,
    )
    async with client:
        order = await client.get_order(7)
    assert order.id == 7
    assert len(rec.requests) == 3
    assert rec.sleeps == [0.25, 0.5]


# --- 429 and Retry-After ---------------------------------------------------------------------


async def test_retry_after_seconds_is_honoured() -> None:
    client, rec = mock_client(sequence(respond(429, **{"Retry-After": "5"}), respond(200, ORDER)))
    async with client:
        order = await client.get_order(7)
    assert order.id == 7
    assert rec.sleeps == [5.0]


async def test_a_retry_after_beyond_the_budget_is_handed_back_at_once() -> None:
    # Three early retries 30 s apart would only be refused again: give up at once and carry
    # the server's time to the caller (the outbox schedules the entry then).
    client, rec = mock_client(respond(429, **{"Retry-After": "3600"}))
    async with client:
        with pytest.raises(RateLimited) as caught:
            await client.get_order(7)
    assert rec.sleeps == []
    assert len(rec.requests) == 1
    assert caught.value.retry_after == 3600.0
    assert "wait 60 minutes" in caught.value.message


async def test_a_retry_after_within_the_budget_is_waited_for() -> None:
    client, rec = mock_client(respond(429, **{"Retry-After": "30"}))
    async with client:
        with pytest.raises(RateLimited):
            await client.get_order(7)
    assert rec.sleeps == [30.0, 30.0, 30.0]
    assert len(rec.requests) == 4


async def test_retry_after_http_date_is_honoured() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    client, rec = mock_client(sequence(respond(429, **{"Retry-After": later}), respond(200, ORDER)))
    async with client:
        await client.get_order(7)
    assert len(rec.sleeps) == 1
    assert 15.0 <= rec.sleeps[0] <= 20.0


async def test_retry_after_on_503_is_used() -> None:
    client, rec = mock_client(sequence(respond(503, **{"Retry-After": "2"}), respond(200, ORDER)))
    async with client:
        await client.get_order(7)
    assert rec.sleeps == [2.0]


async def test_429_without_retry_after_backs_off() -> None:
    client, rec = mock_client(sequence(respond(429), respond(200, ORDER)), retry=MAX_JITTER)
    async with client:
        await client.get_order(7)
    assert rec.sleeps == [0.25]


# --- network failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc_type", "maybe_sent"),
    [
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.PoolTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.ReadError, True),
        (httpx.WriteError, True),
        (httpx.RemoteProtocolError, True),
    ],
)
async def test_network_failures_are_unreachable(
    exc_type: type[httpx.TransportError], maybe_sent: bool
) -> None:
    client, rec = mock_client(fail_with(exc_type, "connection trouble"), retry=MAX_JITTER)
    async with client:
        with pytest.raises(Unreachable) as caught:
            await client.list_items()
    assert caught.value.maybe_sent is maybe_sent
    assert caught.value.status is None
    assert exc_type.__name__ in caught.value.detail
    assert "GET /api/v3/item" in caught.value.detail
    assert len(rec.requests) == 4  # reads are retried


async def test_certificate_failure_says_so() -> None:
    # Real TLS failures are in tests/api/test_tls_trust.py; here only the words, no cause.
    client, rec = mock_client(
        fail_with(httpx.ConnectError, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    )
    async with client:
        with pytest.raises(UntrustedCertificate) as caught:
            await client.list_sites()
    assert caught.value.message == (
        "The connection's certificate is not trusted by this computer: certificate verify failed."
    )
    assert caught.value.maybe_sent is False
    assert len(rec.requests) == 1  # the same certificate would fail again: not retried


# --- create and void are never retried -------------------------------------------------------


@pytest.mark.parametrize(
    "handler",
    [
        respond(500, "boom"),
        respond(503, **{"Retry-After": "1"}),
        respond(429, **{"Retry-After": "1"}),
        fail_with(httpx.ReadTimeout),
        fail_with(httpx.ConnectError),
        fail_with(httpx.RemoteProtocolError),
    ],
    ids=["500", "503", "429", "read-timeout", "connect-error", "reset"],
)
async def test_create_order_is_never_retried(handler: Handler) -> None:
    client, rec = mock_client(handler)
    async with client:
        with pytest.raises(ImpiloError) as caught:
            await client.create_order(SITE_ORDER)
    assert caught.value.retryable  # retryable in principle, but by the outbox, not here
    assert len(rec.requests) == 1
    assert rec.sleeps == []


async def test_create_order_timeout_may_have_been_sent() -> None:
    client, _ = mock_client(fail_with(httpx.ReadTimeout))
    async with client:
        with pytest.raises(Unreachable) as caught:
            await client.create_order(SITE_ORDER)
    assert caught.value.maybe_sent is True


async def test_create_order_refused_connection_was_not_sent() -> None:
    client, _ = mock_client(fail_with(httpx.ConnectError))
    async with client:
        with pytest.raises(Unreachable) as caught:
            await client.create_order(SITE_ORDER)
    assert caught.value.maybe_sent is False


@pytest.mark.parametrize("handler", [respond(500), fail_with(httpx.ReadTimeout)])
async def test_void_order_is_never_retried(handler: Handler) -> None:
    client, rec = mock_client(handler)
    async with client:
        with pytest.raises(ImpiloError):
            await client.void_order(7)
    assert len(rec.requests) == 1
    assert rec.sleeps == []


# --- successful status codes and bodies ------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201])
async def test_create_order_accepts_any_2xx(status: int) -> None:
    client, _ = mock_client(respond(status, ORDER))
    async with client:
        order = await client.create_order(SITE_ORDER)
    assert order.id == 7


@pytest.mark.parametrize("handler", [respond(204), respond(200, {"ok": True}), respond(202, "")])
async def test_void_order_needs_no_body(handler: Handler) -> None:
    client, rec = mock_client(handler)
    async with client:
        await client.void_order(7)
    assert rec.requests[0].method == "DELETE"
    assert rec.requests[0].url.path == "/api/v3/order/7"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"id": 7, "currentStatus": ', "Invalid JSON"),
        (b"<html><body>Please log in to the Wi-Fi</body></html>", "Invalid JSON"),
        (b"[1, 2, 3]", "Order"),
        (b'{"id": "seven"}', "id"),
        (b"", "empty body"),
    ],
    ids=["truncated", "captive-portal", "list", "wrong-type", "empty"],
)
async def test_malformed_success_bodies_are_unexpected(body: bytes, where: str) -> None:
    client, rec = mock_client(respond(200, body, **{"Content-Type": "application/json"}))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.get_order(7)
    assert caught.value.message == "Impilo sent a response the app could not read."
    assert where in caught.value.detail
    assert len(rec.requests) == 1


async def test_malformed_page_is_unexpected() -> None:
    client, _ = mock_client(respond(200, {"content": {"not": "a list"}, "page": 1}))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.list_orders()
    assert "content" in caught.value.detail


async def test_created_order_without_id_is_unexpected() -> None:
    client, _ = mock_client(respond(200, {"currentStatus": "orderPlaced"}))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.create_order(SITE_ORDER)
    assert "will be checked" in caught.value.message


async def test_redirect_is_not_followed() -> None:
    client, rec = mock_client(respond(301, Location="http://elsewhere.example/"))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.list_sites()
    assert caught.value.status == 301
    assert len(rec.requests) == 1


async def test_summary_pdf_must_be_a_pdf() -> None:
    client, rec = mock_client(respond(200, b"<html>oops</html>", **{"Content-Type": "text/html"}))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.order_summary_pdf(7)
    assert "PDF" in caught.value.message
    assert rec.requests[0].headers["Accept"] == "application/pdf"


async def test_bad_key_characters_fail_before_sending() -> None:
    client, rec = mock_client(respond(200, ORDER), key="clé\n")
    async with client:
        with pytest.raises(AuthenticationError):
            await client.get_order(7)
    assert rec.requests == []


async def test_empty_key_fails_before_sending() -> None:
    client, rec = mock_client(respond(200, ORDER), key="   ")
    async with client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_order(7)
    assert "No API key" in caught.value.message
    assert rec.requests == []


# --- the key never leaks ---------------------------------------------------------------------


async def test_the_key_never_appears_in_logs_errors_or_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo = f'{{"message": "key {SECRET_KEY} is expired"}}'
    cases = [
        respond(401, echo),
        respond(400, echo),
        respond(500, echo),
        respond(429, echo, **{"Retry-After": "1"}),
        respond(200, b"not json " + SECRET_KEY.encode()),
        fail_with(httpx.ConnectError, f"refused while sending {SECRET_KEY}"),
        fail_with(httpx.ReadTimeout, "read timed out"),
    ]
    texts: list[str] = []
    sent_keys: list[str] = []
    caplog.set_level(logging.DEBUG)
    for handler in cases:
        client, rec = mock_client(handler)
        texts.append(repr(client))
        async with client:
            for call in (client.get_order(7), client.create_order(SITE_ORDER)):
                with pytest.raises(ImpiloError) as caught:
                    await call
                error = caught.value
                texts += [str(error), repr(error), error.message, error.detail]
                texts += [str(getattr(error, "server_message", ""))]
        sent_keys += [r.headers["Impilo-API-Key"] for r in rec.requests]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(caplog.text)
    # The key really went out on every request, and the failures really were logged ...
    assert sent_keys
    assert set(sent_keys) == {SECRET_KEY}
    assert any("HTTP 500" in r.getMessage() for r in caplog.records)
    assert any("[API key]" in t for t in texts)  # the echoed key was redacted, not dropped
    # ... yet it is in no text anyone could read.
    assert not [t for t in texts if SECRET_KEY in t]
