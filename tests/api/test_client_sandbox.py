"""The client against the real sandbox server over loopback: every method, paging across
many pages, real 401/404/400 answers, and injected faults end to end."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
)
from impilo_desktop.api.models import (
    ItemDetailed,
    ItemRef,
    ItemSort,
    Kit,
    KitRef,
    OrderCreate,
    OrderItemCreate,
    OrderKitCreate,
    OrderNoteCreate,
    OrderStatus,
    Page,
    Patient,
    PatientRef,
    PatientSort,
    ShippingOption,
    Site,
    SiteRef,
)
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from tests.api.support import Recorder

pytestmark = pytest.mark.anyio


@pytest.fixture
async def reader(sandbox_session: SandboxServer) -> AsyncIterator[ImpiloClient]:
    """A client on the shared, read-only sandbox."""
    async with ImpiloClient(sandbox_session.base_url, sandbox_session.api_key) as client:
        yield client


async def orderable_items(client: ImpiloClient) -> list[ItemDetailed]:
    return [i async for i in client.iterate_all(client.list_items) if i.orderable]


async def active_site(client: ImpiloClient) -> Site:
    sites = [s async for s in client.iterate_all(client.list_sites)]
    return next(s for s in sites if s.active)


async def a_patient(client: ImpiloClient) -> Patient:
    page = await client.list_patients(size=5, archived=False, enrolled=True)
    return page.content[0]


async def plain_kit(client: ImpiloClient) -> Kit:
    kits = [k async for k in client.iterate_all(client.list_kits, archived=False)]
    return next(k for k in kits if not (k.name or "").startswith("Loaner"))


# --- reads ------------------------------------------------------------------------------------


async def test_list_and_get_orders(reader: ImpiloClient) -> None:
    page = await reader.list_orders(size=20)
    assert len(page.content) == 20
    assert page.total is not None
    assert page.total >= 600
    first = page.content[0]
    assert first.id is not None
    fetched = await reader.get_order(first.id)
    assert fetched.to_wire() == first.to_wire()
    assert fetched.latest_event is not None


async def test_list_orders_by_patient(reader: ImpiloClient) -> None:
    some = (await reader.list_orders(size=50)).content
    patient_id = next(o.patient.id for o in some if o.patient and o.patient.id)
    page = await reader.list_orders(patient_id=patient_id, size=100)
    assert page.content
    assert {o.patient.id for o in page.content if o.patient} == {patient_id}


async def test_order_summary_pdf(reader: ImpiloClient) -> None:
    order = (await reader.list_orders(size=1)).content[0]
    assert order.id is not None
    pdf = await reader.order_summary_pdf(order.id)
    assert pdf.startswith(b"%PDF-")


async def test_list_patients_filters_and_sorts(reader: ImpiloClient) -> None:
    site = await active_site(reader)
    assert site.id is not None
    page = await reader.list_patients(
        site_ids=[site.id], archived=False, sort=PatientSort.LAST_NAME, size=100
    )
    assert page.content
    assert all(p.site and p.site.id == site.id and p.archived is False for p in page.content)
    names = [(p.last_name or "").lower() for p in page.content]
    assert names == sorted(names)
    descending = await reader.list_patients(
        site_ids=[site.id], archived=False, sort=PatientSort.LAST_NAME, sort_descending=True
    )
    assert descending.total == page.total
    everyone = [
        (p.last_name or "").lower()
        async for p in reader.iterate_all(reader.list_patients, site_ids=[site.id], archived=False)
    ]
    assert len(everyone) == page.total
    assert (descending.content[0].last_name or "").lower() == max(everyone)


async def test_list_patients_by_date_of_birth(reader: ImpiloClient) -> None:
    page = await reader.list_patients(
        date_of_birth_min=date(1960, 1, 1), date_of_birth_max="1969-12-31", size=100
    )
    assert page.content
    births = [p.birth_date for p in page.content]
    assert all(b is not None and date(1960, 1, 1) <= b <= date(1969, 12, 31) for b in births)


async def test_patient_lookups_agree(reader: ImpiloClient) -> None:
    patient = await a_patient(reader)
    assert patient.id is not None
    assert patient.external_identifier
    assert patient.email
    by_id = await reader.get_patient(patient.id)
    by_identifier = await reader.get_patient_by_external_identifier(patient.external_identifier)
    by_email = await reader.find_patient_by_email(patient.email)
    assert by_email is not None
    assert by_id.id == by_identifier.id == by_email.id == patient.id
    by_ids = await reader.list_patients(ids=[patient.id])
    by_ext = await reader.list_patients(external_identifiers=[patient.external_identifier])
    by_mail = await reader.list_patients(email=patient.email)
    assert [p.id for p in by_ids.content] == [patient.id]
    assert [p.id for p in by_ext.content] == [patient.id]
    assert patient.id in [p.id for p in by_mail.content]
    assert patient.last_name
    named = [p.id async for p in reader.iterate_all(reader.list_patients, name=patient.last_name)]
    assert patient.id in named


async def test_patient_postal_code_and_country(reader: ImpiloClient) -> None:
    patient = await a_patient(reader)
    assert patient.address is not None
    assert patient.address.zip_code
    assert patient.address.country
    page = await reader.list_patients(
        postal_code=patient.address.zip_code, country=patient.address.country, size=100
    )
    assert patient.id in [p.id for p in page.content]
    assert all(p.address and p.address.zip_code == patient.address.zip_code for p in page.content)


async def test_find_patient_by_unknown_email_is_none(reader: ImpiloClient) -> None:
    assert await reader.find_patient_by_email("nobody-at-all@nowhere.example") is None


async def test_sites(reader: ImpiloClient) -> None:
    sites = [s async for s in reader.iterate_all(reader.list_sites, size=10)]
    assert len(sites) == 25
    assert len({s.id for s in sites}) == 25
    assert sites[3].id is not None
    assert (await reader.get_site(sites[3].id)).name == sites[3].name


async def test_items_and_manufacturers(reader: ImpiloClient) -> None:
    items = [i async for i in reader.iterate_all(reader.list_items)]
    assert len(items) == 80
    assert any(i.orderable is False for i in items)
    item = items[5]
    assert item.id is not None
    assert item.manufacturer is not None
    assert item.manufacturer.id is not None
    assert (await reader.get_item(item.id)).sku == item.sku
    by_maker = await reader.list_items(manufacturer_ids=[item.manufacturer.id], size=100)
    assert item.id in [i.id for i in by_maker.content]
    assert all(
        i.manufacturer and i.manufacturer.id == item.manufacturer.id for i in by_maker.content
    )
    assert item.sku
    by_sku = await reader.list_items(sku=item.sku)
    assert item.id in [i.id for i in by_sku.content]
    by_name = await reader.list_items(sort=ItemSort.ITEM_NAME, size=100)
    names = [(i.name or "").lower() for i in by_name.content]
    assert names == sorted(names)
    assert (await reader.list_items(ids=[item.id])).content[0].id == item.id
    makers = [m async for m in reader.iterate_all(reader.list_manufacturers)]
    assert item.manufacturer.id in {m.id for m in makers}
    maker = await reader.get_manufacturer(item.manufacturer.id)
    assert maker.name == item.manufacturer.name


async def test_kits(reader: ImpiloClient) -> None:
    kits = [k async for k in reader.iterate_all(reader.list_kits)]
    assert len(kits) == 12
    assert any(k.archived for k in kits)
    current = [k async for k in reader.iterate_all(reader.list_kits, archived=False)]
    assert current
    assert all(k.archived is False for k in current)
    kit = current[0]
    assert kit.id is not None
    assert kit.kit_items
    fetched = await reader.get_kit(kit.id)
    assert fetched.to_wire() == kit.to_wire()
    first_item = kit.kit_items[0].item
    assert first_item is not None
    assert first_item.id is not None
    containing = await reader.list_kits(item_id=first_item.id, size=100)
    assert kit.id in [k.id for k in containing.content]


async def test_inventory(reader: ImpiloClient) -> None:
    summary = await reader.list_inventory(size=100)
    assert summary.content
    record = summary.content[0]
    assert record.item is not None
    assert record.item.id is not None
    assert record.new_count is not None
    one = await reader.list_inventory(item_id=record.item.id)
    assert [r.item.id for r in one.content if r.item] == [record.item.id]
    warehouses = await reader.list_impilo_inventory(item_id=record.item.id)
    assert all(r.site is not None for r in warehouses.content)
    at_sites = await reader.list_site_inventory(size=100)
    assert at_sites.content
    site_id = next(r.site.id for r in at_sites.content if r.site and r.site.id)
    only_site = await reader.list_site_inventory(site_id=site_id, size=100)
    assert {r.site.id for r in only_site.content if r.site} == {site_id}


# --- paging over many pages ------------------------------------------------------------------


async def test_iterate_all_patients_across_many_pages(sandbox_session: SandboxServer) -> None:
    requests: list[str] = []

    async with ImpiloClient(sandbox_session.base_url, sandbox_session.api_key) as client:
        original = client.list_patients

        async def counted(page: int = 1, size: int = 100) -> Page[Patient]:
            requests.append(f"{page}/{size}")
            return await original(page, size)

        total = (await client.list_patients(size=1)).total
        assert total is not None
        ids = [p.id async for p in client.iterate_all(counted, size=100)]
    assert total >= 2000
    assert len(ids) == total
    assert len(set(ids)) == total
    assert len(requests) == -(-total // 100)  # exactly ceil(total / size) pages, no extra


async def test_iterate_pages_with_a_size_the_server_clamps(reader: ImpiloClient) -> None:
    """The sandbox clamps size to 250: asking for 1000 must still walk every order once."""
    total = (await reader.list_orders(size=1)).total
    pages = [p async for p in reader.iterate_pages(reader.list_orders, size=1000)]
    seen = [o.id for p in pages for o in p.content]
    assert len(seen) == total
    assert len(set(seen)) == total


# --- orders: create, find by reference, void ---------------------------------------------------


async def test_create_patient_order_then_find_and_void(sandbox_client: ImpiloClient) -> None:
    client = sandbox_client
    patient = await a_patient(client)
    item = (await orderable_items(client))[0]
    kit = await plain_kit(client)
    assert patient.id is not None
    assert item.id is not None
    assert kit.id is not None
    order = OrderCreate(
        patient=PatientRef(id=patient.id),  # names left out: the client fills them in
        order_items=[OrderItemCreate(item=ItemRef(id=item.id), count=2)],
        order_kits=[OrderKitCreate(kit=KitRef(id=kit.id), count=1)],
        external_order_ids=["desk-test-0001", "clinic-ref-9"],
        order_notes=[OrderNoteCreate(note="Leave at reception")],
        shipping_option=ShippingOption.STANDARD,
    )
    created = await client.create_order(order)
    assert created.id is not None
    assert created.current_status == OrderStatus.ORDER_PLACED
    assert created.patient is not None
    assert created.patient.id == patient.id
    assert created.external_order_ids == ["desk-test-0001", "clinic-ref-9"]
    assert [(line.item.id, line.count) for line in created.order_items if line.item] == [
        (item.id, 2)
    ]
    found = await client.list_orders(external_order_ids=["desk-test-0001"])
    assert [o.id for o in found.content] == [created.id]
    await client.void_order(created.id)
    assert (await client.get_order(created.id)).current_status == OrderStatus.VOIDED


async def test_create_site_order(sandbox_client: ImpiloClient) -> None:
    site = await active_site(sandbox_client)
    kit = await plain_kit(sandbox_client)
    assert site.id is not None
    assert kit.id is not None
    created = await sandbox_client.create_order(
        OrderCreate(
            site=SiteRef(id=site.id),
            order_kits=[OrderKitCreate(kit=KitRef(id=kit.id), count=3)],
            shipping_option=ShippingOption.OVERNIGHT,
        )
    )
    assert created.site is not None
    assert created.site.id == site.id
    assert created.shipping_option == ShippingOption.OVERNIGHT


async def test_created_order_moves_along_with_time(
    sandbox: SandboxServer, sandbox_client: ImpiloClient
) -> None:
    site = await active_site(sandbox_client)
    item = (await orderable_items(sandbox_client))[0]
    assert site.id is not None
    assert item.id is not None
    created = await sandbox_client.create_order(
        OrderCreate(
            site=SiteRef(id=site.id),
            order_items=[OrderItemCreate(item=ItemRef(id=item.id), count=1)],
            shipping_option=ShippingOption.STANDARD,
        )
    )
    assert created.id is not None
    sandbox.advance_time(10 * 24 * 3600)
    later = await sandbox_client.get_order(created.id)
    assert later.current_status == OrderStatus.DELIVERED
    with pytest.raises(RequestRejected) as caught:
        await sandbox_client.void_order(created.id)
    assert "can no longer be voided" in caught.value.server_message


# --- real error answers ----------------------------------------------------------------------


async def test_wrong_key_is_401(sandbox_session: SandboxServer) -> None:
    async with ImpiloClient(sandbox_session.base_url, "not-the-key") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_sites()
    assert caught.value.status == 401
    assert "GET /api/v3/site -> HTTP 401" in caught.value.detail


async def test_unknown_ids_are_404(reader: ImpiloClient) -> None:
    with pytest.raises(NotFound) as caught:
        await reader.get_order(987_654_321)
    assert caught.value.message == "Impilo has no order 987654321."
    with pytest.raises(NotFound):
        await reader.get_patient_by_external_identifier("no-such-identifier/äöü")
    with pytest.raises(NotFound):
        await reader.get_kit(987_654_321)


async def test_non_orderable_item_is_400_with_the_server_message(
    sandbox_client: ImpiloClient,
) -> None:
    items = [i async for i in sandbox_client.iterate_all(sandbox_client.list_items)]
    blocked = next(i for i in items if i.orderable is False)
    site = await active_site(sandbox_client)
    assert blocked.id is not None
    assert site.id is not None
    with pytest.raises(RequestRejected) as caught:
        await sandbox_client.create_order(
            OrderCreate(
                site=SiteRef(id=site.id),
                order_items=[OrderItemCreate(item=ItemRef(id=blocked.id), count=1)],
                shipping_option=ShippingOption.STANDARD,
            )
        )
    error = caught.value
    assert error.status == 400
    assert "cannot be ordered" in error.server_message
    assert "item_not_orderable" in error.server_message
    assert error.message.startswith("Impilo rejected the request: ")


async def test_bad_page_number_is_400(reader: ImpiloClient) -> None:
    with pytest.raises(RequestRejected) as caught:
        await reader.list_sites(page=0)
    assert "page must be 1 or more" in caught.value.server_message


# --- faults end to end -----------------------------------------------------------------------


def faulty_client(server: SandboxServer, recorder: Recorder) -> ImpiloClient:
    return ImpiloClient(
        server.base_url, server.api_key, retry=RetryPolicy(random=lambda: 1.0), sleep=recorder.sleep
    )


async def test_5xx_then_success_is_retried(sandbox: SandboxServer) -> None:
    recorder = Recorder()
    sandbox.faults.force("error", "error")
    async with faulty_client(sandbox, recorder) as client:
        page = await client.list_sites()
    assert page.content
    assert recorder.sleeps == [0.25, 0.5]


async def test_persistent_5xx_is_a_server_error(sandbox: SandboxServer) -> None:
    recorder = Recorder()
    sandbox.faults.error_rate = 1.0
    async with faulty_client(sandbox, recorder) as client:
        with pytest.raises(ServerError) as caught:
            await client.list_sites()
    assert caught.value.status == 503
    assert len(recorder.sleeps) == 3


async def test_rate_limit_honours_retry_after(sandbox: SandboxServer) -> None:
    recorder = Recorder()
    sandbox.faults.retry_after = 7
    sandbox.faults.force("ratelimit")
    async with faulty_client(sandbox, recorder) as client:
        await client.list_kits()
    assert recorder.sleeps == [7.0]
    sandbox.faults.rate_limit_rate = 1.0
    async with faulty_client(sandbox, recorder) as client:
        with pytest.raises(RateLimited) as caught:
            await client.list_kits()
    assert caught.value.retry_after == 7.0


async def test_dropped_connection_on_a_read_is_retried(sandbox: SandboxServer) -> None:
    recorder = Recorder()
    sandbox.faults.force("drop")
    async with faulty_client(sandbox, recorder) as client:
        assert (await client.list_sites()).content
    assert len(recorder.sleeps) == 1


async def test_create_dropped_after_it_was_made_is_in_doubt_and_findable(
    sandbox: SandboxServer,
) -> None:
    recorder = Recorder()
    sandbox.faults.force("drop_after_create")
    async with faulty_client(sandbox, recorder) as client:
        site = await active_site(client)
        kit = await plain_kit(client)
        assert site.id is not None
        assert kit.id is not None
        order = OrderCreate(
            site=SiteRef(id=site.id),
            order_kits=[OrderKitCreate(kit=KitRef(id=kit.id), count=1)],
            external_order_ids=["desk-in-doubt-1"],
            shipping_option=ShippingOption.STANDARD,
        )
        with pytest.raises(Unreachable) as caught:
            await client.create_order(order)
        assert caught.value.maybe_sent is True
        assert recorder.sleeps == []  # not retried by the client
        found = await client.list_orders(external_order_ids=["desk-in-doubt-1"])
    assert len(found.content) == 1  # the reconciliation the outbox does finds it


async def test_malformed_body_is_unexpected(sandbox: SandboxServer) -> None:
    sandbox.faults.force("malformed")
    async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
        with pytest.raises(UnexpectedResponse):
            await client.list_sites()


async def test_stopped_server_is_unreachable_and_not_sent(sandbox: SandboxServer) -> None:
    recorder = Recorder()
    async with faulty_client(sandbox, recorder) as client:
        assert (await client.list_sites(size=1)).content
        sandbox.stop()
        with pytest.raises(Unreachable) as caught:
            await client.list_sites(size=1)
        assert caught.value.maybe_sent is False
        assert len(recorder.sleeps) == 3
        sandbox.start()  # the network comes back on the same port
        assert (await client.list_sites(size=1)).content


async def test_slow_body_times_out_as_maybe_sent(sandbox: SandboxServer) -> None:
    # The body comes in 20 pieces 0.15 s apart; the client waits at most 0.1 s for each read.
    sandbox.faults.slow_body_seconds = 3.0
    sandbox.faults.force("slow")
    async with ImpiloClient(
        sandbox.base_url, sandbox.api_key, timeout=0.1, retry=RetryPolicy(max_attempts=1)
    ) as client:
        with pytest.raises(Unreachable) as caught:
            await client.list_sites()
    assert caught.value.maybe_sent is True
    assert "ReadTimeout" in caught.value.detail


@pytest.fixture
def secret_sandbox() -> Iterator[SandboxServer]:
    """A sandbox with a key of its own: the public demo key can turn up in any other test's
    log records (caplog hears every thread), and then a leak test would blame the client."""
    with SandboxServer(api_key=f"secret-{secrets.token_hex(16)}") as server:
        yield server


async def test_key_absent_from_every_log_and_error_over_real_http(
    secret_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = secret_sandbox
    # httpx and httpcore debug output too, whatever level an earlier test left them at.
    for logger in (None, "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=logger)
    texts: list[str] = []
    recorder = Recorder()
    sandbox.faults.force("error", "ratelimit")
    async with faulty_client(sandbox, recorder) as client:
        texts.append(repr(client))
        await client.list_sites()  # 503, then 429, then success
        sandbox.faults.force("malformed")
        for call in (client.list_sites(), client.get_order(987_654_321)):
            with pytest.raises(ImpiloError) as caught:
                await call
            texts += [str(caught.value), repr(caught.value), caught.value.detail]
        sandbox.stop()
        with pytest.raises(Unreachable) as unreachable:
            await client.list_sites()
        texts += [str(unreachable.value), unreachable.value.detail]
    async with ImpiloClient(sandbox.base_url, "wrong-" + sandbox.api_key) as wrong:
        sandbox.start()
        with pytest.raises(AuthenticationError) as denied:
            await wrong.list_sites()
        texts += [str(denied.value), denied.value.detail]
    texts += [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the debug log was on
    assert [t for t in texts if sandbox.api_key in t] == []


async def test_the_observer_hears_every_exchange_and_the_check_is_not_retried(
    sandbox: SandboxServer,
) -> None:
    heard: list[ImpiloError | None] = []
    async with ImpiloClient(sandbox.base_url, sandbox.api_key, observer=heard.append) as client:
        await client.check_connection()
        sandbox.faults.force("error", "error")
        with pytest.raises(ServerError):
            await client.check_connection()  # one attempt, not the read policy's four
        sandbox.stop()
        with pytest.raises(Unreachable):
            await client.check_connection()
    assert heard[0] is None
    assert [type(e) for e in heard[1:]] == [ServerError, Unreachable]
