"""Column widths that fit the order table into the width it has.

At 1280-1440 px windows the table shares the page with the detail panel; with fixed widths it
needed a horizontal scroll bar. `ColumnFitter` gives every column its preferred width when
there is room and otherwise narrows the wide text columns (recipient, contents, tracking,
external ids) down to a readable minimum. Once the coordinator drags a column edge the widths
are theirs and fitting stops.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView
from shiboken6 import isValid


class ColumnFitter(QObject):
    """Keeps `table`'s columns within its viewport until the user resizes one."""

    def __init__(
        self,
        table: QTableView,
        preferred: Mapping[int, int],
        minimum: Mapping[int, int],
    ) -> None:
        super().__init__(table)
        self._table = table
        self._preferred = dict(preferred)
        self._minimum = dict(minimum)
        self._fitting = False
        self.user_resized = False
        table.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self._viewport = table.viewport()
        self._viewport.installEventFilter(self)
        self.fit()

    def widths_for(self, available: int) -> dict[int, int]:
        """The column widths for a viewport `available` pixels wide."""
        fixed = {c: w for c, w in self._preferred.items() if c not in self._minimum}
        flexible = {c: w for c, w in self._preferred.items() if c in self._minimum}
        room = available - sum(fixed.values())
        wanted = sum(flexible.values())
        if wanted <= 0 or room >= wanted:
            return dict(self._preferred)
        # Shrink in proportion; a column that hits its minimum stays there and the rest
        # share what is left (repeat until nothing more is pinned).
        widths = dict(fixed)
        free = dict(flexible)
        while free:
            scale = max(room, 0) / sum(free.values())
            pinned = {c for c, w in free.items() if w * scale < self._minimum[c]}
            if not pinned:
                widths.update({c: int(w * scale) for c, w in free.items()})
                break
            for column in pinned:
                widths[column] = self._minimum[column]
                room -= self._minimum[column]
                del free[column]
        return widths

    def fit(self) -> None:
        if self.user_resized or not isValid(self._table):
            return
        available = self._table.viewport().width()
        if available <= 0:
            return
        self._fitting = True
        try:
            for column, width in self.widths_for(available).items():
                self._table.setColumnWidth(column, width)
        finally:
            self._fitting = False

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        header = self._table.horizontalHeader()
        # The stretched last section follows the viewport by itself; only a drag on the
        # header elsewhere means the coordinator chose the widths.
        if not self._fitting and index != header.count() - 1 and header.underMouse():
            self.user_resized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Resizes also arrive while the table is being destroyed: `fit` checks it is alive.
        # The type first, so the other events of a page being freed touch no attribute.
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self.fit()
        return False


__all__ = ["ColumnFitter"]
