"""The proof of issue 15 against the sandbox: a CSV and an XLSX of 300 rows / 100 orders made from
its seed (patients by id and by MRN, sites, new patients; items by SKU and id, kits by id and by
name) are previewed (counts, every kind of row problem on its row and column), queued in one
transaction and sent by the outbox sender; then the same file queues nothing ("100 already
placed, 0 new") and an edited copy with more orders queues only the new ones.

Everything is real: the sandbox over loopback, an SQLite store, the sender as the other outbox
tests run it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.seed import SeedData
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import OutboxSender, Outcome, ReferenceRefresher
from impilo_desktop.sync.order_import import (
    ImportPreview,
    OrderStanding,
    build_preview,
    queue_import,
    rows_with_problems,
)
from tests.sync.order_sheets import (
    OrderSheet,
    csv_bytes,
    order_sheet,
    seed,
    with_problems,
    xlsx_bytes,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

WRITERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


@pytest.fixture(scope="module")
def seeded() -> SeedData:
    return seed()


def factory(sandbox: SandboxServer) -> ImpiloClient:
    return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(base_delay=0.0))


@pytest.fixture
async def cached(store: Store, sandbox: SandboxServer) -> Store:
    """The store with the sandbox's lists cached, as the app has them after a refresh."""
    await ReferenceRefresher(store, lambda: factory(sandbox)).refresh()
    return store


async def preview_of(
    store: Store, sandbox: SandboxServer, sheet: OrderSheet, kind: str, name: str = "orders"
) -> ImportPreview:
    async with factory(sandbox) as client:
        return await build_preview(WRITERS[kind](sheet.rows), f"{name}.{kind}", store, client)


def standings(preview: ImportPreview) -> dict[OrderStanding, int]:
    counts: dict[OrderStanding, int] = {}
    for order in preview.orders:
        counts[order.standing] = counts.get(order.standing, 0) + 1
    return counts


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_the_preview_counts_every_order_and_unit(
    cached: Store, sandbox: SandboxServer, seeded: SeedData, kind: str
) -> None:
    sheet = order_sheet(seeded)
    assert (len(sheet.rows), sheet.orders) == (300, 100)

    preview = await preview_of(cached, sandbox, sheet, kind)

    assert preview.kind == kind
    assert preview.server_checked
    assert preview.file_problems == []
    assert [order.ref for order in preview.orders] == sheet.refs
    assert standings(preview) == {OrderStanding.NEW: 100}
    assert preview.new_units == sheet.units
    assert preview.can_queue_all
    # The first order's last row is at the end of the file: rows group by ref, not by place.
    assert preview.orders[0].rows == (2, 3, 301)
    # Every way of naming a recipient was matched, and each order shows it in words.
    assert all(order.recipient and order.lines for order in preview.orders)
    drafts = [order.sheet.draft for order in preview.orders]
    assert sum(d.patient is not None for d in drafts) == 50  # by id and by MRN
    assert sum(d.site is not None for d in drafts) == 25
    assert sum(d.new_patient is not None for d in drafts) == 25


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_every_kind_of_row_problem_is_on_its_row_and_column(
    cached: Store, sandbox: SandboxServer, seeded: SeedData, kind: str
) -> None:
    sheet, expected = with_problems(order_sheet(seeded), seeded)

    preview = await preview_of(cached, sandbox, sheet, kind)

    bad_refs = {e.ref for e in expected}
    assert {order.ref for order in preview.problem_orders} == bad_refs
    assert len(preview.new_orders) == 100 - len(bad_refs)
    assert not preview.can_queue_all
    found = [(p.row, p.column, p.message) for o in preview.problem_orders for p in o.problems]
    for e in expected:
        assert any(
            (row, column) == (e.row, e.column) and e.says in message
            for row, column, message in found
        ), (e, [f for f in found if f[0] == e.row])
    # Nothing but the planted problems: one per bad order, on the planted cell.
    planted = [(e.row, e.column) for e in expected]
    assert sorted((row, column) for row, column, _ in found) == planted
    assert preview.problem_rows == sorted(
        row for order in preview.problem_orders for row in order.rows
    )

    # The rows left out, written back in the file's own kind with what is wrong on each.
    left = read_order_sheet(rows_with_problems(preview))
    assert left.problems == []
    assert {row.get("order_ref") for row in left.rows} == bad_refs
    assert len(left.rows) == len(preview.problem_rows)


