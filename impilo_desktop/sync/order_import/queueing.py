"""`queue_import`: the chosen orders of a preview into the outbox, in ONE transaction, as one
batch (`Store.enqueue_batch`, store/import_batches.py)."""

from __future__ import annotations

from collections.abc import Sequence

from impilo_desktop.store import ImportBatch, Store
from impilo_desktop.sync.order_import.contract import ImportPreview, OrderStanding, PreviewOrder


def queue_import(
    store: Store, preview: ImportPreview, *, server: str, orders: Sequence[PreviewOrder]
) -> ImportBatch:
    """Queue `orders` (NEW ones of `preview`) in ONE transaction as one batch for `server`.

    All or nothing: an invalid draft raises `DraftInvalid`, an order whose ref was queued
    since the preview `RefsAlreadyQueued` (a `StoreError`), and nothing is queued. An order
    that is not one of the preview's new ones is a caller's mistake (`ValueError`), as is an
    empty choice. A new patient's order is queued unconfirmed: the sender asks Impilo for a
    patient like them first, as for the order form's."""
    if not orders:
        raise ValueError("no orders chosen to queue")
    new = {id(order) for order in preview.new_orders}
    if any(id(order) not in new or order.standing != OrderStanding.NEW for order in orders):
        raise ValueError("only the preview's new orders can be queued")
    return store.enqueue_batch(
        [order.sheet.draft for order in orders], server=server, file_name=preview.file_name
    )
