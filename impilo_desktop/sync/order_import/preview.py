"""`build_preview`: a spreadsheet's bytes read, matched and checked; nothing written but the
patients Impilo told us about (added to the cache, as a refresh would).

Runs on the core's loop (the bridge's, or `asyncio.run` on the command line). The file is
parsed on a worker thread (openpyxl takes a noticeable moment for 1,000 rows), and the
orders are matched in chunks with the loop given back in between, so the sender and the
window's other calls keep going while a large file is previewed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain.order_sheet.drafts import SheetDraft, order_draft
from impilo_desktop.domain.order_sheet.lookups import SheetCatalog
from impilo_desktop.domain.order_sheet.sheet import (
    NEW_PATIENT_COLUMNS,
    RECIPIENT_COLUMNS,
    SheetOrder,
    SheetProblem,
    group_orders,
)
from impilo_desktop.domain.order_sheet.xlsx import XLSX_MAGIC, read_order_sheet
from impilo_desktop.store import Store
from impilo_desktop.sync.order_import.contract import (
    FileKind,
    ImportPreview,
    OrderStanding,
    PreviewOrder,
    PreviewProgress,
    ProgressCallback,
)
from impilo_desktop.sync.order_import.recipients import ImpiloAsk, file_recipients
from impilo_desktop.sync.order_import.standing import Placed, placed_refs
from impilo_desktop.sync.order_import.words import lines_words, sheet_recipient_words

READING = "Reading the file"
MATCHING = "Matching patients and items"
ASKING = "Asking Impilo"

NOT_ASKED = "Impilo was not asked: this computer's lists and outbox only"

ORDERS_PER_CHUNK: Final = 50
"""Orders matched between two turns of the loop: a few milliseconds of work each."""


def file_kind(data: bytes) -> FileKind:
    """The kind of file the bytes are, as the reader tells them (by content, not name)."""
    return "xlsx" if data.startswith(XLSX_MAGIC) else "csv"


async def build_preview(
    data: bytes,
    file_name: str,
    store: Store,
    client: ImpiloClient | None,
    *,
    progress: ProgressCallback | None = None,
) -> ImportPreview:
    """Read, match and check a spreadsheet's bytes. Never raises for what the file holds
    (that is a problem in the preview); `client` None (or Impilo unreachable) checks this
    computer only (`server_checked` False). Yields to the loop while it works so the
    sender and the window's other calls are not held up by a 1,000-row file. Raises
    `StoreError` when the local database fails."""

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(PreviewProgress(stage, done, total))

    report(READING, 0, 1)
    sheet = await asyncio.to_thread(read_order_sheet, data)
    report(READING, 1, 1)
    preview = ImportPreview(file_name=file_name, kind=file_kind(data), sheet=sheet)
    if not sheet.rows:
        return preview
    ask = ImpiloAsk(client)
    recipients = await file_recipients(
        store, sheet.rows, ask, lambda done, total: report(ASKING, done, total)
    )
    catalog = SheetCatalog.of(store.cached_items(), store.cached_kits(include_archived=True))
    orders = group_orders(sheet.rows)
    drafts: list[SheetDraft] = []
    report(MATCHING, 0, len(orders))
    for start in range(0, len(orders), ORDERS_PER_CHUNK):
        chunk = orders[start : start + ORDERS_PER_CHUNK]
        drafts += [order_draft(order, catalog, recipients) for order in chunk]
        report(MATCHING, len(drafts), len(orders))
        await asyncio.sleep(0)
    refs = [draft.ref for draft in drafts if draft.ref]
    report(ASKING, 0, len(refs))
    placed = await placed_refs(store, refs, ask)
    report(ASKING, len(refs), len(refs))
    preview.orders.extend(_preview_orders(orders, drafts, placed))
    if client is None:
        return replace(preview, server_checked=False, server_problem=NOT_ASKED)
    if ask.problem is not None:
        return replace(preview, server_checked=False, server_problem=ask.problem)
    return preview


def _preview_orders(
    orders: Sequence[SheetOrder], drafts: Sequence[SheetDraft], placed: dict[str, Placed]
) -> list[PreviewOrder]:
    shown: list[PreviewOrder] = []
    for order, draft in zip(orders, drafts, strict=True):
        cells = next(
            (
                row.cells
                for row in order.rows
                if any(row.get(c) for c in (*RECIPIENT_COLUMNS, *NEW_PATIENT_COLUMNS))
            ),
            None,
        )
        where = placed.get(draft.ref) if draft.ref else None
        if where is not None and not where.same_recipient(draft.draft):
            draft = _ref_taken(draft, where)
            where = None
        if where is not None:
            standing = where.standing
        else:
            standing = OrderStanding.NEW if draft.ok else OrderStanding.PROBLEM
        shown.append(
            PreviewOrder(
                sheet=draft,
                standing=standing,
                recipient=sheet_recipient_words(draft, cells),
                lines=lines_words(draft.draft),
                already=where.words if where is not None else None,
                already_order_id=where.order_id if where is not None else None,
            )
        )
    return shown


def _ref_taken(draft: SheetDraft, where: Placed) -> SheetDraft:
    """The order with a problem on its order_ref cell: the ref is on an order for another
    recipient (last year's file reused, a typo), so this one is neither placed nor new."""
    message = (
        f"The order_ref {draft.ref} is already on another order ({where.words}), for"
        f" {where.whom()}; give this order its own order_ref"
    )
    problem = SheetProblem(draft.rows[0], "order_ref", message)
    return replace(draft, problems=[*draft.problems, problem])
