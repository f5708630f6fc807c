"""What the client puts on the wire: URLs, query strings, headers, bodies; and paging."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from impilo_desktop import __version__
from impilo_desktop.api.client import PRODUCTION_URL, STAGING_URL, ImpiloClient, parse_page
from impilo_desktop.api.errors import RequestRejected, UnexpectedResponse, Unreachable
from impilo_desktop.api.models import (
    ItemRef,
    ItemSort,
    Order,
    OrderCreate,
    OrderItemCreate,
    Page,
    PatientRef,
    PatientSort,
)
from impilo_desktop.config import ConfigError
from tests.api.support import SECRET_KEY, fail_with, mock_client, respond

pytestmark = pytest.mark.anyio

EMPTY_PAGE = {"content": [], "page": 1, "size": 100, "total": 0, "first": True, "last": True}
PATIENT = {"id": 1234, "firstName": "Thandi", "lastName": "Nkosi", "dateOfBirth": "1980-02-03"}


def pairs(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


# --- construction --------------------------------------------------------------------------


def test_builtin_hosts_come_from_config() -> None:
    assert PRODUCTION_URL == "https://app.impiloplatform.com"
    assert STAGING_URL == "https://staging.impiloplatform.com"


def test_base_url_is_normalised_and_plain_http_refused() -> None:
    client = ImpiloClient("https://staging.impiloplatform.com/api/v3/", SECRET_KEY)
    assert client.base_url == STAGING_URL
    with pytest.raises(ConfigError):
        ImpiloClient("http://app.impiloplatform.com", SECRET_KEY)
    assert ImpiloClient("http://127.0.0.1:8765", SECRET_KEY).base_url == "http://127.0.0.1:8765"


def test_repr_shows_the_host_but_not_the_key() -> None:
    client = ImpiloClient(PRODUCTION_URL, SECRET_KEY)
    assert PRODUCTION_URL in repr(client)
    assert SECRET_KEY not in repr(client)
    assert SECRET_KEY not in str(vars(client).get("retry"))


async def test_every_request_carries_key_accept_and_user_agent() -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        await client.list_sites()
    headers = rec.requests[0].headers
    assert headers["Impilo-API-Key"] == SECRET_KEY
    assert headers["Accept"] == "application/json"
    assert re.fullmatch(rf"impilo-desktop/{re.escape(__version__)} \(.+\)", headers["User-Agent"])
    assert str(rec.requests[0].url) == "https://impilo.example.org/api/v3/site?page=1&size=100"


async def test_timeouts_are_set() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=EMPTY_PAGE)

    client = ImpiloClient(
        "https://impilo.example.org",
        SECRET_KEY,
        timeout=12.0,
        connect_timeout=3.0,
        transport=httpx.MockTransport(handler),
    )
    async with client:
        await client.list_kits()
    assert seen[0] == {"connect": 3.0, "read": 12.0, "write": 12.0, "pool": 12.0}


async def test_a_closed_client_cannot_be_used() -> None:
    client, _ = mock_client(respond(200, EMPTY_PAGE))
    await client.aclose()
    with pytest.raises(RuntimeError):
        await client.list_sites()


# --- query strings -----------------------------------------------------------------------------


async def test_list_patients_sends_every_filter() -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        await client.list_patients(
            2,
            50,
            sort=PatientSort.LAST_NAME,
            sort_descending=False,
            ids=[1, 2],
            site_ids=[3, 7],
            external_identifiers=["ext-1", "ext 2"],
            email="a@b.example",
            name="Nkosi",
            archived=False,
            enrolled=True,
            date_of_birth_min=date(1950, 1, 31),
            date_of_birth_max="2001-12-01",
            postal_code="2001",
            country="ZA",
        )
    assert rec.requests[0].url.path == "/api/v3/patient"
    assert pairs(rec.requests[0]) == [
        ("page", "2"),
        ("size", "50"),
        ("sort", "lastName"),
        ("sortDescending", "false"),
        ("id", "1"),
        ("id", "2"),
        ("siteId", "3"),
        ("siteId", "7"),
        ("externalIdentifier", "ext-1"),
        ("externalIdentifier", "ext 2"),
        ("email", "a@b.example"),
        ("name", "Nkosi"),
        ("archived", "false"),
        ("enrolled", "true"),
        ("dateOfBirthMin", "1950-01-31"),
        ("dateOfBirthMax", "2001-12-01"),
        ("postalCode", "2001"),
        ("country", "ZA"),
    ]


async def test_unset_filters_are_left_out_and_datetimes_become_dates() -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        await client.list_patients(date_of_birth_min=datetime(1990, 5, 6, 23, 59))
        await client.list_patients()
    assert pairs(rec.requests[0]) == [
        ("page", "1"),
        ("size", "100"),
        ("dateOfBirthMin", "1990-05-06"),
    ]
    assert pairs(rec.requests[1]) == [("page", "1"), ("size", "100")]


async def test_list_orders_repeats_external_order_ids() -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        await client.list_orders(patient_id=1234, external_order_ids=["desk-1", "desk-2"])
        await client.list_orders(external_order_ids="desk-3")
    assert pairs(rec.requests[0]) == [
        ("page", "1"),
        ("size", "50"),
        ("patientId", "1234"),
        ("externalOrderId", "desk-1"),
        ("externalOrderId", "desk-2"),
    ]
    # A lone string is one id, not one id per character.
    assert ("externalOrderId", "desk-3") in pairs(rec.requests[1])


async def test_list_items_sends_catalog_filters() -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        await client.list_items(
            sort=ItemSort.ITEM_NAME,
            sort_descending=True,
            ids=[5],
            name="Cuff",
            model="M1",
            sku="SKU-1",
            manufacturer_ids=[2, 4],
        )
    assert pairs(rec.requests[0]) == [
        ("page", "1"),
        ("size", "100"),
        ("sort", "itemName"),
        ("sortDescending", "true"),
        ("id", "5"),
        ("name", "Cuff"),
        ("model", "M1"),
        ("sku", "SKU-1"),
        ("manufacturerId", "2"),
        ("manufacturerId", "4"),
    ]


@pytest.mark.parametrize(
    ("call", "path", "query"),
    [
        (
            lambda c: c.list_kits(item_id=9, archived=False),
            "/kit",
            "page=1&size=100&itemId=9&archived=false",
        ),
        (lambda c: c.list_manufacturers(3, 20), "/manufacturer", "page=3&size=20"),
        (lambda c: c.list_inventory(item_id=4), "/inventory", "itemId=4&page=1&size=100"),
        (lambda c: c.list_impilo_inventory(), "/inventory/impilo", "page=1&size=100"),
        (
            lambda c: c.list_site_inventory(item_id=4, site_id=8),
            "/inventory/site",
            "itemId=4&siteId=8&page=1&size=100",
        ),
    ],
    ids=["kits", "manufacturers", "inventory", "impilo-inventory", "site-inventory"],
)
async def test_other_lists(call: Any, path: str, query: str) -> None:
    client, rec = mock_client(respond(200, EMPTY_PAGE))
    async with client:
        page = await call(client)
    assert isinstance(page, Page)
    assert rec.requests[0].url.path == "/api/v3" + path
    assert rec.requests[0].url.query.decode() == query


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.get_order(11), "/api/v3/order/11"),
        (lambda c: c.get_patient(12), "/api/v3/patient/12"),
        (lambda c: c.get_site(13), "/api/v3/site/13"),
        (lambda c: c.get_item(14), "/api/v3/item/14"),
        (lambda c: c.get_kit(15), "/api/v3/kit/15"),
        (lambda c: c.get_manufacturer(16), "/api/v3/manufacturer/16"),
        (
            lambda c: c.get_patient_by_external_identifier("a/b c?"),
            "/api/v3/patient/identifier/a%2Fb%20c%3F",
        ),
    ],
)
async def test_single_resources(call: Any, path: str) -> None:
    client, rec = mock_client(respond(200, {"id": 1}))
    async with client:
        found = await call(client)
    assert found.id == 1
    assert rec.requests[0].method == "GET"
    assert rec.requests[0].url.raw_path.decode() == path


async def test_find_patient_by_email_posts_the_email() -> None:
    client, rec = mock_client(respond(200, PATIENT))
    async with client:
        patient = await client.find_patient_by_email("thandi@example.org")
    assert patient is not None
    assert patient.id == 1234
    assert rec.requests[0].method == "POST"
    assert rec.requests[0].url.path == "/api/v3/patient/find-by-email"
    assert json.loads(rec.requests[0].content) == {"email": "thandi@example.org"}


@pytest.mark.parametrize(
    "handler", [respond(404, {"message": "no"}), respond(200), respond(200, "null")]
)
async def test_find_patient_by_email_gives_none_when_absent(handler: Any) -> None:
    client, _ = mock_client(handler)
    async with client:
        assert await client.find_patient_by_email("nobody@example.org") is None


async def test_find_patient_by_email_is_retried_like_a_read() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503) if calls == 1 else httpx.Response(200, json=PATIENT)

    client, rec = mock_client(handler)
    async with client:
        assert await client.find_patient_by_email("thandi@example.org") is not None
    assert len(rec.requests) == 2
    assert len(rec.sleeps) == 1


async def test_summary_pdf_returns_the_bytes() -> None:
    pdf = b"%PDF-1.4\n%fake\n"
    client, rec = mock_client(respond(200, pdf, **{"Content-Type": "application/pdf"}))
    async with client:
        assert await client.order_summary_pdf(7) == pdf
    assert rec.requests[0].url.path == "/api/v3/order/summary/7"


# --- create order ----------------------------------------------------------------------------


def order_with(patient: PatientRef) -> OrderCreate:
    return OrderCreate(
        patient=patient,
        order_items=[OrderItemCreate(item=ItemRef(id=1000), count=2)],
        external_order_ids=["desk-1"],
        shipping_option="standard",
    )


async def test_create_order_posts_the_wire_body() -> None:
    order = order_with(PatientRef(id=1234, first_name="Thandi", last_name="Nkosi"))
    client, rec = mock_client(respond(201, {"id": 99, **order.to_wire()}))
    async with client:
        created = await client.create_order(order)
    assert created.id == 99
    assert [r.method for r in rec.requests] == ["POST"]  # names known: no lookup
    assert json.loads(rec.requests[0].content) == order.to_wire()
    assert rec.requests[0].headers["Content-Type"] == "application/json"


async def test_create_order_fills_missing_patient_names_from_impilo() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=PATIENT)
        return httpx.Response(200, json={"id": 99})

    client, rec = mock_client(handler)
    async with client:
        await client.create_order(order_with(PatientRef(id=1234)))
    assert [(r.method, r.url.path) for r in rec.requests] == [
        ("GET", "/api/v3/patient/1234"),
        ("POST", "/api/v3/order"),
    ]
    assert json.loads(rec.requests[1].content)["patient"] == {
        "id": 1234,
        "firstName": "Thandi",
        "lastName": "Nkosi",
    }


async def test_unknown_patient_is_a_rejection_before_posting() -> None:
    client, rec = mock_client(respond(404))
    async with client:
        with pytest.raises(RequestRejected) as caught:
            await client.create_order(order_with(PatientRef(id=404)))
    assert "patient 404" in caught.value.message
    assert [r.method for r in rec.requests] == ["GET"]


async def test_unreachable_patient_lookup_was_certainly_not_an_order() -> None:
    client, rec = mock_client(fail_with(httpx.ReadTimeout))
    async with client:
        with pytest.raises(Unreachable) as caught:
            await client.create_order(order_with(PatientRef(id=5)))
    assert caught.value.maybe_sent is False
    assert {r.method for r in rec.requests} == {"GET"}


# --- paging ----------------------------------------------------------------------------------


def paged_server(
    total: int, *, say_last: bool = True, say_total: bool = True, echo_page: bool = True
) -> Any:
    """Serves ids 1..total in pages, optionally hiding `last`/`total` or ignoring `page`."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"]) if echo_page else 1
        size = int(request.url.params["size"])
        ids = list(range(1, total + 1))[(page - 1) * size : page * size]
        body: dict[str, Any] = {"content": [{"id": i} for i in ids], "page": page, "size": size}
        if say_total:
            body["total"] = total
        if say_last:
            body["last"] = page * size >= total
        return httpx.Response(200, json=body)

    return handler


