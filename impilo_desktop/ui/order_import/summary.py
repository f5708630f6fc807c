"""What became of an import: placed, refused with Impilo's reasons, waiting; Export CSV…"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.store.entries import EntryState
from impilo_desktop.sync.order_import import BatchSummary, summary_csv
from impilo_desktop.ui.order_import import wording
from impilo_desktop.ui.order_import.files import choose_save_path, save_on_bridge
from impilo_desktop.ui.order_import.pages import say
from impilo_desktop.ui.order_import.wording import not_saved
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.theme import status_colors

log = logging.getLogger(__name__)

COLUMNS = ("Order ref", "Recipient", "Outcome", "Impilo order", "Reason")


class ImportSummaryDialog(QDialog):
    """One batch's outcome, order by order."""

    def __init__(
        self, bridge: AsyncBridge, summary: BatchSummary, folder: Path, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importSummaryDialog")
        self.setWindowTitle(f"Import summary: {summary.batch.file_name}")
        self._bridge, self.summary, self.folder = bridge, summary, folder
        layout = QVBoxLayout(self)
        self.outcome = QLabel(wording.batch_outcome(summary), self)
        self.outcome.setObjectName("importOutcome")
        self.outcome.setWordWrap(True)
        font = self.outcome.font()
        font.setWeight(font.Weight.DemiBold)
        self.outcome.setFont(font)
        layout.addWidget(self.outcome)
        where = []
        if summary.refused:
            where.append(wording.REFUSED_WHERE)
        if any(line.state == EntryState.HELD for line in summary.waiting):
            where.append(wording.HELD_WHERE)
        self.where = QLabel(" ".join(where), self)
        self.where.setObjectName("importSummaryWhere")
        self.where.setWordWrap(True)
        self.where.setVisible(bool(where))
        layout.addWidget(self.where)
        self.table = _summary_table(summary, self)
        layout.addWidget(self.table, 1)
        self.message = QLabel(self)
        self.message.setObjectName("importSummaryMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.setObjectName("exportImportSummaryButton")
        self.export_button.setAutoDefault(False)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeImportSummaryButton")
        self.close_button.setDefault(True)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.accept)
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        self.resize(min(900, int(area.width() * 0.9)) if area else 900, 520)

    def export(self) -> None:
        stem = Path(self.summary.batch.file_name).stem
        suggested = self.folder / f"{stem} - import summary.csv"
        path = choose_save_path(self, "Export the import summary", suggested, "CSV (*.csv)")
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        """Write the summary as CSV to `path` (on the bridge)."""
        summary = self.summary

        def saved(written: Path) -> None:
            say(self.message, f"Saved as {written.name}.")

        def failed(error: BaseException) -> None:
            log.warning("Could not export an import summary: %s", error)
            say(self.message, not_saved(path, error), bad=True)

        save_on_bridge(self._bridge, path, lambda: summary_csv(summary), saved, failed)


def _summary_table(summary: BatchSummary, parent: QWidget) -> QTableWidget:
    table = QTableWidget(len(summary.lines), len(COLUMNS), parent)
    table.setObjectName("importSummaryTable")
    table.setAccessibleName("Orders of the import and what became of them")
    table.setHorizontalHeaderLabels(list(COLUMNS))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    colors = status_colors()
    for row, line in enumerate(summary.lines):
        values = (
            line.order_ref or "",
            line.recipient,
            wording.outcome(line),
            str(line.order_id) if line.order_id is not None else "",
            line.reason or "",
        )
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column == 3:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column == 2 and line.state in (EntryState.SENT, EntryState.REJECTED):
                good = line.state == EntryState.SENT
                item.setForeground(QColor(colors.good if good else colors.bad))
            table.setItem(row, column, item)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate((100, 200, 90, 100)):
        table.setColumnWidth(column, width)
    return table
