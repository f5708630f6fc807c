"""The detail panel's buttons, laid out so none is ever cut off.

Side by side they need about 340 px; the panel is narrower than that on a 1366 px laptop
once the order list has its columns. There they take two rows instead of spilling over the
panel's edge (Void… was cut in half).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

# Where each button goes: side by side, or two rows (the actions first, Void… last).
ONE_ROW = ((0, 0), (0, 1), (0, 2), (0, 4))
TWO_ROWS = ((0, 0), (0, 1), (1, 0), (1, 1))


class DetailButtons(QWidget):
    """Three actions on the left and Void… on the right; two rows when narrow."""

    def __init__(self, actions: Sequence[QPushButton], void: QPushButton) -> None:
        super().__init__()
        self.setObjectName("orderDetailButtons")
        self._buttons = [*actions, void]
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(3, 1)  # between the actions and Void… when in one row
        self.one_row: bool | None = None
        self._arrange(one_row=True)

    def one_row_width(self) -> int:
        spacing = max(self._grid.horizontalSpacing(), 0)
        return sum(b.sizeHint().width() for b in self._buttons) + spacing * len(self._buttons)

    def minimumSizeHint(self) -> QSize:
        # Two rows are always possible: the panel may get this narrow.
        spacing = max(self._grid.horizontalSpacing(), 0)
        first, second = self._buttons[0], self._buttons[1]
        widest = max(first.sizeHint().width(), self._buttons[2].sizeHint().width())
        width = widest + max(second.sizeHint().width(), self._buttons[3].sizeHint().width())
        return QSize(width + spacing, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(one_row=event.size().width() >= self.one_row_width())

    def _arrange(self, *, one_row: bool) -> None:
        if one_row == self.one_row:
            return
        self.one_row = one_row
        for button in self._buttons:
            self._grid.removeWidget(button)
        for button, (row, column) in zip(
            self._buttons, ONE_ROW if one_row else TWO_ROWS, strict=True
        ):
            self._grid.addWidget(button, row, column)


__all__ = ["DetailButtons"]