async def test_iterate_all_walks_every_page() -> None:
    client, rec = mock_client(paged_server(250))
    async with client:
        ids = [s.id async for s in client.iterate_all(client.list_sites)]
    assert ids == list(range(1, 251))
    assert [r.url.params["page"] for r in rec.requests] == ["1", "2", "3"]


async def test_iterate_pages_passes_filters_and_size() -> None:
    client, rec = mock_client(paged_server(30))
    async with client:
        pages = [p async for p in client.iterate_pages(client.list_patients, size=10, site_ids=[3])]
    assert [len(p.content) for p in pages] == [10, 10, 10]
    assert all(r.url.params.get_list("siteId") == ["3"] for r in rec.requests)
    assert [r.url.params["size"] for r in rec.requests] == ["10"] * 3


async def test_iterate_stops_on_total_when_last_is_never_said() -> None:
    client, rec = mock_client(paged_server(200, say_last=False))
    async with client:
        ids = [s.id async for s in client.iterate_all(client.list_sites)]
    assert len(ids) == 200
    assert len(rec.requests) == 2  # page*size >= total: no third request


async def test_iterate_stops_on_an_empty_page_without_last_or_total() -> None:
    client, rec = mock_client(paged_server(150, say_last=False, say_total=False))
    async with client:
        ids = [s.id async for s in client.iterate_all(client.list_sites)]
    assert ids == list(range(1, 151))
    assert len(rec.requests) == 3


