"""The CSV export's two dialogs: which orders to export, and the progress of fetching every
matching order (with Cancel). Both window-modal and opened with `open()`, like the page's
other dialogs, so background answers keep arriving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .export_all import FetchProgress
from .names import named


@dataclass(frozen=True)
class ListState:
    """What the list holds when Export is pressed: the words of the question come from it."""

    shown: int
    """Rows the table shows (loaded, after the filters)."""
    loaded: int
    total: int | None
    """How many orders the server says match its part of the filter."""
    filtered: bool
    """Any filter on: the patient or external id asked of Impilo, or one on loaded rows."""
    offline: bool


def ask_which_orders(
    parent: QWidget,
    state: ListState,
    on_every_matching: Callable[[], None],
    on_loaded_rows: Callable[[], None],
) -> QMessageBox:
    """ "Every matching order" or "only the rows loaded"; Cancel (Esc) does neither."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    named(box, "exportWhichOrdersDialog", "Export which orders?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Export orders")
    box.setText("Export which orders?")
    of_total = f" of {state.total:,}" if state.total is not None else ""
    loaded = f"The list has loaded {state.loaded:,}{of_total} orders so far"
    if state.filtered and state.shown != state.loaded:
        loaded += f"; {state.shown:,} of them match the filters"
    where = "the orders saved on this computer" if state.offline else "Impilo"
    every_text = "Every matching order" if state.filtered else "Every order"
    box.setInformativeText(
        f"{loaded}.\n\n{every_text} reads all the pages from {where} first; that can take a"
        " minute on a slow connection, and you can cancel it."
    )
    every = box.addButton(f"&{every_text}", QMessageBox.ButtonRole.AcceptRole)
    every.setObjectName("exportEveryMatchingButton")
    rows = "row" if state.shown == 1 else "rows"
    loaded_only = box.addButton(
        f"&Only the {state.shown:,} {rows} loaded", QMessageBox.ButtonRole.AcceptRole
    )
    loaded_only.setObjectName("exportLoadedRowsButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    # Every matching order is the default: a coordinator exporting a filtered history wants
    # the report of that filter ("this patient's orders", "what shipped in March"). Which
    # rows happen to be loaded depends on how far the list was scrolled, which nobody
    # chose; a default that quietly wrote part of it would pass for the whole report.
    box.setDefaultButton(every)
    box.setEscapeButton(cancel)

    def chosen(button: object) -> None:
        if button is every:
            on_every_matching()
        elif button is loaded_only:
            on_loaded_rows()

    box.buttonClicked.connect(chosen)
    box.open()
    return box


class ExportProgressDialog(QDialog):
    """Pages and orders read so far (of the server's total when it gives one), then the
    writing of the file; Cancel (or Esc) asks the export to stop after the page on its way."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget, file_name: str, *, filtered: bool) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        named(self, "exportProgressDialog", "Exporting orders")
        self.setWindowTitle("Exporting orders")
        which = "every matching order" if filtered else "every order"
        self.heading = QLabel(f"Exporting {which} to {file_name}")
        named(self.heading, "exportProgressHeading", "What is being exported")
        self.heading.setWordWrap(True)
        self.label = QLabel("Asking for the first page…")
        named(self.label, "exportProgressLabel", "Export progress")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        named(self.bar, "exportProgressBar", "Export progress")
        self.bar.setRange(0, 0)  # busy until the server says how many there are
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        named(self.cancel_button, "exportProgressCancelButton", "Cancel the export")
        self.cancel_button.setToolTip("Stop after the page on its way; no file is written")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        self._filtered = filtered
        self._stopping = False

    def show_fetched(self, step: FetchProgress) -> None:
        if self._stopping:
            return
        pages = "page" if step.pages == 1 else "pages"
        of_total = f" of {step.total:,}" if step.total is not None else ""
        matching = f", {step.matching:,} matching the filters" if self._filtered else ""
        self.label.setText(
            f"Read {step.pages:,} {pages}: {step.read:,}{of_total} orders{matching}."
        )
        if step.total:
            self.bar.setRange(0, step.total)
            self.bar.setValue(min(step.read, step.total))
            self.bar.setFormat("%p%")

    def show_writing(self, done: int, total: int) -> None:
        if self._stopping:
            return
        self.label.setText(f"Writing {total:,} orders to the file…")
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def reject(self) -> None:
        """Cancel or Esc: the dialog stays until the export has stopped, saying so."""
        if self._stopping:
            return
        self._stopping = True
        self.cancel_button.setEnabled(False)
        self.label.setText("Stopping after the page on its way… nothing will be written.")
        self.cancel_requested.emit()

    def finish(self) -> None:
        """The export ended (written, cancelled or failed): close."""
        self.done(QDialog.DialogCode.Accepted)


__all__ = ["ExportProgressDialog", "ListState", "ask_which_orders"]
