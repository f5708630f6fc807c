"""Settings > Data on this computer: how long orders fetched for the history are kept (one
setting for every account, in the settings file). A new value is saved when the field is
left or Enter is pressed, and older copies are removed at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from impilo_desktop.config import KEEP_ORDERS_DAYS_RANGE, Settings
from impilo_desktop.ui.plumbing.theme import status_colors

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices


class RetentionGroup(QGroupBox):
    """ "Keep cached orders for N days"; `pruned()` is called after a change is saved."""

    def __init__(
        self, services: AppServices, pruned: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__("Data on this computer", parent)
        self.setObjectName("retentionGroup")
        self.services = services
        self._prune = pruned
        form = QFormLayout(self)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.days = QSpinBox(self)
        self.days.setObjectName("keepOrdersDays")
        self.days.setAccessibleName("Keep cached orders for this many days")
        self.days.setRange(*KEEP_ORDERS_DAYS_RANGE)
        self.days.setSuffix(" days")
        self.days.setKeyboardTracking(False)  # typing "30" does not save 3 on the way
        self.days.setValue(Settings.load(services.home).keep_orders_days)
        self.days.editingFinished.connect(self.save)
        label = QLabel("&Keep cached orders for:", self)
        label.setBuddy(self.days)
        row = QHBoxLayout()  # a number, not a line of text: as wide as it needs
        row.addWidget(self.days)
        row.addStretch(1)
        form.addRow(label, row)
        self.note = QLabel(
            "Orders seen in the history are kept so they can be read offline; copies older"
            " than this are removed. Drafts and orders waiting to be sent are always kept."
            " Patients are kept with what the pickers show, without phone numbers or street"
            " addresses.",
            self,
        )
        self.note.setWordWrap(True)
        form.addRow("", self.note)
        self.refresh()

    def refresh(self) -> None:
        self.note.setStyleSheet(f"color: {status_colors().muted};")

    def save(self) -> None:
        """Keep the new number of days and apply it now."""
        home = self.services.home
        settings = Settings.load(home)
        if settings.keep_orders_days == self.days.value():
            return
        settings.keep_orders_days = self.days.value()
        settings.save(home)
        self._prune()