async def _send_all(store: Store, sandbox: SandboxServer) -> None:
    report = await OutboxSender(store, lambda: factory(sandbox)).drain(due_only=False)
    assert {r.outcome for r in report.results} == {Outcome.SENT}, [
        r.message for r in report.results if r.outcome != Outcome.SENT
    ]


async def _orders_on_sandbox(sandbox: SandboxServer, ref: str) -> list[int]:
    async with factory(sandbox) as client:
        page = await client.list_orders(external_order_ids=[ref])
    return [o.id for o in page.content if o.id is not None and ref in o.external_order_ids]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_queued_sent_then_the_same_file_queues_nothing_and_more_rows_only_the_new(
    cached: Store, sandbox: SandboxServer, seeded: SeedData, kind: str, tmp_path: Path
) -> None:
    prefix = f"PROOF{kind.upper()}"
    sheet = order_sheet(seeded, prefix=prefix)
    preview = await preview_of(cached, sandbox, sheet, kind)

    batch = queue_import(cached, preview, server=sandbox.base_url, orders=preview.new_orders)
    assert len(batch.entry_ids) == 100
    await _send_all(cached, sandbox)
    entries = {e.entry_id: e for e in cached.list_outbox()}
    assert all(entries[i].state == EntryState.SENT for i in batch.entry_ids)
    for ref in sheet.refs[::9]:  # a sample of the 100, each placed exactly once
        assert len(await _orders_on_sandbox(sandbox, ref)) == 1, ref

    # The same file again: every order already placed (sent from here), nothing new.
    again = await preview_of(cached, sandbox, sheet, kind)
    assert standings(again) == {OrderStanding.SENT: 100}
    assert (len(again.already_placed), len(again.new_orders)) == (100, 0)
    assert not again.can_queue_all

    # Another computer (an empty outbox) finds them on Impilo, in batches.
    with Store(tmp_path / "other-computer.sqlite3") as other:
        await ReferenceRefresher(other, lambda: factory(sandbox)).refresh()
        elsewhere = await preview_of(other, sandbox, sheet, kind)
    assert standings(elsewhere) == {OrderStanding.ON_SERVER: 100}
    assert all(order.already_order_id for order in elsewhere.orders)

    # An edited copy with 30 more orders: only those are new, only those are queued.
    edited = sheet.with_rows(order_sheet(seeded, orders=30, prefix=prefix, first=100))
    grown = await preview_of(cached, sandbox, edited, kind, name="orders-edited")
    assert len(grown.already_placed) == 100
    assert [o.ref for o in grown.new_orders] == edited.refs[100:]
    more = queue_import(cached, grown, server=sandbox.base_url, orders=grown.new_orders)
    assert len(more.entry_ids) == 30
    await _send_all(cached, sandbox)
    assert len(cached.list_outbox()) == 130


async def test_an_mrn_two_patients_share_is_a_problem_on_its_cell(
    store: Store, seeded: SeedData
) -> None:
    """The other way a patient is matched more than once: Impilo has two patients with the
    MRN the row names (a duplicate record in the EHR's feed)."""
    first = seeded.patients[10003]
    twin = replace(first, id=99_001, first_name="Sarah", email="sara.west.twin@example.org")
    server = SandboxServer(extra_patients=[twin])
    server.start()
    try:
        await ReferenceRefresher(store, lambda: factory(server)).refresh()
        rows = [
            {"order_ref": "TWIN-1", "patient_external_id": first.external_identifier,
             "sku": "IMP-CIR-1002", "count": "1"},
            {"order_ref": "TWIN-2", "patient_id": str(twin.id), "sku": "IMP-CIR-1002",
             "count": "1"},
        ]  # fmt: skip
        async with factory(server) as client:
            preview = await build_preview(csv_bytes(rows), "twins.csv", store, client)
    finally:
        server.close()

    [problem_order] = preview.problem_orders
    assert problem_order.ref == "TWIN-1"
    [problem] = problem_order.problems
    assert (problem.row, problem.column) == (2, "patient_external_id")
    assert "2 patients have the external id" in problem.message
    assert [order.ref for order in preview.new_orders] == ["TWIN-2"]  # by id: no doubt
