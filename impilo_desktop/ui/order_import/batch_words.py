"""What a batch of imported orders became, in the coordinator's words (status bar, notice
bar, summary). Apart from `wording`: the window follows batches from its start, and this
needs none of the import's core (`sync.order_import`), which the first paint does without."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impilo_desktop.store.entries import EntryState

if TYPE_CHECKING:
    from impilo_desktop.sync.order_import import BatchLine, BatchSummary


def batch_progress(summary: BatchSummary) -> str:
    """ "Importing orders.csv: 12 of 50 placed"."""
    total = len(summary.lines)
    return f"Importing {summary.batch.file_name}: {len(summary.placed):,} of {total:,} placed"


def batch_outcome(summary: BatchSummary) -> str:
    """ "orders.csv: 48 placed, 2 refused, 1 waiting". Not "refused by Impilo": the app
    refuses some itself (an order_ref Impilo has for another patient); the summary shows
    each reason."""
    parts = [f"{len(summary.placed):,} placed"]
    if summary.refused:
        parts.append(f"{len(summary.refused):,} refused")
    if summary.waiting:
        parts.append(f"{len(summary.waiting):,} waiting")
    return f"{summary.batch.file_name}: " + ", ".join(parts)


def outcome(line: BatchLine) -> str:
    if line.state == EntryState.SENT:
        return "Placed"
    if line.state == EntryState.REJECTED:
        return "Refused"
    if line.state == EntryState.HELD:
        return "Waiting for you"
    return "Waiting"
