"""The example on the import dialog's first step: the template spreadsheet's example rows as a
spreadsheet shows them, so a coordinator sees the shape of the file before choosing one (the
sentences above it say the rules; this shows them). Constants only: nothing is read."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from impilo_desktop.domain.order_sheet.sheet import COLUMNS, NEW_PATIENT_COLUMNS
from impilo_desktop.domain.order_sheet.template import EXAMPLE_ROWS


def example_columns() -> list[str]:
    """The columns the example rows fill (an empty one would only push the telling ones out of
    view): the ref, the ways to name a recipient by id and the lines first, so they are in
    view at 1366x768; a new patient's name and address after them."""
    filled = [column for column in COLUMNS if any(row.get(column) for row in EXAMPLE_ROWS)]
    later = set(NEW_PATIENT_COLUMNS)
    return [c for c in filled if c not in later] + [c for c in filled if c in later]


class ExampleTable(QTableWidget):
    """Read-only; row numbers as the spreadsheet's (the header is row 1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        columns = example_columns()
        super().__init__(len(EXAMPLE_ROWS), len(columns), parent)
        self.setObjectName("importExampleTable")
        self.setAccessibleName("An example spreadsheet")
        self.setHorizontalHeaderLabels(columns)
        self.setVerticalHeaderLabels([str(n) for n in range(2, len(EXAMPLE_ROWS) + 2)])
        for row, values in enumerate(EXAMPLE_ROWS):
            for column, name in enumerate(columns):
                self.setItem(row, column, QTableWidgetItem(values.get(name, "")))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the buttons, not here
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.resizeRowsToContents()
        # As tall as its rows (and the scroll bar): an empty grid below them says nothing.
        height = self.horizontalHeader().height() + self.verticalHeader().length()
        self.setMaximumHeight(height + self.horizontalScrollBar().sizeHint().height() + 4)
