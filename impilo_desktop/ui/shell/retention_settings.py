"""Settings > Data on this computer: how long orders fetched for the history are kept (one
setting for every account, in the settings file, read and written on the bridge). A new
value is saved when the field is left or Enter is pressed, and older copies are removed at
once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from impilo_desktop.config import DEFAULT_KEEP_ORDERS_DAYS, KEEP_ORDERS_DAYS_RANGE, Settings
from impilo_desktop.policy import FIXED_NOTE, current_policy
from impilo_desktop.ui.plumbing.theme import status_colors

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


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
        self.days.setValue(DEFAULT_KEEP_ORDERS_DAYS)
        self.days.setEnabled(False)  # until the saved number is read (on the bridge)
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
            " Patients, also those of cached orders, are kept without phone numbers or street"
            " addresses.",
            self,
        )
        self.note.setWordWrap(True)
        form.addRow("", self.note)
        self.problem = QLabel(self)
        self.problem.setObjectName("retentionProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow("", self.problem)
        self.refresh()
        services.bridge.call(
            saved_days, services.home, on_result=self._loaded, on_error=self._load_failed
        )

    def _loaded(self, saved: tuple[int, bool]) -> None:
        days, fixed = saved
        self.days.setValue(days)
        self.days.setEnabled(not fixed)
        if fixed:  # the computer's policy sets it (impilo_desktop/policy.py)
            self.days.setToolTip(FIXED_NOTE)
            self.note.setText(f"{FIXED_NOTE} {self.note.text()}")

    def _load_failed(self, error: BaseException) -> None:
        log.warning("Could not read the settings file (%s)", type(error).__name__)
        self.days.setEnabled(True)  # the default stands; saving writes the file afresh

    def refresh(self) -> None:
        colors = status_colors()
        self.note.setStyleSheet(f"color: {colors.muted};")
        self.problem.setStyleSheet(f"color: {colors.bad};")

    def save(self) -> None:
        """Keep the new number of days (written on the bridge) and apply it now."""
        self.services.bridge.call(
            save_days,
            self.services.home,
            self.days.value(),
            on_result=self._saved,
            on_error=self._save_failed,
        )

    def _saved(self, changed: bool) -> None:
        self.problem.hide()
        if changed:
            self._prune()

    def _save_failed(self, error: BaseException) -> None:
        log.warning("Could not save how long cached orders are kept", exc_info=error)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self.problem.setText(f"The number of days could not be saved: {reason}.")
        self.problem.show()


def saved_days(home: Path) -> tuple[int, bool]:
    """On the bridge: the number of days in force, and whether the policy fixes it."""
    return Settings.load(home).keep_orders_days, current_policy().keep_orders_days is not None


def save_days(home: Path, days: int) -> bool:
    """On the bridge: save `days`; False when it was already saved (nothing to prune) or
    the policy fixes it."""
    if current_policy().keep_orders_days is not None:
        return False
    settings = Settings.load(home)
    if settings.keep_orders_days == days:
        return False
    settings.keep_orders_days = days
    settings.save(home)
    return True
