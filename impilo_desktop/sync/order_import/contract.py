"""The shapes and signatures of the spreadsheet import (see the package docstring).

CONTRACT FIRST: the functions below are placeholders the `sheetcore` branch implements (it may
move them into modules of their own and keep this package's exports). The window's branch
builds against these types. Change a type here only together with both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from impilo_desktop.domain.order_sheet.drafts import SheetDraft
from impilo_desktop.domain.order_sheet.sheet import Sheet, SheetProblem
from impilo_desktop.store.entries import EntryState

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.store import Store

FileKind = Literal["csv", "xlsx"]


class OrderStanding(StrEnum):
    """What the import would do with one order of the file.

    new         can be queued
    problem     has problems (on its rows and cells); never queued
    queued      its order_ref is on an entry of this profile's outbox still on its way
                (queued, held, being sent, in doubt)
    sent        its order_ref is on an entry this computer sent
    on_server   Impilo has an order carrying its order_ref

    An order already placed is that, even if its rows now have problems (the catalog changed
    since): there is nothing left to fix in it.
    """

    NEW = "new"
    PROBLEM = "problem"
    QUEUED = "queued"
    SENT = "sent"
    ON_SERVER = "on_server"


ALREADY_PLACED = (OrderStanding.QUEUED, OrderStanding.SENT, OrderStanding.ON_SERVER)


@dataclass(frozen=True)
class PreviewOrder:
    """One order of the file as the preview shows it."""

    sheet: SheetDraft  # ref, rows, the draft, its problems (row and column)
    standing: OrderStanding
    recipient: str  # the recipient as matched, in words: "Doe, Jane (#4821)", "New patient …"
    lines: str  # the lines in words: "1 x BP monitor (IMP-BLO-3001); 1 x Large cuff"
    # Where it already is, in words, for an already-placed order: "order 4411 on Impilo",
    # "queued as #12", "sent as order 4411 (#12)"; None otherwise.
    already: str | None = None
    already_order_id: int | None = None  # Impilo's order id when known

    @property
    def ref(self) -> str | None:
        return self.sheet.ref

    @property
    def rows(self) -> tuple[int, ...]:
        return self.sheet.rows

    @property
    def problems(self) -> list[SheetProblem]:
        return self.sheet.problems

    @property
    def units(self) -> int:
        return self.sheet.units


@dataclass(frozen=True)
class ImportPreview:
    """A file read and matched, nothing written. Orders in file order."""

    file_name: str  # the file's name (no folder) as the coordinator chose it
    kind: FileKind
    sheet: Sheet  # rows and the file's own problems (no header, too many rows, not a sheet)
    orders: list[PreviewOrder] = field(default_factory=list)
    # False when Impilo could not be asked (offline, refused): "already placed" then counts
    # this computer's outbox only, and patients the cache does not know stay unknown. The
    # window and the command line say so.
    server_checked: bool = True
    server_problem: str | None = None  # why Impilo could not be asked, in plain words

    @property
    def file_problems(self) -> list[SheetProblem]:
        return self.sheet.problems

    def with_standing(self, *standings: OrderStanding) -> list[PreviewOrder]:
        return [order for order in self.orders if order.standing in standings]

    @property
    def new_orders(self) -> list[PreviewOrder]:
        return self.with_standing(OrderStanding.NEW)

    @property
    def problem_orders(self) -> list[PreviewOrder]:
        return self.with_standing(OrderStanding.PROBLEM)

    @property
    def already_placed(self) -> list[PreviewOrder]:
        return self.with_standing(*ALREADY_PLACED)

    @property
    def problem_rows(self) -> list[int]:
        """The spreadsheet rows of the orders with problems, in file order."""
        return sorted(row for order in self.problem_orders for row in order.rows)

    @property
    def new_units(self) -> int:
        return sum(order.units for order in self.new_orders)

    @property
    def can_queue_all(self) -> bool:
        """Nothing is wrong: every order is new or already placed, and some are new."""
        return not self.file_problems and not self.problem_orders and bool(self.new_orders)


@dataclass(frozen=True)
class PreviewProgress:
    """How far the preview is, for a progress bar: `done` of `total` orders matched."""

    stage: str  # "Reading the file", "Matching patients and items", "Asking Impilo"
    done: int
    total: int


ProgressCallback = Callable[[PreviewProgress], None]


@dataclass(frozen=True)
class ImportBatch:
    """The orders one import queued: kept in the store (schema v10), so the summary survives
    a restart."""

    batch_id: str
    file_name: str
    created_at: datetime
    entry_ids: tuple[int, ...]


@dataclass(frozen=True)
class BatchLine:
    """One order of a batch and what became of it."""

    entry_id: int
    order_ref: str | None
    recipient: str
    state: EntryState
    order_id: int | None  # Impilo's, once placed
    reason: str | None  # Impilo's reason for a refusal, or why it waits (held, retrying)


@dataclass(frozen=True)
class BatchSummary:
    batch: ImportBatch
    lines: list[BatchLine]

    @property
    def placed(self) -> list[BatchLine]:
        return [line for line in self.lines if line.state == EntryState.SENT]

    @property
    def refused(self) -> list[BatchLine]:
        return [line for line in self.lines if line.state == EntryState.REJECTED]

    @property
    def waiting(self) -> list[BatchLine]:
        done = (EntryState.SENT, EntryState.REJECTED)
        return [line for line in self.lines if line.state not in done]

    @property
    def finished(self) -> bool:
        """Nothing is on its way any more (held orders wait for the coordinator)."""
        moving = (EntryState.QUEUED, EntryState.SENDING, EntryState.IN_DOUBT)
        return not any(line.state in moving for line in self.lines)


# -- the work (placeholders; the sheetcore branch implements them) --------------------------


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
    sender and the window's other calls are not held up by a 1,000-row file."""
    raise NotImplementedError


def queue_import(
    store: Store, preview: ImportPreview, *, server: str, orders: Sequence[PreviewOrder]
) -> ImportBatch:
    """Queue `orders` (NEW ones of `preview`) in ONE transaction as one batch for `server`.
    Refuses (StoreError, nothing queued) an order whose ref was queued since the preview."""
    raise NotImplementedError


def rows_with_problems(preview: ImportPreview) -> bytes:
    """The rows of the preview's orders with problems, as a file of the preview's kind: the
    header as the file had it, each row as it was (unknown columns kept), and a last column
    `problems` saying what is wrong on that row."""
    raise NotImplementedError


def batch_summary(store: Store, batch_id: str) -> BatchSummary:
    """What became of each order of a batch, read from the outbox now."""
    raise NotImplementedError


def summary_csv(summary: BatchSummary) -> bytes:
    """The summary as CSV (UTF-8 with BOM): order_ref, recipient, outcome (placed / refused /
    waiting), Impilo order id, reason."""
    raise NotImplementedError
