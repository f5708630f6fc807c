"""An entry settled with an order Impilo already had (found by its order_ref, never sent) is
recorded as such (schema v11 `already_placed`) and said so: on the Drafts page, and as the
reason in the import's summary and its CSV. One sent now still reads "Placed as order N". A
ref the app refuses itself is counted as "refused", not "refused by Impilo"."""

from __future__ import annotations

import pytest

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import Store
from impilo_desktop.sync.order_import import batch_summary, summary_csv
from impilo_desktop.ui.drafts.model import DraftRow
from impilo_desktop.ui.order_import.wording import REFUSED_WHERE, batch_outcome
from tests.sync.test_order_ref_check import queue_imported, ref_draft
from tests.sync.test_sandbox_sync import make_sender

pytestmark = pytest.mark.anyio


async def test_an_order_already_on_impilo_is_said_to_be_not_sent_again(
    store: Store, sandbox: SandboxServer
) -> None:
    first = queue_imported(store, ref_draft("A-1", 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    sent = store.get_entry(first.entry_id)
    assert sent.order_id is not None
    assert not sent.already_on_impilo
    assert DraftRow(sent.draft, sent).message_text() == f"Placed as order {sent.order_id}"
    store.prune_sent(-1)  # the outbox forgot it; the file is imported again

    again = queue_imported(store, ref_draft("A-1", 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    adopted = store.get_entry(again.entry_id)

    said = f"Already on Impilo as order {sent.order_id} (not sent again)"
    assert adopted.already_on_impilo
    assert adopted.order_id == sent.order_id
    assert DraftRow(adopted.draft, adopted).message_text() == said
    assert adopted.import_batch is not None
    summary = batch_summary(store, adopted.import_batch)
    assert [(line.order_ref, line.reason) for line in summary.lines] == [("A-1", said)]
    assert [line.order_ref for line in summary.placed] == ["A-1"]
    row = f'A-1,"Patient, Seeded (#10001)",placed,{sent.order_id},{said},#{again.entry_id}'
    assert row in summary_csv(summary).decode("utf-8-sig").splitlines()


async def test_an_order_ref_the_app_refuses_is_counted_as_refused_not_by_impilo(
    store: Store, sandbox: SandboxServer
) -> None:
    first = queue_imported(store, ref_draft("T-1", 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    placed = store.get_entry(first.entry_id).order_id
    store.prune_sent(-1)
    # The same ref for another patient: the app refuses it before Impilo is asked to place it.
    other = queue_imported(store, ref_draft("T-1", 10002), sandbox.base_url)
    await make_sender(store, sandbox).drain()

    assert other.import_batch is not None
    summary = batch_summary(store, other.import_batch)
    assert batch_outcome(summary) == "orders.csv: 0 placed, 1 refused"
    assert [line.reason for line in summary.refused] == [
        f"Impilo already has order {placed} with the order_ref T-1 for another patient;"
        " give this order its own order_ref"
    ]
    assert "Impilo's reason" not in REFUSED_WHERE
