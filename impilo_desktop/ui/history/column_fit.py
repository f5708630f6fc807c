"""Column widths that fit the order table into the width it has.

On a 1280-1440 px laptop the table shares the page with the detail panel, and not every
column can have the width it would like. The columns a coordinator scans - order, status,
recipient, tracking - get the width their content needs (measured on the rows in view); the
others (last update, items, external ids) share what is left in equal parts (none wider
than it wants), down to a small minimum, and elide. Only when even that does not fit do the
scanned columns narrow too. Hidden columns take no room. Once the coordinator drags a column
edge the widths are theirs and fitting stops."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTableView
from shiboken6 import isValid


def shrink(wanted: Mapping[int, int], floors: Mapping[int, int], room: int) -> dict[int, int]:
    """`wanted` widths narrowed in proportion to fit `room`; none below its floor (a column
    that hits its floor stays there and the rest share what is left)."""
    if sum(wanted.values()) <= room:
        return dict(wanted)
    widths: dict[int, int] = {}
    free = dict(wanted)
    while free:
        scale = max(room, 0) / sum(free.values())
        pinned = {c for c, w in free.items() if w * scale < floors.get(c, 0)}
        if not pinned:
            widths.update({c: int(w * scale) for c, w in free.items()})
            break
        for column in pinned:
            widths[column] = floors[column]
            room -= floors[column]
            del free[column]
    return widths


def share(wanted: Mapping[int, int], floors: Mapping[int, int], room: int) -> dict[int, int]:
    """`room` in equal parts, none more than it wants nor less than its floor: three columns
    of 70 px read better than 96, 57 and 58 px in proportion to their preferred widths."""
    widths: dict[int, int] = {}
    free = dict(wanted)
    while free:
        each = max(room, 0) // len(free)
        content = {c for c, w in free.items() if w <= each}
        if not content:
            widths.update({c: max(each, floors.get(c, 0)) for c in free})
            break
        for column in content:
            widths[column] = free.pop(column)
            room -= widths[column]
    return widths


class ColumnFitter(QObject):
    """Keeps `table`'s columns within its viewport until the user resizes one."""

    def __init__(
        self,
        table: QTableView,
        preferred: Mapping[int, int],
        minimum: Mapping[int, int],
        scanned: Collection[int],
    ) -> None:
        super().__init__(table)
        self._table = table
        self._preferred = dict(preferred)
        self._minimum = dict(minimum)
        self._scanned = frozenset(scanned)
        self._fitting = False
        self._fit_when_shown = False
        self.user_resized = False
        header = table.horizontalHeader()
        header.sectionResized.connect(self._on_section_resized)
        # The first rows (after a reload, a new filter) are what the content is measured on.
        model = table.model()
        model.modelReset.connect(self.fit_soon)
        model.rowsInserted.connect(self._on_rows_inserted)
        # Rows re-sorted, or a row's texts replaced (an order updated in place): what is in
        # view may be wider now.
        model.layoutChanged.connect(self.fit_soon)
        model.dataChanged.connect(self.fit_soon)
        self._fit_pending = False
        self._viewport = table.viewport()
        self._viewport.installEventFilter(self)
        self.fit()

    def widths_for(self, available: int, content: Mapping[int, int]) -> dict[int, int]:
        """The widths of the shown columns for a viewport `available` pixels wide, when the
        scanned columns' content needs `content` (a column missing there wants its
        preferred width)."""
        shown = [c for c in self._preferred if not self._table.isColumnHidden(c)]
        scanned = {c: content.get(c, self._preferred[c]) for c in shown if c in self._scanned}
        others = {c: self._preferred[c] for c in shown if c not in self._scanned}
        room = available - sum(scanned.values())
        floors = sum(self._minimum.get(c, 0) for c in others)
        if room >= floors:
            return scanned | share(others, self._minimum, room)
        # Not even that: the others at their minimum, the scanned columns elide too.
        narrowed = shrink(scanned, self._minimum, available - floors)
        return narrowed | {c: self._minimum.get(c, w) for c, w in others.items()}

    def content_widths(self) -> dict[int, int]:
        """What the scanned columns' header and rows in view need (nothing before rows)."""
        if self._table.model().rowCount() == 0:
            return {}
        header = self._table.horizontalHeader()
        return {
            c: max(self._table.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in self._scanned
        }

    def fit_soon(self, *_args: object) -> None:
        """Fit once the view has laid out its new rows (one fit for a burst of changes)."""
        if self._fit_pending:
            return
        self._fit_pending = True
        QTimer.singleShot(0, self, self._fit_now)

    def _fit_now(self) -> None:
        self._fit_pending = False
        self.fit()

    def fit(self) -> None:
        if self.user_resized or not isValid(self._table):
            return
        if not self._table.isVisible():
            # A hidden table's size hint measures every row, not the rows in view: the order
            # list on a page nobody looks at was measured whole for each order placed (about
            # 80% of the UI thread's long stalls while the outbox sent, benchmarks/ui_stall).
            self._fit_when_shown = True
            return
        self._fit_when_shown = False
        available = self._table.viewport().width()
        if available <= 0:
            return
        self._fitting = True
        try:
            for column, width in self.widths_for(available, self.content_widths()).items():
                self._table.setColumnWidth(column, width)
        finally:
            self._fitting = False

    def _on_rows_inserted(self, *_args: object) -> None:
        # New rows may land in view (a first page shorter than the list, then the next; an
        # order placed, at the top). One fit per burst, measuring only the rows in view.
        self.fit_soon()

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        header = self._table.horizontalHeader()
        # The stretched last section follows the viewport by itself; only a drag on the
        # header elsewhere means the coordinator chose the widths.
        last = header.logicalIndex(header.count() - 1)
        if not self._fitting and index != last and header.underMouse():
            self.user_resized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Resizes also arrive while the table is being destroyed: `fit` checks it is alive.
        # The type first, so the other events of a page being freed touch no attribute.
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self._viewport:
            self.fit()
        elif kind == QEvent.Type.Show and watched is self._viewport and self._fit_when_shown:
            self.fit_soon()  # rows arrived (or the width changed) while the page was hidden
        return False


__all__ = ["ColumnFitter", "share", "shrink"]
