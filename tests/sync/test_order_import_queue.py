"""queue_import and batch_summary against the sandbox: one transaction, one batch, sent by the
outbox like any order, and what became of each order read back (also after a reopen)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import ItemDetailed
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import (
    PATIENT_MATCH,
    EntryState,
    ReferenceKind,
    RefsAlreadyQueued,
    Store,
    StoreError,
)
from impilo_desktop.sync import OutboxSender
from impilo_desktop.sync.order_import import (
    OrderStanding,
    batch_summary,
    build_preview,
    queue_import,
    summary_csv,
)
from tests.sync.conftest import Clock
from tests.sync.order_import_helpers import (
    HEADER,
    cached_lists_client,
    client_of,
    queued_with_ref,
    standings,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(sandbox: SandboxServer, store: Store) -> AsyncIterator[ImpiloClient]:
    async with cached_lists_client(sandbox, store) as opened:
        yield opened


# Two orders of two lines, and one with a problem (an unknown SKU).
FILE = (
    HEADER + "R-1,10001,,IMP-CIR-1001,,1,Call first\n"
    "R-1,,,IMP-CIR-1015,,1,\n"
    "R-2,10002,,,Hypertension Starter Kit,1,\n"
    "R-3,10003,,NOPE,,1,\n"
).encode()


def sender(store: Store, sandbox: SandboxServer) -> OutboxSender:
    return OutboxSender(store, lambda: client_of(sandbox))


async def test_the_new_orders_are_queued_as_one_batch_and_sent(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    preview = await build_preview(FILE, "enrolment.csv", store, client)
    batch = queue_import(store, preview, server=client.base_url, orders=preview.new_orders)

    entries = store.import_batch_entries(batch.batch_id)
    assert [e.draft.external_order_ids for e in entries] == [["R-1"], ["R-2"]]
    assert [len(e.draft.item_lines) + len(e.draft.kit_lines) for e in entries] == [2, 1]
    assert entries[0].draft.notes == ["Call first"]
    assert {e.server for e in entries} == {client.base_url}
    # Queued, then the same file again: both already placed, nothing new.
    again = await build_preview(FILE, "enrolment.csv", store, client)
    assert standings(again) == {
        "R-1": OrderStanding.QUEUED,
        "R-2": OrderStanding.QUEUED,
        "R-3": OrderStanding.PROBLEM,
    }
    assert again.new_orders == []

    waiting = batch_summary(store, batch.batch_id)
    assert (len(waiting.waiting), waiting.finished) == (2, False)
    await sender(store, sandbox).drain()

    summary = batch_summary(store, batch.batch_id)
    assert summary.finished
    assert [(line.order_ref, line.state) for line in summary.placed] == [
        ("R-1", EntryState.SENT),
        ("R-2", EntryState.SENT),
    ]
    assert summary.lines[0].recipient == "Moreno, Jacqueline (#10001)"
    assert all(line.order_id is not None for line in summary.lines)
    # On Impilo with the file's ref, so even another computer finds them placed.
    async with client_of(sandbox) as other:
        page = await other.list_orders(external_order_ids=["R-1", "R-2"])
    assert sorted(o.id or 0 for o in page.content) == sorted(
        line.order_id for line in summary.lines if line.order_id is not None
    )
    after = await build_preview(FILE, "enrolment.csv", store, client)
    assert [o.standing for o in after.already_placed] == [OrderStanding.SENT] * 2


async def test_a_ref_queued_since_the_preview_refuses_the_whole_batch(
    store: Store, client: ImpiloClient
) -> None:
    preview = await build_preview(FILE, "enrolment.csv", store, client)
    queued_with_ref(store, client.base_url, "R-2")  # the command line, meanwhile
    with pytest.raises(RefsAlreadyQueued) as refused:
        queue_import(store, preview, server=client.base_url, orders=preview.new_orders)
    assert refused.value.refs == ("R-2",)
    assert len(store.list_outbox()) == 1
    assert store.recent_import_batches() == []


async def test_only_the_previews_new_orders_can_be_queued(
    store: Store, client: ImpiloClient
) -> None:
    preview = await build_preview(FILE, "enrolment.csv", store, client)
    with pytest.raises(ValueError, match="new orders"):
        queue_import(store, preview, server=client.base_url, orders=preview.problem_orders)
    with pytest.raises(ValueError, match="no orders"):
        queue_import(store, preview, server=client.base_url, orders=[])
    assert store.list_outbox() == []


async def test_an_imported_new_patient_like_one_impilo_has_is_held_by_the_sender(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    known = await client.get_patient(10002)
    data = (
        "order_ref,first_name,last_name,date_of_birth,email,address_line_one,city,state,zip,"
        "sku,count\n"
        f"N-1,Jacob,Cruz,1970-02-03,{known.email},1 Main St,Albany,NY,12207,IMP-CIR-1001,1\n"
    ).encode()
    preview = await build_preview(data, "new.csv", store, client)
    [order] = preview.new_orders
    assert order.recipient == "New patient Cruz, Jacob (Albany NY)"
    batch = queue_import(store, preview, server=client.base_url, orders=[order])
    [entry] = store.import_batch_entries(batch.batch_id)
    assert not entry.new_patient_confirmed

    await sender(store, sandbox).drain()
    held = store.get_entry(entry.entry_id)
    assert (held.state, held.held_for) == (EntryState.HELD, PATIENT_MATCH)
    [line] = batch_summary(store, batch.batch_id).waiting
    assert line.reason  # why it waits, in the sender's words


async def test_a_refusal_has_impilos_reason_and_the_summary_exports(
    store: Store, sandbox: SandboxServer, client: ImpiloClient, tmp_path: Path, clock: Clock
) -> None:
    # The cache still says item 1012 can be ordered; Impilo has discontinued it since.
    stale = ItemDetailed(id=1012, sku="IMP-CIR-1012", name="BP Monitor Classic", orderable=True)
    store.store_reference_page(ReferenceKind.ITEM, [stale])
    data = (HEADER + "R-1,10001,,IMP-CIR-1001,,1,\nR-2,10002,,IMP-CIR-1012,,1,\n").encode()
    preview = await build_preview(data, "mixed.csv", store, client)
    batch = queue_import(store, preview, server=client.base_url, orders=preview.new_orders)
    await sender(store, sandbox).drain()

    summary = batch_summary(store, batch.batch_id)
    [placed], [refused] = summary.placed, summary.refused
    assert (placed.order_ref, refused.order_ref) == ("R-1", "R-2")
    assert refused.reason
    assert summary.finished
    text = summary_csv(summary).decode("utf-8-sig").splitlines()
    assert text[0] == "order_ref,recipient,outcome,order_id,reason,entry"
    assert text[1].startswith(f'R-1,"Moreno, Jacqueline (#10001)",placed,{placed.order_id},,#')
    assert text[2].startswith('R-2,"Cruz, Jacob (#10002)",refused,,')
    assert refused.reason.split(",")[0] in text[2]

    # After a restart the window finds the last batch and its summary again.
    store.close()
    with Store(store.path, clock=clock) as reopened:
        [last] = reopened.recent_import_batches(limit=1)
        assert last == batch
        assert batch_summary(reopened, last.batch_id) == summary
        with pytest.raises(StoreError):
            batch_summary(reopened, "no such batch")


async def test_an_order_taken_back_to_drafts_is_not_queued_again_by_a_reimport(
    store: Store, client: ImpiloClient
) -> None:
    two = (HEADER + "R-1,10001,,IMP-CIR-1001,,1,\nR-2,10002,,IMP-CIR-1001,,1,\n").encode()
    first = await build_preview(two, "enrolment.csv", store, client)
    batch = queue_import(store, first, server=client.base_url, orders=first.new_orders)
    # Impilo refused R-2; the coordinator takes it back to drafts to fix it.
    refused = batch.entry_ids[1]
    store.mark_rejected(refused, "Item not orderable", "400")
    stale = await build_preview(two, "enrolment.csv", store, client)  # before it came back
    assert standings(stale)["R-2"] == OrderStanding.NEW
    store.return_to_drafts(refused)

    again = await build_preview(two, "enrolment.csv", store, client)
    assert standings(again) == {"R-1": OrderStanding.QUEUED, "R-2": OrderStanding.IN_DRAFTS}
    assert again.already_placed[1].already == "in Drafts"
    assert again.new_orders == []
    # A preview made before it came back cannot queue it a second time either.
    with pytest.raises(RefsAlreadyQueued) as taken:
        queue_import(store, stale, server=client.base_url, orders=stale.new_orders)
    assert taken.value.refs == ("R-2",)
    assert [entry.entry_id for entry in store.list_outbox()] == [batch.entry_ids[0]]
