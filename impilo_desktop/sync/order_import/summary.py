"""What became of an import batch, read from the outbox now, and the same as CSV."""

from __future__ import annotations

import csv
import io

from impilo_desktop.domain.csv_cells import inert
from impilo_desktop.store import (
    EntryState,
    OutboxEntry,
    Store,
    StoreError,
    already_on_impilo_words,
)
from impilo_desktop.sync.order_import.contract import BatchLine, BatchSummary
from impilo_desktop.sync.order_import.words import recipient_words

SUMMARY_COLUMNS = ("order_ref", "recipient", "outcome", "order_id", "reason", "entry")


def batch_summary(store: Store, batch_id: str) -> BatchSummary:
    """What became of each order of a batch, read from the outbox now. An unknown batch is a
    `StoreError` (its message says so)."""
    batch = store.import_batch(batch_id)
    if batch is None:
        raise StoreError(
            "That import is no longer on this computer.", detail=f"no import batch {batch_id}"
        )
    lines = [_line(entry) for entry in store.import_batch_entries(batch_id)]
    return BatchSummary(batch=batch, lines=lines)


def _line(entry: OutboxEntry) -> BatchLine:
    draft = entry.draft
    refs = [value.strip() for value in draft.external_order_ids if value.strip()]
    return BatchLine(
        entry_id=entry.entry_id,
        order_ref=refs[0] if refs else None,
        recipient=recipient_words(draft) or "No recipient",
        state=entry.state,
        order_id=entry.order_id,
        reason=_reason(entry),
    )


def _reason(entry: OutboxEntry) -> str | None:
    """Impilo's reason for a refusal, why an order waits (held, retrying), or that a placed
    one was already on Impilo and not sent again."""
    if entry.state == EntryState.SENT:
        return already_on_impilo_words(entry.order_id) if entry.already_on_impilo else None
    if entry.state == EntryState.REJECTED:
        return entry.server_message or entry.last_error
    return entry.last_error


def outcome(line: BatchLine) -> str:
    """ "placed", "refused" or "waiting", as the summary counts them."""
    if line.state == EntryState.SENT:
        return "placed"
    if line.state == EntryState.REJECTED:
        return "refused"
    return "waiting"


def summary_csv(summary: BatchSummary) -> bytes:
    """The summary as CSV (UTF-8 with BOM): order_ref, recipient, outcome (placed / refused /
    waiting), Impilo order id, reason, and the outbox entry's number. The texts from the file
    and from Impilo are made `inert`: none runs as a formula in Excel."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SUMMARY_COLUMNS)
    for line in summary.lines:
        writer.writerow(
            [
                inert(line.order_ref or ""),
                inert(line.recipient),
                outcome(line),
                "" if line.order_id is None else str(line.order_id),
                inert(line.reason or ""),
                f"#{line.entry_id}",
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
