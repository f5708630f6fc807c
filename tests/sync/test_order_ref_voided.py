"""A voided order does not stand for its order_ref (sync/order_ref_check.py `stands`): the
corrected row imported again with the same ref is placed anew, by the sender and in the
preview alike."""

from __future__ import annotations

import pytest

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import Outcome
from impilo_desktop.sync.order_import import OrderStanding, build_preview
from tests.sync.order_import_helpers import HEADER, cached_lists_client, standings
from tests.sync.test_order_ref_check import queue_imported, ref_draft, sandbox_orders_with
from tests.sync.test_sandbox_sync import factory, make_sender

pytestmark = pytest.mark.anyio


async def place_and_void(store: Store, sandbox: SandboxServer, ref: str) -> int:
    """An imported order placed, then voided in Order history; the outbox forgot it."""
    entry = queue_imported(store, ref_draft(ref, 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    placed = store.get_entry(entry.entry_id).order_id
    assert placed is not None
    async with factory(sandbox) as client:
        await client.void_order(placed)
    store.prune_sent(-1)
    return placed


async def test_the_corrected_row_of_a_voided_order_is_placed_anew(
    store: Store, sandbox: SandboxServer
) -> None:
    voided = await place_and_void(store, sandbox, "V-1")

    again = queue_imported(store, ref_draft("V-1", 10001), sandbox.base_url)
    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.SENT]
    placed = store.get_entry(again.entry_id)
    assert placed.state == EntryState.SENT
    assert placed.order_id not in (None, voided)
    assert sorted(await sandbox_orders_with(sandbox, "V-1")) == [voided, placed.order_id]


async def test_the_preview_counts_a_voided_orders_ref_as_new(
    store: Store, sandbox: SandboxServer
) -> None:
    await place_and_void(store, sandbox, "V-2")
    async with cached_lists_client(sandbox, store) as client:
        data = HEADER + "V-2,10001,,IMP-CIR-1001,,1,\n"
        preview = await build_preview(data.encode(), "orders.csv", store, client)
    assert standings(preview) == {"V-2": OrderStanding.NEW}
