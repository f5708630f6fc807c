"""The line under the order list: how many orders are shown and where from, "Load all
matching" while a filter may hide orders not loaded yet, and the progress bar with Cancel for
the long jobs (loading all matching orders, exporting CSV)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from .model import OrderHistoryModel
from .names import named


def count_text(model: OrderHistoryModel, *, offline: bool) -> str:
    """What the footer says about the list, e.g. "40 of 1,200 orders loaded — scroll for
    more" or "3 matching — filtering 40 loaded orders"."""
    loaded, shown = model.loaded_count, model.rowCount()
    total = model.total
    of_total = f" of {total:,}" if total is not None and not model.exhausted else ""
    where = " saved" if offline else ""
    if model.local_filter.is_active:
        if model.exhausted:
            text = f"{shown:,} matching — filtering all {loaded:,}{where} orders"
        else:
            text = f"{shown:,} matching — filtering {loaded:,} loaded{where} orders{of_total}"
    elif model.exhausted:
        text = f"All {loaded:,}{where} orders loaded"
    else:
        text = f"{loaded:,}{of_total}{where} orders loaded — scroll for more"
    if model.query.patient_id is not None or model.query.external_order_ids:
        text += f" (for {model.query.describe()})"
    if model.loading and not model.loading_all:
        text += " · loading…"
    return text


class ListFooter(QWidget):
    """The counts and the controls of long jobs, kept up to date from `model`."""

    def __init__(
        self,
        model: OrderHistoryModel,
        offline: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyListFooter")
        self._model = model
        self._offline = offline
        self.count_label = QLabel()
        named(self.count_label, "historyCountLabel", "How many orders are shown")
        self.load_all_button = QPushButton("Load all matching")
        named(self.load_all_button, "loadAllMatchingButton", "Load all matching orders")
        self.load_all_button.setToolTip("Fetch every page from Impilo so the filter sees all")
        self.progress = QProgressBar()
        named(self.progress, "historyProgress", "Progress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        named(self.cancel_button, "historyCancelButton", "Cancel")
        for w in (self.load_all_button, self.progress, self.cancel_button):
            w.setVisible(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.count_label, 1)
        row.addWidget(self.load_all_button)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)

        model.counts_changed.connect(self.show_counts)
        model.loading_changed.connect(self.show_counts)
        model.load_all_progress.connect(self._on_load_all_progress)
        model.load_all_finished.connect(self._on_load_all_finished)
        self.load_all_button.clicked.connect(model.load_all_matching)

    def show_counts(self) -> None:
        m = self._model
        self.count_label.setText(count_text(m, offline=self._offline()))
        self.load_all_button.setVisible(
            m.local_filter.is_active and not m.exhausted and not m.loading_all
        )

    def _on_load_all_progress(self, loaded: int, total: int) -> None:
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(loaded)
        self.progress.setFormat(f"{loaded:,} / {total:,}")
        self.load_all_button.setVisible(False)

    def _on_load_all_finished(self, complete: bool) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.show_counts()


__all__ = ["ListFooter", "count_text"]