async def test_iterate_refuses_a_server_that_ignores_the_page_number() -> None:
    client, rec = mock_client(paged_server(500, say_last=False, echo_page=False))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            _ = [s async for s in client.iterate_all(client.list_sites)]
    assert "asked for page 2, got page 1" in caught.value.detail
    assert len(rec.requests) == 2


async def test_iterate_gives_up_on_an_endless_list() -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json={"content": [{"id": page}], "page": page, "last": False})

    client, rec = mock_client(endless)
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            _ = [s async for s in client.iterate_all(client.list_sites, max_pages=5)]
    assert "does not end" in caught.value.message
    assert len(rec.requests) == 5


# --- page parsing in pieces ------------------------------------------------------------------


async def test_a_bad_object_in_a_page_is_named_by_position() -> None:
    body = {"content": [{"id": 1}, {"id": 2}, {"id": "three"}], "page": 1, "total": 3}
    client, _ = mock_client(respond(200, body))
    async with client:
        with pytest.raises(UnexpectedResponse) as caught:
            await client.list_sites()
    assert "content[2]: id:" in caught.value.detail


async def test_parsing_a_big_page_lets_other_tasks_run() -> None:
    body = json.dumps({"content": [{"id": n} for n in range(100)], "last": True}).encode()
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    page = await parse_page(body, Page[Order], chunk=10)
    done = True
    await task
    assert [o.id for o in page.content] == list(range(100))
    assert type(page) is Page[Order]
    assert ticks - before >= 9  # the loop got a turn after every ten orders


async def test_a_page_without_content_is_an_empty_page() -> None:
    page = await parse_page(b'{"page": 1, "total": 0}', Page[Order])
    assert page.content == []
    assert (page.page, page.size, page.total, page.last) == (1, None, 0, None)
