"""The shapes of the spreadsheet import (see the package docstring), shared by the window
and the command line. The work is in modules of its own: `preview.build_preview`,
`queueing.queue_import`, `leftovers.rows_with_problems`, `summary.batch_summary` and
`summary.summary_csv`. Change a type here only together with both sides.

`ImportBatch` is the store's (store/import_batches.py: the store keeps batches and cannot
import from sync); it is named here too, as part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from impilo_desktop.domain.order_sheet.drafts import SheetDraft
from impilo_desktop.domain.order_sheet.sheet import Sheet, SheetProblem
from impilo_desktop.store.entries import EntryState
from impilo_desktop.store.import_batches import ImportBatch as ImportBatch

FileKind = Literal["csv", "xlsx"]


class OrderStanding(StrEnum):
    """What the import would do with one order of the file.

    new         can be queued
    problem     has problems (on its rows and cells); never queued
    queued      its order_ref is on an entry of this profile's outbox still on its way
                (queued, held, being sent, in doubt)
    sent        its order_ref is on an entry this computer sent
    on_server   Impilo has an order carrying its order_ref
    in_drafts   its order_ref is on a saved draft of this profile (an import entry taken back
                to drafts, to be fixed and queued again): already on this computer

    An order already placed is that, even if its rows now have problems (the catalog changed
    since): there is nothing left to fix in it.
    """

    NEW = "new"
    PROBLEM = "problem"
    QUEUED = "queued"
    SENT = "sent"
    ON_SERVER = "on_server"
    IN_DRAFTS = "in_drafts"  # added by the issue 15 fixes (fixsend)


ALREADY_PLACED = (
    OrderStanding.QUEUED,
    OrderStanding.SENT,
    OrderStanding.ON_SERVER,
    OrderStanding.IN_DRAFTS,
)


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
        """The file's own problems that stop it being queued whole (no order_ref column, a
        column named twice, too many rows...)."""
        return [problem for problem in self.sheet.problems if problem.blocking]

    @property
    def file_notes(self) -> list[SheetProblem]:
        """What of the file was left out but stops nothing (an unknown column, a cell in a
        column without a name): shown, never blocking."""
        return [problem for problem in self.sheet.problems if not problem.blocking]

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
class BatchLine:
    """One order of a batch and what became of it."""

    entry_id: int
    order_ref: str | None
    recipient: str
    state: EntryState
    order_id: int | None  # Impilo's, once placed
    # Impilo's reason for a refusal, why it waits (held, retrying), or, placed, that it was
    # already on Impilo and not sent again.
    reason: str | None


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
