"""The seeded world: sizes, realism, determinism, the large seed, and the typed client on it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import ItemRef, OrderCreate, OrderItemCreate, OrderStatus, PatientRef
from impilo_desktop.sandbox import SandboxServer, SeedSize
from impilo_desktop.sandbox.orders import expand_historical
from impilo_desktop.sandbox.seed import STATUSES, SeedData

END = datetime(2026, 6, 1, tzinfo=UTC)


def test_standard_sizes(sandbox_session: SandboxServer) -> None:
    seed = sandbox_session.seed
    assert len(seed.patients) >= 2000
    assert len(seed.sites) == 25
    assert sum(not s.active for s in seed.sites.values()) == 2
    assert len(seed.items) == 80
    assert len({i.manufacturer_id for i in seed.items.values()}) >= 5
    assert 2 <= sum(not i.orderable for i in seed.items.values()) <= 6
    assert len(seed.kits) == 12
    assert sum(k.archived for k in seed.kits.values()) == 2
    assert sum(k.loaner for k in seed.kits.values()) == 1
    assert seed.size.orders == 600
    assert set(Counter(seed.order_status)) == set(range(len(STATUSES)))


def test_patients_are_plausible(sandbox_session: SandboxServer) -> None:
    patients = list(sandbox_session.seed.patients.values())
    assert all(re.fullmatch(r"MRN-\d{6}", p.external_identifier) for p in patients)
    assert len({p.external_identifier for p in patients}) == len(patients)
    emails = [p.email for p in patients if p.email]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z.]+\d+@[a-z.]+", e) for e in emails)
    assert all(re.fullmatch(r"\d{3}-\d{3}-\d{4}", p.phone_number) for p in patients)
    assert all(re.fullmatch(r"[A-Z]{2}", p.state) for p in patients)
    assert all("1928-01-01" <= p.date_of_birth <= "2010-01-01" for p in patients)
    assert 0 < sum(p.archived for p in patients) < len(patients) // 10
    assert 0 < sum(not p.enrolled for p in patients) < len(patients) // 5
    names = Counter((p.first_name, p.last_name) for p in patients)
    assert sum(1 for count in names.values() if count > 1) >= 5


def test_seed_is_deterministic() -> None:
    small = SeedSize(patients=300, orders=200)
    first, second = SeedData(small, 5, END), SeedData(small, 5, END)
    other = SeedData(small, 6, END)
    assert [p.email for p in first.patients.values()] == [p.email for p in second.patients.values()]
    assert [p.email for p in first.patients.values()] != [p.email for p in other.patients.values()]
    assert bytes(first.order_status) == bytes(second.order_status)
    for oid in (100001, 100100, 100200):
        assert expand_historical(first, oid) == expand_historical(second, oid)


def test_history_lies_in_the_past() -> None:
    seed = SeedData(SeedSize(patients=200, orders=400), 1, END)
    for oid in range(100001, 100401):
        order = expand_historical(seed, oid)
        assert order.timeline is not None
        assert order.timeline[-1][1] <= END.timestamp()
        times = [t for _, t in order.timeline]
        assert times == sorted(times)
        assert order.item_lines or order.kit_lines


@pytest.mark.slow
def test_large_seed() -> None:
    with SandboxServer(seed_size="large") as server:
        seed = server.seed
        assert len(seed.patients) == 100_000
        assert server.state.order_count == 100_000
        newest = server.state.order(seed.last_order_id)
        assert newest["currentStatus"] in STATUSES


@pytest.mark.anyio
async def test_typed_client_on_the_sandbox(sandbox_client: ImpiloClient) -> None:
    order = await sandbox_client.create_order(
        OrderCreate(
            patient=PatientRef(id=10001, first_name="A", last_name="B"),
            order_items=[OrderItemCreate(item=ItemRef(id=1001), count=1)],
            external_order_ids=["typed-1"],
        )
    )
    assert order.current_status == OrderStatus.ORDER_PLACED
    page = await sandbox_client.list_orders(external_order_ids=["typed-1"])
    assert [o.id for o in page.content] == [order.id]


@pytest.mark.anyio
async def test_embedded_in_a_running_loop() -> None:
    server = SandboxServer()
    await server.start_async()
    try:
        async with ImpiloClient(server.base_url, server.api_key) as client:
            site = await client.get_site(101)
            assert site.name == server.seed.sites[101].name
    finally:
        await server.stop_async()
        server.close()  # gives the port back
    assert not server.running
