"""Importing an order spreadsheet (issue 15): preview, queue, and what became of it.

The contract the window (File > Import orders…) and the command line
(`impilo-desktop drafts import FILE.csv|.xlsx`) share. No Qt: the window runs these through
the bridge and only paints the results.

1. `build_preview` reads the file's bytes (domain/order_sheet), matches recipients and lines
   against this computer's cache (looked up in the store, never all 100,000 patients loaded),
   asks Impilo about patients the cache does not know, and finds which orders are already
   placed: the `order_ref` (one of the order's `externalOrderIds`) already on an outbox entry
   that is queued, held, being sent or sent, or on an order Impilo has (`GET /order?
   externalOrderId=…`, in batches). Nothing is queued; the one thing written is the patient
   cache: patients Impilo told it about are added to it, as a refresh would add them.
2. `queue_import` queues the chosen orders (the preview's NEW ones) in ONE transaction, as one
   import batch, each with its own client reference, for the profile's server.
3. `rows_with_problems` writes the rows of the orders left out, with a column saying what is
   wrong, in the file's own format, so the coordinator fixes them and imports that file.
4. `batch_summary` says what became of a batch: placed, refused (with Impilo's reasons),
   waiting; `summary_csv` writes it out. `Store.recent_import_batches` lists the last ones.

From a plain asyncio program (the command line)::

    preview = await build_preview(data, path.name, store, client, progress=print)
    if preview.new_orders:
        batch = queue_import(store, preview, server=client.base_url, orders=preview.new_orders)

The window runs `build_preview` with `bridge.submit` and the others with `bridge.call`.
"""

from __future__ import annotations

from impilo_desktop.sync.order_import.contract import (
    BatchLine,
    BatchSummary,
    ImportBatch,
    ImportPreview,
    OrderStanding,
    PreviewOrder,
    PreviewProgress,
)
from impilo_desktop.sync.order_import.leftovers import rows_with_problems, rows_with_problems_name
from impilo_desktop.sync.order_import.preview import build_preview
from impilo_desktop.sync.order_import.queueing import queue_import
from impilo_desktop.sync.order_import.summary import batch_summary, summary_csv

__all__ = [
    "BatchLine",
    "BatchSummary",
    "ImportBatch",
    "ImportPreview",
    "OrderStanding",
    "PreviewOrder",
    "PreviewProgress",
    "batch_summary",
    "build_preview",
    "queue_import",
    "rows_with_problems",
    "rows_with_problems_name",
    "summary_csv",
]
